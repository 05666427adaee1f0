package io.github.segmenttotango.delivery;

import io.github.segmenttotango.metrics.ConsumerLag;
import io.github.segmenttotango.queue.BackgroundWork;

import org.apache.camel.AsyncProducer;
import org.apache.camel.Endpoint;
import org.apache.camel.Exchange;
import org.apache.camel.support.service.ServiceSupport;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Cluster mode's delivery: the instances consume the calls topic as one consumer group, and each
 * feeds its records (each holds calls of one user, in order) to the same in-flight delivery as the
 * single process's {@link DeliveryQueueReader}: one record at a time per user ({@link UserLanes}),
 * many users at once, through {@code direct:deliver-a-users-calls-in-order}.
 *
 * <p>A partition's offset is committed only up to its first record not finished (delivered, or kept
 * as dead letters): what was in flight at a crash is delivered again by the partition's next owner
 * (a repeat, never a loss). When a rebalance takes partitions away, the reader commits what it
 * finished of them, starts nothing more of them, and forgets the rest (the new owner delivers it
 * from the committed offset); the calls of theirs in flight at that moment may repeat. A record whose
 * delivery failed (PostgreSQL away when a dead letter is kept) is handed to the route again after a
 * growing delay, before its user's later ones. On a stop, nothing new starts; what is not finished
 * is not committed, and is delivered after the restart or by another instance.
 *
 * <p>All the consumer's work (polling, committing, rebalances) is done on the reader's own thread, as
 * Kafka wants; the route finishes records on other threads and leaves them in {@code finished}.
 */
