package io.github.segmenttotango.queue;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.impl.ContextInternal;

import jakarta.jms.JMSException;

import org.apache.activemq.artemis.api.core.Message;
import org.apache.activemq.artemis.api.core.QueueConfiguration;
import org.apache.activemq.artemis.api.core.RoutingType;
import org.apache.activemq.artemis.api.core.SimpleString;
import org.apache.activemq.artemis.core.io.IOCallback;
import org.apache.activemq.artemis.core.message.impl.CoreMessage;
import org.apache.activemq.artemis.core.persistence.OperationContext;
import org.apache.activemq.artemis.core.persistence.StorageManager;
import org.apache.activemq.artemis.core.persistence.impl.journal.LargeServerMessageImpl;
import org.apache.activemq.artemis.core.persistence.impl.journal.OperationContextImpl;
import org.apache.activemq.artemis.core.postoffice.RoutingStatus;
import org.apache.activemq.artemis.core.server.ActiveMQServer;
import org.apache.camel.support.service.ServiceSupport;

import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * Sends persistent messages to one queue of the embedded broker from inside it: the message is routed
 * by the broker's post office on the caller's thread, as the broker routes a client's send, and
 * {@code done} is called once the broker's storage has it on disk (its journal's sync, or its page
 * file's when the queue pages), as the broker confirms a client's durable send. What it saves against
 * a JMS client on the in-VM connector (the same broker, the same storage, the same syncs) is the
 * hand-overs between threads around each send: the client's packet to the connector's thread, the
 * server session's, its confirmation back through the connection to the client's thread. Here a send
 * from Vert.x's event loop is written by the broker's disk thread, whose sync hands the confirmation
 * back to that event loop: two hand-overs.
 *
 * <p>What the broker does for a client's send and is kept here: a message id from its storage, a
 * message too large for a journal record stored as a large message, the queue's paging and its
 * limits (a queue whose page files are full refuses the send). A full disk refuses it too (a client
 * would be held by its credits instead). The messages are BytesMessages to a JMS reader.
 *
 * <p>{@link #send} is called by one thread at a time. The messages one thread sends are taken in the
 * order of its calls, as a client session's are: each event loop has an operation context of its own,
 * the other threads share one, whose confirmations run on one of the broker's ordered executors.
 * Messages sent by different threads have no order between them, as those of two sessions have none;
 * a request answered before the next one is sent is in the queue before it whatever the threads.
 */
public final class InBrokerQueueSender extends ServiceSupport {

    private final EmbeddedQueueBroker broker;
    private final SimpleString queue;
    private ActiveMQServer server;
    private StorageManager storage;
    /** The operation context of the sends of threads that are not event loops: confirmed in order on one of the broker's ordered executors. */
    private OperationContext offEventLoop;
    /** Each event loop's operation context, confirmed in order on that event loop; made again at each start. */
    private ThreadLocal<OperationContext> onEventLoops;

    public InBrokerQueueSender(EmbeddedQueueBroker broker, String queue) {
        this.broker = broker;
        this.queue = SimpleString.of(queue);
    }

    @Override
    protected void doStart() throws Exception {
        server = broker.server();
        storage = server.getStorageManager();
        offEventLoop = new OperationContextImpl(server.getExecutorFactory().getExecutor());
        onEventLoops = ThreadLocal.withInitial(InBrokerQueueSender::eventLoopContext);
        ensureQueue();
    }

    /** The operation context of this thread's sends. */
    private OperationContext context() {
        OperationContext own = Context.isOnEventLoopThread() ? onEventLoops.get() : null;
        return own != null ? own : offEventLoop;
    }

    /** A context confirmed on this event loop, or null when the thread runs none of Vert.x's contexts. */
    private static OperationContext eventLoopContext() {
        Context current = Vertx.currentContext();
        if (current == null) {
            return null;
        }
        // the event loop's own context, not a request's duplicate of it, which this would keep for good
        Context eventLoop = current instanceof ContextInternal internal ? internal.unwrap() : current;
        Executor onEventLoop = task -> eventLoop.runOnContext(ignored -> task.run());
        return new OperationContextImpl(onEventLoop);
    }

    /** The queue and its address, as a JMS sender's first send creates them; one left from before stays as it is. */
    private void ensureQueue() throws Exception {
        server.createQueue(QueueConfiguration.of(queue).setAddress(queue).setRoutingType(RoutingType.ANYCAST)
                .setDurable(true).setAutoCreateAddress(true), true);
    }

    /**
     * Sends one message; {@code done} is called with null once it is on disk, or with the failure (a
     * {@link JMSException}, as the JMS sender's) when it was not taken. Confirmations come in the order
     * of the thread's sends: on the event loop that sent, or on one of the broker's threads.
     */
    public void send(byte[] body, Consumer<? super JMSException> done) {
        if (server.getPagingManager().isDiskFull()) {
            done.accept(refusal("the disk of the broker's data is full", null, null));
            return;
        }
        // the broker's storage lines up each write of the send on the thread's operation context: one
        // for all the thread's sends, as a client's session has, so that what the broker does once a
        // message is stored (the reference added to the queue, a paged message's delivery) follows the
        // order of the sends; a context of each send's own let a paged message pass journal ones still syncing
        OperationContext sending = context();
        OperationContext before = OperationContextImpl.getContext();
        OperationContextImpl.setContext(sending);
        RoutingStatus routed;
        try {
            routed = route(body);
            if (routed == RoutingStatus.NO_BINDINGS) {
                // the queue went (an operator deleted it): once more, on the queue made again
                ensureQueue();
                routed = route(body);
            }
        } catch (Exception failure) {
            done.accept(refusal(failure.getMessage(), null, failure));
            return;
        } finally {
            OperationContextImpl.setContext(before);
        }
        if (routed != RoutingStatus.OK) {
            done.accept(refusal(String.valueOf(routed), null, null));
            return;
        }
        // called once: here at once when the writes are already on disk, else after their sync on the
        // context's executor (the event loop that sent, or the broker's thread of the other senders)
        sending.executeOnCompletion(new IOCallback() {
            @Override
            public void done() {
                done.accept(null);
            }

            @Override
            public void onError(int code, String message) {
                done.accept(refusal(message, String.valueOf(code), null));
            }
        });
    }

    /** The refusal a send's {@code done} gets: a JMS exception, as the Tracking API's 503 expects, with its cause when there is one. */
    private static JMSException refusal(String reason, String errorCode, Exception cause) {
        JMSException refusal = new JMSException("The events queue did not take a message: " + reason, errorCode);
        if (cause != null) {
            refusal.setLinkedException(cause);
            refusal.initCause(cause);
        }
        return refusal;
    }

    private RoutingStatus route(byte[] body) throws Exception {
        CoreMessage message = new CoreMessage(storage.generateID(), body.length + 64);
        message.setType(Message.BYTES_TYPE);
        message.setDurable(true);
        message.setAddress(queue);
        message.setRoutingType(RoutingType.ANYCAST);
        message.getBodyBuffer().writeBytes(body);
        return server.getPostOffice().route(LargeServerMessageImpl.checkLargeMessage(message, storage), false);
    }

    @Override
    protected void doStop() {
        // nothing of its own: the broker stops after the routes that send
    }
}
