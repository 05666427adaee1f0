package io.github.segmenttotango.ingest;

import io.github.segmenttotango.support.Wait;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
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
    /** The thread that makes the blocking sends. */
    private final ExecutorService sender = Executors.newSingleThreadExecutor();

    @AfterEach
    void stopClients() {
        clients.shutdownNow();
        sender.shutdownNow();
    }

    @Test
    void aRequestAloneIsSentAtOnceAsItCame() throws Exception {
        EventsQueueWriter writer = new EventsQueueWriter(message -> sent.add(text(message)), sender, 1000);

        writer.write(bytes("[{\"n\":1},{\"n\":2}]"));

        assertEquals(List.of("[{\"n\":1},{\"n\":2}]"), sent);
    }

    @Test
    void requestsThatArriveDuringASendShareTheNextMessageAndReturnOnlyOnceItIsWritten() throws Exception {
        CountDownLatch releaseSecondSend = new CountDownLatch(1);
        FirstSendHeld queue = new FirstSendHeld(message -> releaseSecondSend.await());
        EventsQueueWriter writer = new EventsQueueWriter(queue, sender, 1000);

        Future<?> first = writeAndHold(writer, queue, "[{\"n\":1}]");
        List<Future<?>> during = writeWhileHeld(writer, "[{\"n\":2}]", "[{\"n\":3},{\"n\":4}]", "[{\"n\":5}]");
        assertEquals(1, sent.size(), "nothing else is sent while a send is under way");

        queue.release();
        first.get(10, TimeUnit.SECONDS);
        awaitSends(2);
        assertEquals("[{\"n\":2},{\"n\":3},{\"n\":4},{\"n\":5}]", sent.get(1), "one message, the requests in the order they came");
        for (Future<?> waiting : during) {
            assertFalse(waiting.isDone(), "a request returns only once its message is written");
        }

        releaseSecondSend.countDown();
        awaitAll(during);
        assertEquals(2, sent.size());
    }

    @Test
    void aFailedSendFailsEveryRequestOfItsMessageWithItsExceptionAndTheNextGoesOn() throws Exception {
        IllegalStateException full = new IllegalStateException("the queue is full");
        FirstSendHeld queue = new FirstSendHeld(message -> {
            if (sent.size() == 2) {
                throw full;
            }
        });
        EventsQueueWriter writer = new EventsQueueWriter(queue, sender, 1000);

        Future<?> first = writeAndHold(writer, queue, "[{\"n\":1}]");
        List<Future<?>> during = writeWhileHeld(writer, "[{\"n\":2}]", "[{\"n\":3}]");
        queue.release();

        first.get(10, TimeUnit.SECONDS);
        for (Future<?> failed : during) {
            var thrown = assertThrows(ExecutionException.class, () -> failed.get(10, TimeUnit.SECONDS));
            assertSame(full, thrown.getCause(), "the send's own exception, so the refusal names it");
        }
        writer.write(bytes("[{\"n\":4}]"));
        assertEquals(List.of("[{\"n\":1}]", "[{\"n\":2},{\"n\":3}]", "[{\"n\":4}]"), sent);
    }

    @Test
    void aSenderInterruptedWhileItWaitsItsTurnStillSendsItsMessage() throws Exception {
        FirstSendHeld queue = new FirstSendHeld(message -> { });
        EventsQueueWriter writer = new EventsQueueWriter(queue, sender, 1000);

        Future<?> first = writeAndHold(writer, queue, "[{\"n\":1}]");
        Future<?> sender = writeWhileHeld(writer, "[{\"n\":2}]").get(0);
        clientThreads.get(1).interrupt();
        Future<?> joined = writeWhileHeld(writer, "[{\"n\":3}]").get(0);
        queue.release();

        awaitAll(List.of(first, joined, sender));
        assertEquals(List.of("[{\"n\":1}]", "[{\"n\":2},{\"n\":3}]"), sent, "the interrupted sender's message went, with the request that joined it");
        writer.write(bytes("[{\"n\":4}]"));
        assertEquals(3, sent.size(), "and the writer goes on");
    }

    @Test
    void aMessageStaysUnderItsBoundARequestOverItIsSentAlone() throws Exception {
        FirstSendHeld queue = new FirstSendHeld(message -> { });
        EventsQueueWriter writer = new EventsQueueWriter(queue, sender, 20);

        Future<?> first = writeAndHold(writer, queue, "[{\"n\":1}]");
        List<Future<?>> during = writeWhileHeld(writer, "[{\"n\":2}]", "[{\"n\":3}]", "[{\"n\":4444444444444}]", "[{\"n\":5}]");
        queue.release();
        awaitAll(List.of(first));
        awaitAll(during);

        assertEquals(List.of("[{\"n\":1}]", "[{\"n\":2},{\"n\":3}]", "[{\"n\":4444444444444}]", "[{\"n\":5}]"), sent);
    }

    @Test
    void upToMaxInFlightMessagesHalfFullGoAtOnceTheRequestsAfterThemShareTheNextAndEachReturnsWhenItsMessageIsOnDisk() throws Exception {
        HeldSends queue = new HeldSends();
        EventsQueueWriter writer = new EventsQueueWriter(queue, 1000, 2);

        Future<?> first = write(writer, "[{\"n\":1}]");
        queue.awaitStarted(1);
        String half = "[{\"n\":2,\"pad\":\"" + "x".repeat(500) + "\"}]";
        Future<?> second = write(writer, half);
        queue.awaitStarted(2);
        List<Future<?>> after = writeWhileHeld(writer, "[{\"n\":3}]", "[{\"n\":4}]");
        assertEquals(List.of("[{\"n\":1}]", half), sent, "two messages on their way at once, no more");

        queue.complete(1, null);
        second.get(10, TimeUnit.SECONDS);
        assertFalse(first.isDone(), "a request returns only once its own message is on disk");
        queue.complete(0, null);
        first.get(10, TimeUnit.SECONDS);
        queue.awaitStarted(3);
        assertEquals("[{\"n\":3},{\"n\":4}]", sent.get(2), "the requests that waited share the next message, in the order they came");
        assertFalse(after.get(0).isDone());

        queue.complete(2, null);
        awaitAll(after);
        assertEquals(3, sent.size());
    }

    @Test
    void aSmallMessageWaitsForTheOneOnItsWayTakingTheRequestsThatComeMeanwhileAndGoesBesideItOnceHalfFull() throws Exception {
        HeldSends queue = new HeldSends();
        EventsQueueWriter writer = new EventsQueueWriter(queue, 1000, 4);

        Future<?> first = write(writer, "[{\"n\":1}]");
        queue.awaitStarted(1);
        List<Future<?>> small = writeWhileHeld(writer, "[{\"n\":2}]", "[{\"n\":3}]");
        assertEquals(1, sent.size(), "a small message waits while another is on its way: " + sent);
        String pad = "x".repeat(480);
        Future<?> filling = write(writer, "[{\"pad\":\"" + pad + "\"}]");
        queue.awaitStarted(2);
        assertEquals("[{\"n\":2},{\"n\":3},{\"pad\":\"" + pad + "\"}]", sent.get(1),
                "once half of the largest message, it goes beside the one on its way");

        queue.complete(1, null);
        awaitAll(small);
        filling.get(10, TimeUnit.SECONDS);
        assertFalse(first.isDone());
        Future<?> alone = writeWhileHeld(writer, "[{\"n\":4}]").get(0);
        assertEquals(2, sent.size(), "the first is still on its way");
        queue.complete(0, null);
        first.get(10, TimeUnit.SECONDS);
        queue.awaitStarted(3);
        assertEquals("[{\"n\":4}]", sent.get(2), "sent once nothing is on its way");
        queue.complete(2, null);
        alone.get(10, TimeUnit.SECONDS);
    }

    @Test
    void aMessageNotTakenFailsOnlyItsOwnRequestsWithTheQueuesException() throws Exception {
        HeldSends queue = new HeldSends();
        EventsQueueWriter writer = new EventsQueueWriter(queue, 1000, 2);
        IllegalStateException full = new IllegalStateException("the queue is full");

        Future<?> first = write(writer, "[{\"n\":1}]");
        queue.awaitStarted(1);
        Future<?> second = write(writer, "[{\"n\":2,\"pad\":\"" + "x".repeat(500) + "\"}]");
        queue.awaitStarted(2);
        queue.complete(0, full);
        queue.complete(1, null);

        var thrown = assertThrows(ExecutionException.class, () -> first.get(10, TimeUnit.SECONDS));
        assertSame(full, thrown.getCause(), "the send's own exception, so the refusal names it");
        second.get(10, TimeUnit.SECONDS);
        Future<?> third = write(writer, "[{\"n\":3}]");
        queue.awaitStarted(3);
        queue.complete(2, null);
        third.get(10, TimeUnit.SECONDS);
    }

    @Test
    void anAsynchronousWriteReturnsAtOnceAndIsCalledBackOnceItsMessageIsOnDiskWithTheRequestsThatJoinedIt() throws Exception {
        HeldSends queue = new HeldSends();
        EventsQueueWriter writer = new EventsQueueWriter(queue, 1000, 1);
        List<String> calledBack = new CopyOnWriteArrayList<>();

        writer.write(bytes("[{\"n\":1}]"), failure -> calledBack.add("1:" + failure + " on " + Thread.currentThread().getName()));
        writer.write(bytes("[{\"n\":2}]"), failure -> calledBack.add("2:" + failure));
        writer.write(bytes("[{\"n\":3}]"), failure -> calledBack.add("3:" + failure));
        assertEquals(List.of("[{\"n\":1}]"), sent, "the first goes at once, the others wait for it without a thread waiting");
        assertEquals(List.of(), calledBack);

        Thread broker = new Thread(() -> queue.complete(0, null), "broker-confirms");
        broker.start();
        broker.join(10_000);
        assertEquals(List.of("1:null on broker-confirms"), calledBack, "called back on the thread that learnt the message is on disk");
        assertEquals(List.of("[{\"n\":1}]", "[{\"n\":2},{\"n\":3}]"), sent, "and that thread started the next message");

        IllegalStateException full = new IllegalStateException("the queue is full");
        queue.complete(1, full);
        assertEquals(List.of("1:null on broker-confirms", "2:" + full, "3:" + full), calledBack);
    }

    /** An asynchronous queue that records every message and completes each when the test says. */
    private final class HeldSends implements EventsQueueWriter.AsyncDurableSend {
        private final List<java.util.function.Consumer<? super Exception>> pending = new CopyOnWriteArrayList<>();

        @Override
        public void send(byte[] message, java.util.function.Consumer<? super Exception> done) {
            sent.add(text(message));
            pending.add(done);
        }

        void awaitStarted(int count) {
            awaitSends(count);
        }

        void complete(int message, Exception failure) {
            pending.get(message).accept(failure);
        }
    }

    /** A queue that records every message; its first send waits until released, the others do {@code then}. */
    private final class FirstSendHeld implements EventsQueueWriter.DurableSend {
        private final CountDownLatch entered = new CountDownLatch(1);
        private final CountDownLatch released = new CountDownLatch(1);
        private final EventsQueueWriter.DurableSend then;

        FirstSendHeld(EventsQueueWriter.DurableSend then) {
            this.then = then;
        }

        @Override
        public void send(byte[] message) throws Exception {
            sent.add(text(message));
            if (sent.size() == 1) {
                entered.countDown();
                released.await();
            } else {
                then.send(message);
            }
        }

        void release() {
            released.countDown();
        }
    }

    /** Writes a request whose send the queue holds; returns once the send is under way. */
    private Future<?> writeAndHold(EventsQueueWriter writer, FirstSendHeld queue, String request) throws InterruptedException {
        Future<?> written = write(writer, request);
        assertTrue(queue.entered.await(10, TimeUnit.SECONDS));
        return written;
    }

    /** Writes requests one after the other, each once the one before waits (for its turn, or for its message). */
    private List<Future<?>> writeWhileHeld(EventsQueueWriter writer, String... requests) throws InterruptedException {
        List<Future<?>> written = new ArrayList<>();
        for (String request : requests) {
            written.add(write(writer, request));
            awaitWaiting(clientThreads.get(clientThreads.size() - 1));
        }
        return written;
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

    private static void awaitAll(List<Future<?>> writes) throws Exception {
        for (Future<?> write : writes) {
            write.get(10, TimeUnit.SECONDS);
        }
    }

    /** Until the client's thread waits: for a send under way, or for the message it joined. */
    private static void awaitWaiting(Thread client) {
        Wait.atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(1)).until(client::getState, Thread.State.WAITING::equals);
    }

    private void awaitSends(int count) {
        Wait.atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(1)).until(() -> sent.size() >= count);
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(byte[] message) {
        return new String(message, StandardCharsets.UTF_8);
    }
}
