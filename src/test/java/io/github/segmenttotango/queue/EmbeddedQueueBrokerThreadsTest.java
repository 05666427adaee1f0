package io.github.segmenttotango.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import jakarta.jms.Connection;
import jakarta.jms.DeliveryMode;
import jakarta.jms.MessageProducer;
import jakarta.jms.Session;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/** The broker's in-VM acceptor keeps to its bounded pool, however many sends arrive at once. */
class EmbeddedQueueBrokerThreadsTest {

    @TempDir
    Path folder;

    @Test
    void manyConcurrentSendsUseTheBoundedPoolOnly() throws Exception {
        EmbeddedQueueBroker broker = new EmbeddedQueueBroker(folder, 64L << 20, 99, "events");
        broker.start();
        ExecutorService senders = Executors.newFixedThreadPool(16);
        List<Connection> connections = new ArrayList<>();
        try {
            ActiveMQConnectionFactory factory = new ActiveMQConnectionFactory(broker.inVmUrl());
            List<Future<?>> sent = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                Connection connection = factory.createConnection();
                connections.add(connection);
                sent.add(senders.submit(() -> {
                    try (Session session = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
                            MessageProducer producer = session.createProducer(session.createQueue("events"))) {
                        producer.setDeliveryMode(DeliveryMode.PERSISTENT);
                        for (int message = 0; message < 50; message++) {
                            producer.send(session.createTextMessage("[{\"n\":" + message + "}]"));
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> done : sent) {
                done.get();
            }
            assertEquals(16 * 50, broker.backlog("events"));
            List<String> names = Thread.getAllStackTraces().keySet().stream().map(Thread::getName).toList();
            assertTrue(names.stream().noneMatch(name -> name.contains("remoting-service")),
                    "no thread of Artemis' unbounded remoting pool: " + names);
            // this broker's only: the suite's other brokers in this JVM have pools of their own
            long inVm = names.stream().filter(name -> name.startsWith(broker.acceptorThreadPrefix())).count();
            assertTrue(inVm >= 1 && inVm <= BoundedInVmAcceptorFactory.THREADS, "in-VM acceptor threads: " + inVm);
        } finally {
            for (Connection connection : connections) {
                connection.close();
            }
            senders.shutdownNow();
            broker.stop();
        }
    }

    @Test
    void theAcceptorsThreadsEndWithTheBroker() throws Exception {
        EmbeddedQueueBroker broker = new EmbeddedQueueBroker(folder, 64L << 20, 99, "events");
        broker.start();
        ActiveMQConnectionFactory factory = new ActiveMQConnectionFactory(broker.inVmUrl());
        try (Connection connection = factory.createConnection();
                Session session = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
                MessageProducer producer = session.createProducer(session.createQueue("events"))) {
            producer.send(session.createTextMessage("[]"));
        }
        String prefix = broker.acceptorThreadPrefix();
        assertTrue(acceptorThreads(prefix) >= 1, "the acceptor ran on its pool");
        broker.stop();
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (acceptorThreads(prefix) > 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(0, acceptorThreads(prefix), "acceptor threads left after the broker stopped");
    }

    private static long acceptorThreads(String prefix) {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.isAlive() && t.getName().startsWith(prefix)).count();
    }
}
