package io.github.segmenttotango.queue;

import jakarta.jms.BytesMessage;
import jakarta.jms.CompletionListener;
import jakarta.jms.Connection;
import jakarta.jms.ConnectionFactory;
import jakarta.jms.DeliveryMode;
import jakarta.jms.JMSException;
import jakarta.jms.Message;
import jakarta.jms.MessageProducer;
import jakarta.jms.Session;

import org.apache.camel.support.service.ServiceSupport;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Sends persistent messages to one queue without a thread waiting for each: a JMS 2.0 asynchronous
 * send, whose {@link CompletionListener} is called once the broker has the message on disk (Artemis
 * confirms a durable send after its journal's sync, which it shares among the sends that wait at
 * the same time). Several messages can so be on their way to the disk at once, where a blocking
 * send has one per thread.
 *
 * <p>One connection and one session of its own; {@link #send} is called by one thread at a time (the
 * session is not thread-safe), and the messages are taken in the order of the calls. The connection
 * factory must confirm sends asynchronously (Artemis: a {@code confirmationWindowSize} set).
 *
 * <p>Artemis' client keeps each message it sent until the broker confirms it, for a resend after a
 * failover, and the broker confirms no message it refused (its queue full): those stay in the client's
 * memory as long as the session lives. So after a refusal the sender moves to a new session, and
 * closes the old one once its sends are answered: refusals cannot fill the heap.
 */
public final class AsyncQueueSender extends ServiceSupport {

    private final ConnectionFactory connections;
    private final String queue;
    private Connection connection;
    /** The session sends go on; the ones left after a refusal, until their sends are answered. */
    private Lane lane;
    private final List<Lane> retired = new ArrayList<>();
    private int sessionsOpened;
    /** Set on a thread while it runs a completion listener of this sender's: no session is closed there. */
    private final ThreadLocal<Boolean> inListener = new ThreadLocal<>();

    /** A session and its producer, with the count of its sends not answered yet. */
    private static final class Lane {
        private final Session session;
        private final MessageProducer producer;
        private final AtomicInteger unanswered = new AtomicInteger();
        private volatile boolean refused;

        Lane(Session session, MessageProducer producer) {
            this.session = session;
            this.producer = producer;
        }

        /** A send of this lane is on disk. */
        void answered() {
            unanswered.decrementAndGet();
        }

        /** A send of this lane was refused: the lane is not used again. */
        void refusedOne() {
            refused = true;
            unanswered.decrementAndGet();
        }
    }

    public AsyncQueueSender(ConnectionFactory connections, String queue) {
        this.connections = connections;
        this.queue = queue;
    }

    @Override
    protected void doStart() throws Exception {
        connection = connections.createConnection();
        lane = openLane();
        connection.start();
    }

    private Lane openLane() throws JMSException {
        Session session = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
        MessageProducer producer = session.createProducer(session.createQueue(queue));
        producer.setDeliveryMode(DeliveryMode.PERSISTENT);
        // the reader takes the messages in order and in the order they came: no ids or timestamps to make
        producer.setDisableMessageID(true);
        producer.setDisableMessageTimestamp(true);
        sessionsOpened++;
        return new Lane(session, producer);
    }

    /**
     * Sends one message; {@code done} is called with null once it is on disk, or with the failure
     * (a {@link JMSException}) when it was not taken. Not thread-safe: one caller at a time.
     */
    public void send(byte[] body, Consumer<? super JMSException> done) {
        Lane sending;
        try {
            sending = laneAfterRefusals();
        } catch (JMSException | RuntimeException failure) {
            done.accept(refusalOf(failure));
            return;
        }
        sending.unanswered.incrementAndGet();
        try {
            BytesMessage message = sending.session.createBytesMessage();
            message.writeBytes(body);
            sending.producer.send(message, new CompletionListener() {
                @Override
                public void onCompletion(Message sent) {
                    sending.answered();
                    tell(done, null);
                }

                @Override
                public void onException(Message notSent, Exception failure) {
                    sending.refusedOne();
                    tell(done, refusalOf(failure));
                }
            });
        } catch (JMSException | RuntimeException failure) {
            // failed before it went: no listener will be called for it
            sending.refusedOne();
            done.accept(refusalOf(failure));
        }
    }

    /** Calls {@code done} from a completion listener, which may send the next message (JMS allows it), not close a session. */
    private void tell(Consumer<? super JMSException> done, JMSException failure) {
        inListener.set(Boolean.TRUE);
        try {
            done.accept(failure);
        } finally {
            inListener.remove();
        }
    }

    /**
     * The lane to send on: a new one when the current one had a refusal; closes the lanes left before
     * whose sends are all answered (not from a completion listener: JMS forbids closing a session there).
     */
    private Lane laneAfterRefusals() throws JMSException {
        boolean mayClose = inListener.get() == null;
        retired.removeIf(old -> {
            if (!mayClose || old.unanswered.get() > 0) {
                return false;
            }
            try {
                old.session.close();
            } catch (JMSException ignored) {
                // the session is gone either way; its connection stays
            }
            return true;
        });
        if (lane.refused) {
            Lane fresh = openLane();
            retired.add(lane);
            lane = fresh;
        }
        return lane;
    }

    /** How many sessions this sender has opened (one, plus one after each refusal). */
    int sessionsOpened() {
        return sessionsOpened;
    }

    /** A failure as the JMS refusal that the Tracking API answers with 503 (a JMS one as it is). */
    private static JMSException refusalOf(Exception failure) {
        if (failure instanceof JMSException refused) {
            return refused;
        }
        JMSException refusal = new JMSException("The events queue did not take a message: " + failure.getMessage());
        refusal.setLinkedException(failure);
        refusal.initCause(failure);
        return refusal;
    }

    @Override
    protected void doStop() throws Exception {
        if (connection != null) {
            connection.close();
        }
    }
}
