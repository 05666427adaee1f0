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
 */
public final class AsyncQueueSender extends ServiceSupport {

    private final ConnectionFactory connections;
    private final String queue;
    private Connection connection;
    private Session session;
    private MessageProducer producer;

    public AsyncQueueSender(ConnectionFactory connections, String queue) {
        this.connections = connections;
        this.queue = queue;
    }

    @Override
    protected void doStart() throws Exception {
        connection = connections.createConnection();
        session = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
        producer = session.createProducer(session.createQueue(queue));
        producer.setDeliveryMode(DeliveryMode.PERSISTENT);
        // the reader takes the messages in order and in the order they came: no ids or timestamps to make
        producer.setDisableMessageID(true);
        producer.setDisableMessageTimestamp(true);
        connection.start();
    }

    /**
     * Sends one message; {@code done} is called with null once it is on disk, or with the failure
     * (a {@link JMSException}) when it was not taken. Not thread-safe: one caller at a time.
     */
    public void send(byte[] body, Consumer<? super JMSException> done) {
        try {
            BytesMessage message = session.createBytesMessage();
            message.writeBytes(body);
            producer.send(message, new CompletionListener() {
                @Override
                public void onCompletion(Message sent) {
                    done.accept(null);
                }

                @Override
                public void onException(Message notSent, Exception failure) {
                    done.accept(failure instanceof JMSException refusal ? refusal : refusalOf(failure));
                }
            });
        } catch (JMSException refused) {
            done.accept(refused);
        } catch (RuntimeException failure) {
            done.accept(refusalOf(failure));
        }
    }

    /** A failure as the JMS refusal that the Tracking API answers with 503. */
    private static JMSException refusalOf(Exception failure) {
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
