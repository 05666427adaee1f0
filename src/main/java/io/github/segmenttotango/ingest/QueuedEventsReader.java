package io.github.segmenttotango.ingest;

import com.fasterxml.jackson.databind.node.ObjectNode;
import jakarta.jms.BytesMessage;
import jakarta.jms.JMSException;
import jakarta.jms.Message;
import jakarta.jms.MessageConsumer;
import jakarta.jms.Session;
import org.springframework.jms.connection.SessionProxy;
import org.springframework.jms.core.JmsTemplate;

import java.util.ArrayList;
import java.util.List;

/**
 * Takes the next messages of the events queue, in the order they came, within the caller's queue
 * transaction: the messages are taken for good only when the calls of their events are queued in the
 * same commit. Many messages to one commit is what lets a single, ordered reader keep up with many
 * clients: the disk sync of a commit is paid once per batch, not once per request.
 *
 * <p>Each taking opens its own consumer on the transaction's session and closes it before the
 * commit: the messages the broker had pushed ahead to it go back to the head of the queue, in order.
 * (A cached consumer would keep them in its buffer, out of reach of the next taking.)
 */
public final class QueuedEventsReader {

    /** Where a message that does not hold events goes (the dead letters). */
    @FunctionalInterface
    public interface UnreadableMessages {
        void keep(byte[] message, String detail);
    }

    private final JmsTemplate jms;
    private final String queue;
    private final AcceptedEvents messages;
    private final UnreadableMessages unreadable;
    private final int maxEvents;
    private final long waitMillis;

    /**
     * @param jms a template on the connection factory of the queue transaction
     * @param queue the events queue
     * @param maxEvents no more messages are taken once this many events are (nor more messages than
     *     this, which bounds a run of unreadable ones)
     * @param waitMillis how long to wait for a first message when the queue is empty
     */
    public QueuedEventsReader(JmsTemplate jms, String queue, AcceptedEvents messages, UnreadableMessages unreadable,
            int maxEvents, long waitMillis) {
        this.jms = jms;
        this.queue = queue;
        this.messages = messages;
        this.unreadable = unreadable;
        this.maxEvents = maxEvents;
        this.waitMillis = waitMillis;
    }

    /**
     * The events of the messages waiting now, in order: waits a little for the first one, then takes
     * those already there, up to the limits. Empty when the queue stayed empty. A message that does
     * not hold events (only a hand-made one can be) is kept as a dead letter and taken off.
     */
    public List<ObjectNode> take() {
        List<ObjectNode> events = new ArrayList<>();
        jms.execute(session -> {
            Session target = session instanceof SessionProxy proxy ? proxy.getTargetSession() : session;
            try (MessageConsumer consumer = target.createConsumer(target.createQueue(queue))) {
                for (int taken = 0; taken < maxEvents && events.size() < maxEvents; taken++) {
                    Message message = taken == 0 ? consumer.receive(waitMillis) : consumer.receiveNoWait();
                    if (message == null) {
                        break;
                    }
                    byte[] body = bodyOf(message);
                    try {
                        events.addAll(messages.fromMessage(body));
                    } catch (AcceptedEvents.UnreadableMessage failure) {
                        unreadable.keep(body, failure.getMessage());
                    }
                }
            }
            return null;
        }, true);
        return events;
    }

    private static byte[] bodyOf(Message message) throws JMSException {
        if (message instanceof BytesMessage bytes) {
            byte[] body = new byte[(int) bytes.getBodyLength()];
            bytes.readBytes(body);
            return body;
        }
        return message.isBodyAssignableTo(byte[].class) ? message.getBody(byte[].class) : null;
    }
}
