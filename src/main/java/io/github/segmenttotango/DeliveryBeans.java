package io.github.segmenttotango;

import io.github.segmenttotango.delivery.CallsInFlight;
import io.github.segmenttotango.delivery.CutCallsOnStop;
import io.github.segmenttotango.delivery.DeliveryQueueReader;
import io.github.segmenttotango.delivery.DeliverySettings;
import io.github.segmenttotango.delivery.KafkaDeliveryReader;
import io.github.segmenttotango.delivery.PrepareRetry;
import io.github.segmenttotango.delivery.RetryTimers;
import io.github.segmenttotango.delivery.SendToTotango;
import io.github.segmenttotango.delivery.TotangoAnswers;
import io.github.segmenttotango.delivery.TotangoForm;
import io.github.segmenttotango.mapping.TotangoCall;
import io.github.segmenttotango.metrics.BundleMetrics;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import org.apache.camel.CamelContext;
import org.apache.camel.Processor;
import org.apache.camel.support.service.ServiceSupport;

import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Delivery to Totango (routes/delivery.yaml): {@code totangoAnswers}, {@code prepareRetry},
 * {@code encodeTotangoForm}, {@code sendToTotango} (the HTTP client, under the limit of calls in
 * flight), {@code retryTimers}, the reader of the delivery queue (or of the calls topic in cluster mode), and
 * what a stop does to them.
 */
final class DeliveryBeans {

    /** Threads that run the delivery route after Totango's answers (the dead letters it keeps may wait on the disk). */
    private static final int ANSWER_THREADS = 4;
    private static final AtomicInteger ANSWER_THREAD_IDS = new AtomicInteger();
    /** Halvings of the limit of calls in flight are at least this far apart (milliseconds). */
    private static final long DECREASE_INTERVAL_MILLIS = 1000;

    private DeliveryBeans() {
    }

    /** @param cluster cluster mode's Kafka (its calls topic is read instead of the delivery queue), or null for the single process */
    static void bind(CamelContext context, BundleSettings settings, BundleMetrics metrics, QueueBeans.Queue queue, ClusterBeans.Cluster cluster)
            throws Exception {
        DeliverySettings delivery = settings.delivery();
        Duration window = settings.durations().get("delivery.retry.window");
        RetryTimers timers = new RetryTimers(2);
        context.getRegistry().bind("retryTimers", timers);
        context.getRegistry().bind("totangoAnswers", new TotangoAnswers(window));
        context.getRegistry().bind("prepareRetry", new PrepareRetry(window, metrics));
        TotangoForm form = new TotangoForm(settings.serviceId(), settings.apiToken());
        // the step that turns the call in the body into its form (routes/delivery.yaml)
        context.getRegistry().bind("encodeTotangoForm", (Processor) exchange ->
                exchange.getMessage().setBody(form.encode(exchange.getMessage().getMandatoryBody(TotangoCall.class))));

        // the calls' input and output: one event loop of a Vert.x of its own (the HTTP server's serve clients)
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(1).setInternalBlockingPoolSize(1));
        ExecutorService answers = Executors.newFixedThreadPool(ANSWER_THREADS, task -> {
            Thread thread = new Thread(task, "totango-answers-" + ANSWER_THREAD_IDS.incrementAndGet());
            thread.setDaemon(true);
            // behind ingest, as the rest of delivery (see BackgroundWork)
            thread.setPriority(Thread.MIN_PRIORITY);
            return thread;
        });
        CallsInFlight calls = new CallsInFlight(delivery.maxInFlight(), delivery.maxCallsPerSecond(), DECREASE_INTERVAL_MILLIS, timers);
        metrics.watchCallsInFlight(calls::inFlight, calls::limit);
        SendToTotango send = new SendToTotango(calls, vertx, settings.totangoUrl(), delivery.maxInFlight(),
                settings.durations().get("totango.connect-timeout"), settings.durations().get("totango.response-timeout"), answers);
        context.getRegistry().bind("sendToTotango", send);

        ServiceSupport reader;
        Runnable stopTaking;
        if (cluster == null) {
            DeliveryQueueReader queueReader = new DeliveryQueueReader(queue.deliveryConnections(), queue.deliveryQueue(),
                    context.getEndpoint("direct:deliver-a-users-calls-in-order"), delivery.readAheadBytes(),
                    settings.durations().get("delivery.retry.initial-delay"), settings.durations().get("delivery.retry.max-delay"), timers);
            reader = queueReader;
            stopTaking = queueReader::stopTaking;
        } else {
            KafkaDeliveryReader topicReader = new KafkaDeliveryReader(cluster.callsConsumers(), cluster.settings().callsTopic(),
                    context.getEndpoint("direct:deliver-a-users-calls-in-order"), delivery.readAheadBytes(),
                    settings.durations().get("delivery.retry.initial-delay"), settings.durations().get("delivery.retry.max-delay"), timers,
                    cluster.callsLag());
            reader = topicReader;
            stopTaking = topicReader::stopTaking;
        }
        context.getManagementStrategy().addEventNotifier(
                new CutCallsOnStop(stopTaking, calls, timers, send, settings.durations().get("delivery.stop-grace")));
        // the reader hands messages to a route: it starts once the routes run
        Services.startOnceRoutesRun(context, reader);
        // stopped after the routes, before the queue (services stop in the reverse order of their adding)
        Services.add(context, new ServiceSupport() {
            @Override
            protected void doStop() throws Exception {
                reader.stop();
                timers.shutdownNow();
                answers.shutdownNow();
                vertx.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
            }
        }, "the delivery queue's reader");
    }
}
