package io.github.segmenttotango.delivery;

import org.apache.camel.spi.CamelEvent;
import org.apache.camel.support.EventNotifierSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;

/**
 * A stop does not wait on Totango. When the bundle starts stopping: the reader of the delivery queue
 * (or of the calls topic, in cluster mode) starts no more messages, the calls waiting for a place among those in flight are refused, and the
 * calls waiting for their next attempt are woken at once (seeing the stop, they fail); the calls in
 * flight get {@code grace} to be answered, then the connections to Totango close, so those still
 * waiting for an answer fail. The messages of the calls that failed go back to the delivery queue
 * ({@link PutBackOnStop}), in order, and are delivered after the restart. Without it, a Totango that
 * does not answer would hold the stop for {@code totango.response-timeout}, and a call waiting for its
 * retry for that retry's delay.
 */
public final class CutCallsOnStop extends EventNotifierSupport {

    private static final Logger LOG = LoggerFactory.getLogger(CutCallsOnStop.class);

    private final Runnable stopTaking;
    private final CallsInFlight calls;
    private final RetryTimers timers;
    private final SendToTotango send;
    private final Duration grace;

    public CutCallsOnStop(Runnable stopTaking, CallsInFlight calls, RetryTimers timers, SendToTotango send, Duration grace) {
        this.stopTaking = stopTaking;
        this.calls = calls;
        this.timers = timers;
        this.send = send;
        this.grace = grace;
    }

    @Override
    public boolean isEnabled(CamelEvent event) {
        return event instanceof CamelEvent.CamelContextStoppingEvent;
    }

    @Override
    public void notify(CamelEvent event) {
        stopTaking.run();
        calls.close();
        int woken = timers.fireAllNow();
        if (woken > 0) {
            LOG.debug("Stopping: {} call(s) waiting for their next attempt go back to the delivery queue", woken);
        }
        Thread cut = new Thread(() -> {
            try {
                Thread.sleep(grace.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            timers.fireAllNow();
            send.closeConnections();
            LOG.debug("Stopping: the connections to Totango are closed, {} after the stop began", grace);
        }, "cut-totango-calls-on-stop");
        cut.setDaemon(true);
        cut.start();
    }
}
