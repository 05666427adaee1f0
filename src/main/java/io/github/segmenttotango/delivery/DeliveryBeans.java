package io.github.segmenttotango.delivery;

import io.github.segmenttotango.BundleSettings;
import io.github.segmenttotango.mapping.TotangoCall;
import io.github.segmenttotango.metrics.BundleMetrics;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import jakarta.jms.ConnectionFactory;
import org.apache.camel.CamelContext;
import org.apache.camel.Processor;
import org.apache.camel.StartupListener;
import org.apache.camel.support.service.ServiceSupport;

import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The beans of delivery (routes/delivery.yaml): the Totango endpoint's HTTP client, the limit of calls
 * in flight, the reader of the delivery queue, the timers of retries, and what a stop does to them.
 */
public final class DeliveryBeans {

    /** Threads that run the delivery route after Totango's answers (the dead letters it keeps may wait on the disk). */
    private static final int ANSWER_THREADS = 4;
    private static final AtomicInteger ANSWER_THREAD_IDS = new AtomicInteger();
    /** Halvings of the limit of calls in flight are at least this far apart (milliseconds). */
    private static final long DECREASE_INTERVAL_MILLIS = 1000;

    private DeliveryBeans() {
    }

    /**
     * Binds {@code sendToTotango}, {@code retryTimers}, {@code totangoAnswers}, {@code prepareRetry},
     * {@code encodeTotangoForm}, and starts the reader of the delivery queue {@code deliveryQueue} once
     * the routes run.
     */
    public static void bind(CamelContext context, BundleSettings settings, BundleMetrics metrics, ConnectionFactory queue,
            String deliveryQueue) throws Exception {
        BundleSettings.Delivery delivery = settings.delivery();
        Duration window = settings.durations().get("delivery.retry.window");
        RetryTimers timers = new RetryTimers(2);
        context.getRegistry().bind("retryTimers", timers);
        context.getRegistry().bind("totangoAnswers", new TotangoAnswers(window));
        context.getRegistry().bind("prepareRetry", new PrepareRetry(window, metrics));
        TotangoForm form = new TotangoForm(settings.serviceId(), settings.apiToken());
        // the step that turns the call in the body into its form
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

        DeliveryQueueReader reader = new DeliveryQueueReader(queue, deliveryQueue,
                context.getEndpoint("direct:deliver-a-users-calls-in-order"), delivery.readAheadBytes(),
                settings.durations().get("delivery.retry.initial-delay"), settings.durations().get("delivery.retry.max-delay"), timers);
        context.getManagementStrategy().addEventNotifier(
                new CutCallsOnStop(reader, calls, timers, send, settings.durations().get("delivery.stop-grace")));
        // started once the routes run (the reader hands messages to one); stopped after them, before the queue
        context.addStartupListener(new StartupListener() {
            @Override
            public void onCamelContextStarted(CamelContext started, boolean alreadyStarted) {
                // the reader starts once the routes run
            }

            @Override
            public void onCamelContextFullyStarted(CamelContext started, boolean alreadyStarted) throws Exception {
                reader.start();
            }
        });
        context.addService(new ServiceSupport() {
            @Override
            protected void doStop() throws Exception {
                reader.stop();
                timers.shutdownNow();
                answers.shutdownNow();
                vertx.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
            }
        }, true, true);
    }
}
