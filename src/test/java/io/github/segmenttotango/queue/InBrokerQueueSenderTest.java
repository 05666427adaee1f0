package io.github.segmenttotango.queue;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;

import jakarta.jms.BytesMessage;
import jakarta.jms.Connection;
import jakarta.jms.JMSException;
import jakarta.jms.MessageConsumer;
import jakarta.jms.Session;

import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** The events queue's sender, routing into a real embedded broker: what a JMS reader gets, a full queue, a full disk. */
class InBrokerQueueSenderTest {

    private static final byte[] TEN_KB = new byte[10 * 1024];

    @TempDir
    Path folder;

    private EmbeddedQueueBroker broker;
    private InBrokerQueueSender sender;
    /** The Vert.x of the tests that send from an event loop, closed after each. */
    private Vertx vertx;

    /** A broker whose queue keeps {@code maxBytes} in memory and as much paged, and the sender on its queue "events". */
    private void start(long maxBytes, int maxDiskUsage) throws Exception {
        broker = new EmbeddedQueueBroker(folder, maxBytes, maxDiskUsage, "events");
        broker.start();
        sender = new InBrokerQueueSender(broker, "events");
        sender.start();
    }

    @AfterEach
    void stop() throws Exception {
        if (vertx != null) {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
        if (sender != null) {
            sender.stop();
        }
        if (broker != null) {
            broker.stop();
        }
    }

    /**
     * A JMS reader gets BytesMessages with the bytes sent, in the order sent: small ones, one larger
     * than a journal record (the broker keeps it as a large message), and one paged once the queue's
     * 2 MB in memory are full. Sent from the test's thread: the context the threads that are not event
     * loops share, confirmed on a broker's thread.
     */
    @Test
    void aReaderGetsTheBytesSentInOrderWhateverTheirSize() throws Exception {
        start(2 << 20, 99);
        List<byte[]> sent = bodiesOfEverySize();
        assertReadInOrder(sent, sendAll(sent));
    }

    /** The same from Vert.x's event loop, whose own context confirms the sends on it. */
    @Test
    void aReaderGetsTheBytesSentFromAnEventLoopInOrder() throws Exception {
        start(2 << 20, 99);
        List<byte[]> sent = bodiesOfEverySize();
        vertx = Vertx.vertx();
        CompletableFuture<List<CompletableFuture<Optional<JMSException>>>> sending = new CompletableFuture<>();
        vertx.getOrCreateContext().runOnContext(ignored -> sending.complete(sendAll(sent)));
        assertReadInOrder(sent, sending.get(20, TimeUnit.SECONDS));
    }

    private List<CompletableFuture<Optional<JMSException>>> sendAll(List<byte[]> bodies) {
        List<CompletableFuture<Optional<JMSException>>> confirmations = new ArrayList<>();
        for (byte[] body : bodies) {
            confirmations.add(sendAsync(sender, body));
        }
        return confirmations;
    }

    /** Bodies from 1 byte to 700 KB, then 300 of 8 KB numbered, which take the queue past its memory. */
    private static List<byte[]> bodiesOfEverySize() {
        Random random = new Random(7);
        List<byte[]> sent = new ArrayList<>();
        for (int size : new int[] {1, 100, 96 * 1024, 700 * 1024, 200_000, 5}) {
            byte[] body = new byte[size];
            random.nextBytes(body);
            sent.add(body);
        }
        for (int i = 0; i < 300; i++) {
            sent.add(ByteBuffer.allocate(8 * 1024).putInt(i).array());
        }
        return sent;
    }

    private void assertReadInOrder(List<byte[]> sent, List<CompletableFuture<Optional<JMSException>>> confirmations)
            throws Exception {
        for (CompletableFuture<Optional<JMSException>> confirmed : confirmations) {
            assertNull(confirmed.get(20, TimeUnit.SECONDS).orElse(null), "taken");
        }
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> broker.backlog("events") == sent.size());

        try (Connection reading = new ActiveMQConnectionFactory(broker.inVmUrl()).createConnection();
                Session session = reading.createSession(false, Session.AUTO_ACKNOWLEDGE);
                MessageConsumer consumer = session.createConsumer(session.createQueue("events"))) {
            reading.start();
            for (int i = 0; i < sent.size(); i++) {
                BytesMessage read = (BytesMessage) consumer.receive(10_000);
                assertNotNull(read, "message " + i);
                byte[] body = new byte[(int) read.getBodyLength()];
                read.readBytes(body);
                assertArrayEquals(sent.get(i), body, "message " + i + ", in the order sent");
            }
            assertNull(consumer.receiveNoWait(), "nothing more");
        }
    }

