package io.github.segmenttotango.delivery;

import io.github.segmenttotango.queue.BackgroundWork;

import jakarta.jms.BytesMessage;
import jakarta.jms.Connection;
import jakarta.jms.ConnectionFactory;
import jakarta.jms.JMSException;
import jakarta.jms.Message;
import jakarta.jms.MessageConsumer;
import jakarta.jms.Session;
import org.apache.activemq.artemis.api.jms.ActiveMQJMSConstants;
import org.apache.camel.AsyncProducer;
import org.apache.camel.Endpoint;
import org.apache.camel.Exchange;
import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Takes the messages of the delivery queue (each holds calls of one user, in order) and hands them to
 * the delivery route, one message at a time per user and many users at once: a user's next message
 * starts when the one before it is finished (delivered, or kept as dead letters), so a user's calls
 * reach Totango in order while other users' calls are in flight beside them.
 *
 * <p>A message is acknowledged, and so taken off the queue for good, only once the route is finished
 * with it; until then it stays in the queue's journal, and a crash delivers it again after the
 * restart (its calls sent before the crash are sent again: at least once, never lost). A message whose
 * delivery failed (the state database away when a dead letter is kept) is handed to the route again,
 * after a growing delay, before that user's next one. On a stop, nothing new starts, and the messages
 * not finished go back to the queue, in order, when the reader closes.
 *
 * <p>The reader holds at most {@code readAheadBytes} of messages not yet finished: enough for many
 * users at once. A user whose backlog alone is larger holds up the others only beyond that amount.
 *
 * <p>All the queue's work (receiving, acknowledging) is done on the reader's own thread, as JMS wants
 * of a session; the route finishes messages on other threads and leaves them in {@code finished}.
 */
public final class DeliveryQueueReader extends ServiceSupport {

    private static final Logger LOG = LoggerFactory.getLogger(DeliveryQueueReader.class);
    private static final long RECEIVE_MILLIS = 20;

    private final ConnectionFactory connections;
    private final String queue;
    private final Endpoint route;
    private final long readAheadBytes;
    private final Duration retryInitialDelay;
    private final Duration retryMaxDelay;
    private final ScheduledExecutorService timers;
    private final UserLanes<Taken> lanes = new UserLanes<>();
    private final FinishedWork<Taken> finished = new FinishedWork<>();
    private AsyncProducer deliver;
    private Connection connection;
    private Thread thread;
    private volatile boolean taking;
    private volatile boolean open;
    private long heldBytes;

    /** A message taken off the queue, and how much of the reader's read-ahead it holds. */
    private record Taken(Message message, String user, long bytes, long queuedAt) {
    }

    public DeliveryQueueReader(ConnectionFactory connections, String queue, Endpoint route, long readAheadBytes,
            Duration retryInitialDelay, Duration retryMaxDelay, ScheduledExecutorService timers) {
        this.connections = connections;
        this.queue = queue;
        this.route = route;
        this.readAheadBytes = readAheadBytes;
        this.retryInitialDelay = retryInitialDelay;
        this.retryMaxDelay = retryMaxDelay;
        this.timers = timers;
    }

    @Override
    protected void doStart() throws Exception {
        deliver = route.createAsyncProducer();
        deliver.start();
        connection = connections.createConnection();
        Session session = connection.createSession(false, ActiveMQJMSConstants.INDIVIDUAL_ACKNOWLEDGE);
        MessageConsumer consumer = session.createConsumer(session.createQueue(queue));
        connection.start();
        open = true;
        taking = true;
        thread = new Thread(() -> read(consumer), "delivery-queue-reader");
        thread.setDaemon(true);
        thread.start();
    }

    /** The stop begins: no message starts any more (those in delivery finish or are cut short by the route). */
    public void stopTaking() {
        taking = false;
    }

    private void read(MessageConsumer consumer) {
        BackgroundWork.runsBehindIngest();
        while (open) {
            try {
                acknowledgeFinished();
                if (!taking || heldBytes >= readAheadBytes) {
                    finished.await(RECEIVE_MILLIS);
                    continue;
                }
                Message message = consumer.receive(RECEIVE_MILLIS);
                if (message != null) {
                    take(message);
                }
            } catch (JMSException | RuntimeException e) {
                if (!taking) {
                    break;
                }
                LOG.warn("The delivery queue's reader could not go on, tries again in 1 s: {}", e.getMessage());
                FinishedWork.pause(1000);
            }
        }
        try {
            // the last acknowledgements: the messages the route finished while the bundle stopped
            acknowledgeFinished();
        } catch (JMSException e) {
            LOG.debug("Stopping: the last delivered messages are delivered again after the restart: {}", e.getMessage());
        }
    }

    private void take(Message message) throws JMSException {
        // the body stays in the message until its delivery starts: one copy held, not two
        long bytes = message instanceof BytesMessage body ? body.getBodyLength() : message.getBody(String.class).length();
        String user = message.getStringProperty("JMSXGroupID");
        Taken taken = new Taken(message, user == null ? "" : user, bytes, message.getJMSTimestamp());
        heldBytes += bytes;
        if (lanes.add(taken.user(), taken)) {
            deliver(taken);
        }
    }

    /** Hands a message to the delivery route; what follows happens when the route is finished with it. */
    private void deliver(Taken taken) {
        Exchange exchange = route.createExchange();
        try {
            Message message = taken.message();
            exchange.getMessage().setBody(message instanceof BytesMessage ? message.getBody(byte[].class) : message.getBody(String.class));
        } catch (JMSException | RuntimeException unreadable) {
            exchange.setException(unreadable);
            finished(taken, exchange);
            return;
        }
        exchange.setProperty("queuedAt", taken.queuedAt());
        deliver.process(exchange, doneSync -> finished(taken, exchange));
    }

    private void finished(Taken taken, Exchange exchange) {
        if (exchange.getException() == null && !exchange.isRollbackOnly()) {
            finished.add(taken);
            Taken next = lanes.delivered(taken.user());
            if (next != null && taking) {
                deliver(next);
            }
        } else if (taking) {
            int failures = lanes.failed(taken.user());
            long retryIn = Math.min(retryMaxDelay.toMillis(), retryInitialDelay.toMillis() << Math.min(20, failures - 1));
            LOG.warn("A delivery message could not be delivered ({}); it is delivered again in {} ms, before its user's"
                    + " later calls", PutBackOnStop.oneLine(reason(exchange)), retryIn);
            timers.schedule(() -> {
                if (taking) {
                    deliver(taken);
                }
            }, retryIn, TimeUnit.MILLISECONDS);
        }
        finished.signal();
    }

    private static String reason(Exchange exchange) {
        Exception failure = exchange.getException();
        return failure == null ? "rolled back" : failure.getClass().getSimpleName() + ": " + failure.getMessage();
    }

    /** Acknowledges the messages the route finished with: the queue forgets them. */
    private void acknowledgeFinished() throws JMSException {
        for (Taken taken = finished.poll(); taken != null; taken = finished.poll()) {
            taken.message().acknowledge();
            heldBytes -= taken.bytes();
        }
    }

    @Override
    protected void doStop() throws Exception {
        taking = false;
        open = false;
        if (thread != null) {
            thread.join(2000);
        }
        if (connection != null) {
            // what is not acknowledged goes back to the queue, in order
            connection.close();
        }
        if (deliver != null) {
            deliver.stop();
        }
    }
}
