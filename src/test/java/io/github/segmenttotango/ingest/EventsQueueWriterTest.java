package io.github.segmenttotango.ingest;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Group commit: requests that arrive while a send is under way share the next message. */
class EventsQueueWriterTest {

    private final List<String> sent = new CopyOnWriteArrayList<>();
    private final ExecutorService clients = Executors.newCachedThreadPool();
    private final List<Thread> clientThreads = new CopyOnWriteArrayList<>();

    @AfterEach
    void stopClients() {
        clients.shutdownNow();
    }

    @Test
    void aRequestAloneIsSentAtOnceAsItCame() throws Exception {
        EventsQueueWriter writer = new EventsQueueWriter(message -> sent.add(text(message)), 1000);

        writer.write(bytes("[{\"n\":1},{\"n\":2}]"));

        assertEquals(List.of("[{\"n\":1},{\"n\":2}]"), sent);
    }

    @Test
    void requestsThatArriveDuringASendShareTheNextMessageAndReturnOnlyOnceItIsWritten() throws Exception {
        CountDownLatch firstSendEntered = new CountDownLatch(1);
        CountDownLatch releaseFirstSend = new CountDownLatch(1);
        CountDownLatch releaseSecondSend = new CountDownLatch(1);
        EventsQueueWriter writer = new EventsQueueWriter(message -> {
            sent.add(text(message));
            if (sent.size() == 1) {
                firstSendEntered.countDown();
                releaseFirstSend.await();
            } else {
                releaseSecondSend.await();
            }
        }, 1000);

        Future<?> first = write(writer, "[{\"n\":1}]");
        assertTrue(firstSendEntered.await(10, TimeUnit.SECONDS));
        List<Future<?>> during = new ArrayList<>();
        for (String request : List.of("[{\"n\":2}]", "[{\"n\":3},{\"n\":4}]", "[{\"n\":5}]")) {
            during.add(write(writer, request));
            awaitWaiting(clientThreads.get(clientThreads.size() - 1));
        }
        assertEquals(1, sent.size(), "nothing else is sent while a send is under way");

        releaseFirstSend.countDown();
        first.get(10, TimeUnit.SECONDS);
        awaitSends(2);
        assertEquals("[{\"n\":2},{\"n\":3},{\"n\":4},{\"n\":5}]", sent.get(1), "one message, the requests in the order they came");
        for (Future<?> waiting : during) {
            assertFalse(waiting.isDone(), "a request returns only once its message is written");
        }

        releaseSecondSend.countDown();
        for (Future<?> waiting : during) {
            waiting.get(10, TimeUnit.SECONDS);
        }
        assertEquals(2, sent.size());
    }

    @Test
    void aFailedSendFailsEveryRequestOfItsMessageWithItsExceptionAndTheNextGoesOn() throws Exception {
        IllegalStateException full = new IllegalStateException("the queue is full");
        CountDownLatch firstSendEntered = new CountDownLatch(1);
        CountDownLatch releaseFirstSend = new CountDownLatch(1);
        EventsQueueWriter writer = new EventsQueueWriter(message -> {
            sent.add(text(message));
            if (sent.size() == 1) {
                firstSendEntered.countDown();
                releaseFirstSend.await();
            } else if (sent.size() == 2) {
                throw full;
            }
        }, 1000);

        Future<?> first = write(writer, "[{\"n\":1}]");
        assertTrue(firstSendEntered.await(10, TimeUnit.SECONDS));
        Future<?> second = write(writer, "[{\"n\":2}]");
        awaitWaiting(clientThreads.get(1));
        Future<?> third = write(writer, "[{\"n\":3}]");
        awaitWaiting(clientThreads.get(2));
        releaseFirstSend.countDown();

        first.get(10, TimeUnit.SECONDS);
        for (Future<?> failed : List.of(second, third)) {
            var thrown = assertThrows(java.util.concurrent.ExecutionException.class, () -> failed.get(10, TimeUnit.SECONDS));
            assertSame(full, thrown.getCause(), "the send's own exception, so the refusal names it");
        }
        writer.write(bytes("[{\"n\":4}]"));
        assertEquals(List.of("[{\"n\":1}]", "[{\"n\":2},{\"n\":3}]", "[{\"n\":4}]"), sent);
    }

