package io.github.segmenttotango.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import jakarta.jms.Connection;
import jakarta.jms.JMSException;
import jakarta.jms.MessageConsumer;
import jakarta.jms.Session;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** The events queue's sender on a real embedded broker: durable confirmations, and a full queue. */
class AsyncQueueSenderTest {

    private static final byte[] TEN_KB = new byte[10 * 1024];

    @TempDir
    Path folder;

    @Test
    void aFullQueueRefusesSendsTheBrokerSaysSoAndTheSenderGoesOnOnANewSessionOnceThereIsRoom() throws Exception {
        EmbeddedQueueBroker broker = new EmbeddedQueueBroker(folder, 100_000, 99, "events");
        broker.start();
        ActiveMQConnectionFactory factory = new ActiveMQConnectionFactory(broker.inVmUrl());
        factory.setConfirmationWindowSize(1 << 20);
        factory.setProducerWindowSize(1 << 20);
        AsyncQueueSender sender = new AsyncQueueSender(factory, "events");
        sender.start();
        try {
            assertFalse(broker.full("events"));
            int taken = 0;
            JMSException refusal = null;
            while (refusal == null && taken < 1000) {
                Optional<JMSException> sent = send(sender);
                if (sent.isPresent()) {
                    refusal = sent.get();
                } else {
                    taken++;
                }
            }
            assertNotNull(refusal, "a queue of 100,000 bytes refuses a message at last");
            assertTrue(taken >= 5, "it took messages until it was full: " + taken);
            assertTrue(broker.full("events"), "the broker says the queue is full, so that ingest answers 503 without sending");
            assertEquals(taken, broker.backlog("events"));

            // each refused message would stay in the client's memory as long as its session lives:
            // the sender moves to a new session at its next send
            for (int i = 0; i < 20; i++) {
                assertTrue(send(sender).isPresent(), "still full");
            }
            assertTrue(sender.sessionsOpened() >= 2, "a new session after a refusal: " + sender.sessionsOpened());

            try (Connection reading = factory.createConnection();
                    Session session = reading.createSession(false, Session.AUTO_ACKNOWLEDGE);
                    MessageConsumer consumer = session.createConsumer(session.createQueue("events"))) {
                reading.start();
                for (int i = 0; i < taken; i++) {
                    assertNotNull(consumer.receive(10_000), "message " + i);
                }
            }
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> !broker.full("events"));
            int opened = sender.sessionsOpened();
            assertNull(send(sender).orElse(null), "taken again once the reader made room");
            assertNull(send(sender).orElse(null));
            assertTrue(sender.sessionsOpened() <= opened + 1, "no new session without a refusal");
            assertEquals(2, broker.backlog("events"));
        } finally {
            sender.stop();
            broker.stop();
        }
    }

    /** Sends 10 KB and waits for the broker's answer: empty once it is on disk, else the refusal. */
    private static Optional<JMSException> send(AsyncQueueSender sender) throws Exception {
        CompletableFuture<Optional<JMSException>> answer = new CompletableFuture<>();
        sender.send(TEN_KB, failure -> answer.complete(Optional.ofNullable(failure)));
        return answer.get(10, TimeUnit.SECONDS);
    }
}