public final class KafkaDeliveryReader extends ServiceSupport {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaDeliveryReader.class);
    private static final Duration POLL = Duration.ofMillis(20);

    private final Supplier<Consumer<byte[], byte[]>> consumers;
    private final String topic;
    private final Endpoint route;
    private final long readAheadBytes;
    private final Duration retryInitialDelay;
    private final Duration retryMaxDelay;
    private final ScheduledExecutorService timers;
    private final ConsumerLag lag;
    private final UserLanes<Taken> lanes = new UserLanes<>();
    private final FinishedWork<Taken> finished = new FinishedWork<>();
    private final HeldPartitions held;
    private AsyncProducer deliver;
    private Consumer<byte[], byte[]> consumer;
    private Thread thread;
    private volatile boolean taking;
    private volatile boolean open;
    private long heldBytes;

    /** A record taken off the calls topic, and how much of the read-ahead it holds. */
    private record Taken(TopicPartition partition, long offset, int holding, String user, byte[] calls, long queuedAt) {
    }

    public KafkaDeliveryReader(Supplier<Consumer<byte[], byte[]>> consumers, String topic, Endpoint route, long readAheadBytes,
            Duration retryInitialDelay, Duration retryMaxDelay, ScheduledExecutorService timers, ConsumerLag lag) {
        this.consumers = consumers;
        this.topic = topic;
        this.route = route;
        this.readAheadBytes = readAheadBytes;
        this.retryInitialDelay = retryInitialDelay;
        this.retryMaxDelay = retryMaxDelay;
        this.timers = timers;
        this.lag = lag;
        this.held = new HeldPartitions(topic);
    }

    @Override
    protected void doStart() throws Exception {
        deliver = route.createAsyncProducer();
        deliver.start();
        consumer = consumers.get();
        consumer.subscribe(List.of(topic), held.rebalances(consumer, this::settleFinished));
        open = true;
        taking = true;
        thread = new Thread(this::read, "kafka-delivery-reader");
        thread.setDaemon(true);
        thread.start();
    }

    /** The stop begins: no record starts any more (those in delivery finish or are cut short by the route). */
    public void stopTaking() {
        taking = false;
    }

    private void read() {
        BackgroundWork.runsBehindIngest();
        try {
            while (open) {
                try {
                    settleFinished();
                    held.commit(consumer, false);
                    if (!taking) {
                        finished.await(POLL.toMillis());
                        continue;
                    }
                    if (heldBytes >= readAheadBytes) {
                        consumer.pause(consumer.assignment());
                    } else if (!consumer.paused().isEmpty()) {
                        consumer.resume(consumer.paused());
                    }
                    for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL)) {
                        take(record);
                    }
                    lag.measure(consumer);
                } catch (WakeupException stopping) {
                    break;
                } catch (RuntimeException e) {
                    if (!open) {
                        break;
                    }
                    LOG.warn("The calls topic's reader could not go on, tries again in 1 s: {}", e.getMessage());
                    FinishedWork.pause(1000);
                }
            }
        } finally {
            try {
                // the last commits: what the route finished while the bundle stopped (closing revokes the partitions)
                settleFinished();
                held.commit(consumer, true);
                consumer.close(CloseOptions.timeout(Duration.ofSeconds(5)));
            } catch (RuntimeException e) {
                LOG.debug("Stopping: the calls delivered last are delivered again by the partition's next owner: {}", e.getMessage());
            }
        }
    }

    private void take(ConsumerRecord<byte[], byte[]> record) {
        TopicPartition partition = new TopicPartition(record.topic(), record.partition());
        Integer holding = held.taken(partition, record.offset());
        if (holding == null) {
            return;
        }
        byte[] calls = record.value() == null ? new byte[0] : record.value();
        String user = record.key() == null ? "" : new String(record.key(), StandardCharsets.UTF_8);
        Taken taken = new Taken(partition, record.offset(), holding, user, calls, record.timestamp());
        heldBytes += calls.length;
        if (lanes.add(user, taken)) {
            deliver(taken);
        }
    }

    private boolean ours(Taken taken) {
        return held.holds(taken.partition(), taken.holding());
    }

    /** Hands a record to the delivery route; what follows happens when the route is finished with it. */
    private void deliver(Taken taken) {
        Exchange exchange = route.createExchange();
        exchange.getMessage().setBody(taken.calls());
        exchange.setProperty("queuedAt", taken.queuedAt());
        deliver.process(exchange, doneSync -> finished(taken, exchange));
    }

    private void finished(Taken taken, Exchange exchange) {
        if (exchange.getException() == null && !exchange.isRollbackOnly() || !ours(taken)) {
            next(taken);
        } else if (taking) {
            int failures = lanes.failed(taken.user());
            long retryIn = Math.min(retryMaxDelay.toMillis(), retryInitialDelay.toMillis() << Math.min(20, failures - 1));
            Exception failure = exchange.getException();
            LOG.warn("A record of Totango calls could not be delivered ({}); it is delivered again in {} ms, before its user's"
                    + " later calls", failure == null ? "rolled back" : PutBackOnStop.oneLine(failure.getClass().getSimpleName() + ": "
                    + failure.getMessage()), retryIn);
            timers.schedule(() -> {
                if (!ours(taken)) {
                    next(taken);
                } else if (taking) {
                    deliver(taken);
                }
            }, retryIn, TimeUnit.MILLISECONDS);
        }
        finished.signal();
    }

    /** The record is done with (delivered, or no longer ours): its user's next one of ours starts. */
    private void next(Taken done) {
        finished.add(done);
        Taken next = lanes.delivered(done.user());
        while (next != null && !ours(next)) {
            finished.add(next);
            next = lanes.delivered(next.user());
        }
        if (next != null && taking) {
            deliver(next);
        }
    }

    /** Counts the records the route is done with: their partition's offset may move past them. */
    private void settleFinished() {
        for (Taken taken = finished.poll(); taken != null; taken = finished.poll()) {
            heldBytes -= taken.calls().length;
            if (ours(taken)) {
                held.finished(taken.partition(), taken.offset());
            }
        }
    }

    @Override
    protected void doStop() throws Exception {
        taking = false;
        open = false;
        if (thread != null) {
            thread.join(7000);
        }
        if (deliver != null) {
            deliver.stop();
        }
    }
}
