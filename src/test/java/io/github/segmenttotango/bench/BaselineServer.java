package io.github.segmenttotango.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * The two baselines of {@code make bench}, each run as a process of its own, like the bundle, so that
 * it gets the same JVM options and the same cores: {@code bare} parses the JSON body and answers;
 * {@code durable} parses it, then hands it to one writer thread that takes every request waiting,
 * appends their bodies to a journal file, forces it to disk once for all of them (a group commit),
 * and only then answers each on its event loop. The durable one is what a server that acknowledges
 * nothing before it is on disk can do on this machine; the bundle is measured against it.
 *
 * <p>Arguments: {@code bare|durable <port> <journal folder>}. Prints "listening" once it listens.
 */
public final class BaselineServer {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Buffer ACCEPTED = Buffer.buffer("{\"success\":true}");

    private record Pending(byte[] body, HttpServerResponse response, Context context) {
    }

    private static final long FILE_BYTES = 256L << 20;

    private BaselineServer() {
    }

    public static void main(String[] args) throws Exception {
        boolean durable = args[0].equals("durable");
        int port = Integer.parseInt(args[1]);
        Vertx vertx = Vertx.vertx();
        LinkedBlockingQueue<Pending> toWrite = new LinkedBlockingQueue<>();
        if (durable) {
            Path folder = Path.of(args[2]);
            Thread writer = new Thread(() -> write(folder, toWrite), "journal-writer");
            writer.setDaemon(true);
            writer.start();
        }
        vertx.createHttpServer().requestHandler(request -> request.body().onSuccess(buffer -> {
            byte[] body = buffer.getBytes();
            try {
                JSON.readTree(body);
            } catch (IOException e) {
                request.response().setStatusCode(400).end();
                return;
            }
            if (durable) {
                toWrite.add(new Pending(body, request.response(), Vertx.currentContext()));
            } else {
                request.response().putHeader("Content-Type", "application/json").end(ACCEPTED);
            }
        })).listen(port, "127.0.0.1").toCompletionStage().toCompletableFuture().get();
        System.out.println("listening");
    }

    /**
     * The writer thread: drains what waits, appends it, forces once, answers each request. A journal
     * file past {@link #FILE_BYTES} is deleted and a new one begun, so that a run does not fill the disk.
     */
    private static void write(Path folder, LinkedBlockingQueue<Pending> toWrite) {
        List<Pending> batch = new ArrayList<>();
        try {
            FileChannel journal = open(folder);
            while (true) {
                if (journal.position() > FILE_BYTES) {
                    journal.close();
                    journal = open(folder);
                }
                batch.add(toWrite.take());
                toWrite.drainTo(batch);
                ByteBuffer[] bodies = new ByteBuffer[batch.size()];
                for (int i = 0; i < bodies.length; i++) {
                    bodies[i] = ByteBuffer.wrap(batch.get(i).body());
                }
                while (bodies[bodies.length - 1].hasRemaining()) {
                    journal.write(bodies);
                }
                journal.force(false);
                for (Pending pending : batch) {
                    pending.context().runOnContext(nothing -> pending.response()
                            .putHeader("Content-Type", "application/json").end(ACCEPTED));
                }
                batch.clear();
            }
        } catch (InterruptedException | IOException e) {
            throw new IllegalStateException("the journal cannot be written", e);
        }
    }

    private static FileChannel open(Path folder) throws IOException {
        Path file = folder.resolve("journal");
        java.nio.file.Files.deleteIfExists(file);
        return FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    }
}