    /** A send from Vert.x's event loop returns at once; its confirmation comes later, on that event loop. */
    @Test
    void aSendFromAnEventLoopReturnsAtOnceAndIsConfirmedOnThatEventLoop() throws Exception {
        start(1 << 20, 99);
        vertx = Vertx.vertx();
        CompletableFuture<Thread> sentOn = new CompletableFuture<>();
        CompletableFuture<Thread> confirmedOn = new CompletableFuture<>();
        CompletableFuture<Boolean> confirmedBeforeReturn = new CompletableFuture<>();
        vertx.getOrCreateContext().runOnContext(ignored -> {
            sender.send(TEN_KB, failure -> confirmedOn.complete(Thread.currentThread()));
            confirmedBeforeReturn.complete(confirmedOn.isDone());
            sentOn.complete(Thread.currentThread());
        });
        Thread loop = sentOn.get(10, TimeUnit.SECONDS);
        assertFalse(confirmedBeforeReturn.get(), "the event loop did not wait for the disk");
        assertSame(loop, confirmedOn.get(10, TimeUnit.SECONDS), "confirmed on the event loop that sent");
        // the queue counts a message once its own thread has taken it in, a moment after the confirmation
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> broker.backlog("events") == 1);
    }

    @Test
    void aFullQueueRefusesSendsAndTakesThemAgainOnceTheReaderMadeRoom() throws Exception {
        start(100_000, 99);
        assertFalse(broker.full("events"));
        int taken = 0;
        JMSException refusal = null;
        while (refusal == null && taken < 1000) {
            Optional<JMSException> sent = send(sender, TEN_KB);
            if (sent.isPresent()) {
                refusal = sent.get();
            } else {
                taken++;
            }
        }
        assertNotNull(refusal, "a queue of 100,000 bytes refuses a message at last");
        assertTrue(refusal.getMessage().startsWith("The events queue did not take a message"), refusal.getMessage());
        assertTrue(taken >= 5, "it took messages until it was full: " + taken);
        assertTrue(broker.full("events"), "the broker says the queue is full, so that ingest answers 503 without sending");
        int inQueue = taken;
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> broker.backlog("events") == inQueue);
        assertTrue(send(sender, TEN_KB).isPresent(), "still full");

        try (Connection reading = new ActiveMQConnectionFactory(broker.inVmUrl()).createConnection();
                Session session = reading.createSession(false, Session.AUTO_ACKNOWLEDGE);
                MessageConsumer consumer = session.createConsumer(session.createQueue("events"))) {
            reading.start();
            for (int i = 0; i < taken; i++) {
                assertNotNull(consumer.receive(10_000), "message " + i);
            }
        }
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> !broker.full("events"));
        assertNull(send(sender, TEN_KB).orElse(null), "taken again once the reader made room");
        assertNull(send(sender, TEN_KB).orElse(null));
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> broker.backlog("events") == 2);
    }

    /** The broker's disk past its max-disk-usage: a send is refused at once (a JMS client would be held instead). */
    @Test
    void aFullDiskRefusesSendsAtOnce() throws Exception {
        start(1 << 20, 0);
        JMSException refusal = Awaitility.await().atMost(Duration.ofSeconds(20))
                .until(() -> send(sender, TEN_KB).orElse(null), failure -> failure != null);
        assertTrue(refusal.getMessage().contains("disk"), refusal.getMessage());
    }

    private static CompletableFuture<Optional<JMSException>> sendAsync(InBrokerQueueSender sender, byte[] body) {
        CompletableFuture<Optional<JMSException>> answer = new CompletableFuture<>();
        sender.send(body, failure -> answer.complete(Optional.ofNullable(failure)));
        return answer;
    }

    /** Sends and waits for the broker's answer: empty once it is on disk, else the refusal. */
    private static Optional<JMSException> send(InBrokerQueueSender sender, byte[] body) throws Exception {
        return sendAsync(sender, body).get(10, TimeUnit.SECONDS);
    }
}