    @Test
    void aSenderInterruptedWhileItWaitsItsTurnStillSendsItsMessage() throws Exception {
        CountDownLatch firstSendEntered = new CountDownLatch(1);
        CountDownLatch releaseFirstSend = new CountDownLatch(1);
        EventsQueueWriter writer = new EventsQueueWriter(message -> {
            sent.add(text(message));
            if (sent.size() == 1) {
                firstSendEntered.countDown();
                releaseFirstSend.await();
            }
        }, 1000);

        Future<?> first = write(writer, "[{\"n\":1}]");
        assertTrue(firstSendEntered.await(10, TimeUnit.SECONDS));
        Future<?> sender = write(writer, "[{\"n\":2}]");
        awaitWaiting(clientThreads.get(1));
        clientThreads.get(1).interrupt();
        Future<?> joined = write(writer, "[{\"n\":3}]");
        awaitWaiting(clientThreads.get(2));
        releaseFirstSend.countDown();

        first.get(10, TimeUnit.SECONDS);
        joined.get(10, TimeUnit.SECONDS);
        sender.get(10, TimeUnit.SECONDS);
        assertEquals(List.of("[{\"n\":1}]", "[{\"n\":2},{\"n\":3}]"), sent, "the interrupted sender's message went, with the request that joined it");
        writer.write(bytes("[{\"n\":4}]"));
        assertEquals(3, sent.size(), "and the writer goes on");
    }

    @Test
    void aMessageStaysUnderItsBoundARequestOverItIsSentAlone() throws Exception {
        CountDownLatch firstSendEntered = new CountDownLatch(1);
        CountDownLatch releaseFirstSend = new CountDownLatch(1);
        EventsQueueWriter writer = new EventsQueueWriter(message -> {
            sent.add(text(message));
            if (sent.size() == 1) {
                firstSendEntered.countDown();
                releaseFirstSend.await();
            }
        }, 20);

        Future<?> first = write(writer, "[{\"n\":1}]");
        assertTrue(firstSendEntered.await(10, TimeUnit.SECONDS));
        List<Future<?>> during = new ArrayList<>();
        for (String request : List.of("[{\"n\":2}]", "[{\"n\":3}]", "[{\"n\":4444444444444}]", "[{\"n\":5}]")) {
            during.add(write(writer, request));
            awaitWaiting(clientThreads.get(clientThreads.size() - 1));
        }
        releaseFirstSend.countDown();
        first.get(10, TimeUnit.SECONDS);
        for (Future<?> waiting : during) {
            waiting.get(10, TimeUnit.SECONDS);
        }

        assertEquals(List.of("[{\"n\":1}]", "[{\"n\":2},{\"n\":3}]", "[{\"n\":4444444444444}]", "[{\"n\":5}]"), sent);
    }

    private Future<?> write(EventsQueueWriter writer, String request) {
        CompletableFuture<Thread> started = new CompletableFuture<>();
        Future<?> written = clients.submit(() -> {
            started.complete(Thread.currentThread());
            writer.write(bytes(request));
            return null;
        });
        clientThreads.add(started.join());
        return written;
    }

    /** Until the client's thread waits: for a send under way, or for the message it joined. */
    private static void awaitWaiting(Thread client) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (client.getState() != Thread.State.WAITING && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        assertEquals(Thread.State.WAITING, client.getState());
    }

    private void awaitSends(int count) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (sent.size() < count && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(byte[] message) {
        return new String(message, StandardCharsets.UTF_8);
    }
}
