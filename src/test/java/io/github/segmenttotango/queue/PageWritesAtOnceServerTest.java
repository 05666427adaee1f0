package io.github.segmenttotango.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import jakarta.jms.BytesMessage;
import jakarta.jms.Connection;
import jakarta.jms.MessageConsumer;
import jakarta.jms.Session;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

/** Paged messages written without the scheduler's turn: the scheduler, and paged sends on a real broker. */
class PageWritesAtOnceServerTest {

    @TempDir
    Path folder;

    @Test
    void aTaskDueNowRunsInTheCallersThreadAndAnyOtherOnThePool() throws Exception {
        ScheduledExecutorService pool = new ScheduledThreadPoolExecutor(1);
        try {
            ScheduledExecutorService scheduler = new PageWritesAtOnceServer.DueNowInCaller(pool);
            AtomicReference<Thread> ranOn = new AtomicReference<>();
            ScheduledFuture<?> now = scheduler.schedule(() -> ranOn.set(Thread.currentThread()), 0, TimeUnit.NANOSECONDS);
            assertSame(Thread.currentThread(), ranOn.get(), "a task due now ran before schedule returned, in the caller");
            assertTrue(now.isDone());

            AtomicReference<Thread> laterOn = new AtomicReference<>();
            CountDownLatch later = new CountDownLatch(1);
            ScheduledFuture<?> due = scheduler.schedule(() -> {
                laterOn.set(Thread.currentThread());
                later.countDown();
            }, 20, TimeUnit.MILLISECONDS);
            assertFalse(due.isDone(), "a task due later waits for its time");
            assertTrue(later.await(5, TimeUnit.SECONDS));
            assertNotSame(Thread.currentThread(), laterOn.get(), "it ran on the pool");

            CountDownLatch periodic = new CountDownLatch(3);
            ScheduledFuture<?> repeated = scheduler.scheduleWithFixedDelay(periodic::countDown, 0, 1, TimeUnit.MILLISECONDS);
            assertTrue(periodic.await(5, TimeUnit.SECONDS), "periodic tasks run on the pool");
            repeated.cancel(false);

            scheduler.shutdown();
            assertFalse(pool.isShutdown(), "the pool is the server's: the paging stores do not shut it down");
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * The queue keeps 2 MB in memory (its maxBytes), then pages: every message confirmed is in the
     * files at that moment. A copy of the data folder taken right after the last confirmation, while
     * the broker still runs (what kill -9 leaves), holds them all, in order.
     */
    @Test
    void pagedMessagesAreInTheFilesOnceConfirmedAndComeBackInOrderFromACopyTakenWhileRunning() throws Exception {
        int messages = 400;
        Path running = folder.resolve("running");
        EmbeddedQueueBroker broker = new EmbeddedQueueBroker(running, 2 << 20, 99, "events");
        broker.start();
        InBrokerQueueSender sender = new InBrokerQueueSender(broker, "events");
        sender.start();
        try {
            List<CompletableFuture<Exception>> confirmations = new ArrayList<>();
            for (int i = 0; i < messages; i++) {
                CompletableFuture<Exception> confirmed = new CompletableFuture<>();
                sender.send(message(i), confirmed::complete);
                confirmations.add(confirmed);
            }
            for (CompletableFuture<Exception> confirmed : confirmations) {
                assertEquals(null, confirmed.get(20, TimeUnit.SECONDS), "taken");
            }
            Path copy = folder.resolve("copy");
            copyTree(running, copy);
            assertTrue(bytesUnder(copy.resolve("paging")) > 500_000,
                    "past its 2 MB in memory the queue paged: " + bytesUnder(copy.resolve("paging")) + " bytes paged");

            EmbeddedQueueBroker restarted = new EmbeddedQueueBroker(copy, 2 << 20, 99, "events");
            restarted.start();
            try (Connection reading = new ActiveMQConnectionFactory(restarted.inVmUrl()).createConnection();
                    Session session = reading.createSession(false, Session.AUTO_ACKNOWLEDGE);
                    MessageConsumer consumer = session.createConsumer(session.createQueue("events"))) {
                reading.start();
                for (int i = 0; i < messages; i++) {
                    BytesMessage read = (BytesMessage) consumer.receive(10_000);
                    assertNotNull(read, "message " + i + " of the copy");
                    assertEquals(i, read.readInt(), "in the order sent");
                }
            } finally {
                restarted.stop();
            }
        } finally {
            sender.stop();
            broker.stop();
        }
    }

    /** 8 KB, starting with its number. */
    private static byte[] message(int number) {
        return ByteBuffer.allocate(8 * 1024).putInt(number).array();
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> paths = Files.walk(from)) {
            paths.forEach(path -> {
                try {
                    Path target = to.resolve(from.relativize(path).toString());
                    if (Files.isDirectory(path)) {
                        Files.createDirectories(target);
                    } else if (!path.getFileName().toString().endsWith(".lock")) {
                        Files.copy(path, target);
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }

    private static long bytesUnder(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            return paths.filter(Files::isRegularFile).mapToLong(path -> path.toFile().length()).sum();
        }
    }
}
