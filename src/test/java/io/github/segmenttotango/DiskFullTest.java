package io.github.segmenttotango;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;

import io.github.segmenttotango.queue.DataDiskSpace;
import io.github.segmenttotango.support.RunningBundle;
import io.github.segmenttotango.support.TotangoStandIn;
import io.github.segmenttotango.support.Wait;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A full data disk: ingest refuses at once with 503 disk_full (JSON and Retry-After) instead of
 * hanging in the broker, the health check answers (not ready), and ingest resumes once there is room.
 */
class DiskFullTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final Logger diskLog = (Logger) org.slf4j.LoggerFactory.getLogger(DataDiskSpace.class);
    private final ListAppender<ILoggingEvent> lines = new ListAppender<>();
    /** The log step of the file drop's route (its logger is named after the route). */
    private final Logger fileDropLog = (Logger) org.slf4j.LoggerFactory.getLogger("receive-dropped-files");

    @BeforeEach
    void listen() {
        lines.start();
        diskLog.setLevel(Level.INFO);
        diskLog.addAppender(lines);
    }

    @AfterEach
    void stopListening() {
        diskLog.detachAppender(lines);
        diskLog.setLevel(null);
        fileDropLog.detachAppender(lines);
        fileDropLog.setLevel(null);
    }

    /** The lines DataDiskSpace logged at this level. */
    private List<String> logged(Level level) {
        return lines.list.stream().filter(e -> e.getLevel() == level && e.getLoggerName().equals(diskLog.getName()))
                .map(ILoggingEvent::getFormattedMessage).toList();
    }

    /** Works on any machine: the threshold is above any disk's free space, so the real check trips. */
    @Test
    void underTheFreeSpaceThresholdIngestAnswers503DiskFullAtOnceAndHealthSaysNotReady() throws Exception {
        try (TotangoStandIn totango = new TotangoStandIn();
                RunningBundle bundle = RunningBundle.startAnswering(totango, Map.of("bridge.min-free-disk", String.valueOf(Long.MAX_VALUE)))) {
            long started = System.nanoTime();
            HttpResponse<String> answer = bundle.post("/v1/track", "{\"userId\":\"disk-u\",\"event\":\"Full\",\"context\":{\"groupId\":\"g\"}}");
            long tookMillis = (System.nanoTime() - started) / 1_000_000;
            assertDiskFull(answer);
            assertTrue(tookMillis < 2000, "refused at once, not after a wait in the broker: " + tookMillis + " ms");

            started = System.nanoTime();
            HttpResponse<String> health = bundle.send(bundle.request("/observe/health").GET().build());
            tookMillis = (System.nanoTime() - started) / 1_000_000;
            assertEquals(503, health.statusCode(), health.body());
            assertTrue(health.body().contains("DOWN"), health.body());
            assertTrue(tookMillis < 2000, "the health check answers promptly: " + tookMillis + " ms");
            HttpResponse<String> detail = bundle.send(bundle.request("/observe/health?exposureLevel=full").GET().build());
            assertTrue(detail.body().contains("disk_full") && detail.body().contains("bridge.min-free-disk"), detail.body());
            for (int i = 0; i < 3; i++) {
                assertDiskFull(bundle.post("/v1/track", "{\"userId\":\"disk-u\",\"event\":\"Again\",\"context\":{\"groupId\":\"g\"}}"));
            }
            assertTrue(totango.received().isEmpty(), "nothing was sent: " + totango.received());
            assertEquals(1, logged(Level.WARN).size(), "one WARN line, not one per request: " + logged(Level.WARN));
            assertTrue(logged(Level.WARN).get(0).contains("bridge.min-free-disk"), logged(Level.WARN).get(0));
        }
    }

    /**
     * A disk that is really full: a small tmpfs holds the data folder (needs root and mount, as in a
     * container run with CAP_SYS_ADMIN; skipped elsewhere). Filled, ingest refuses and the file drop
     * waits; freed, both resume, and what was accepted before is delivered.
     */
    @Test
    void aReallyFullDiskRefusesIngestAndItResumesOnceSpaceIsFreed(@TempDir Path mountPoint, @TempDir Path inbox) throws Exception {
        Assumptions.assumeTrue(mount(mountPoint), "mounting a tmpfs needs root and the mount capability; "
                + "the threshold test above covers the check on this machine");
        try (TotangoStandIn totango = new TotangoStandIn();
                RunningBundle bundle = RunningBundle.start(totango, Map.of("bridge.data-dir", mountPoint.resolve("data").toString(),
                        "bridge.min-free-disk", String.valueOf(16L << 20), "inbox.dir", inbox.toString(), "inbox.settle-time", "100ms"))) {
            RunningBundle.accepted(bundle.post("/v1/track", "{\"userId\":\"disk-u\",\"event\":\"Before\",\"context\":{\"groupId\":\"g\"}}"));
            totango.await(r -> "Before".equals(r.param("sdr_a")) || r.body().contains("Before"), 1);

            Path filler = mountPoint.resolve("filler");
            fillTheDisk(filler);
            assertEquals(0, Files.getFileStore(mountPoint).getUsableSpace(), "the disk is full");
            HttpResponse<String> answer = awaitStatus(bundle, 503, "During");
            assertDiskFull(answer);
            HttpResponse<String> health = bundle.send(bundle.request("/observe/health").GET().build());
            assertEquals(503, health.statusCode(), health.body());
            fileDropLog.setLevel(Level.INFO);
            fileDropLog.addAppender(lines);
            Files.writeString(inbox.resolve("dropped.ndjson"),
                    "{\"type\":\"track\",\"userId\":\"disk-u\",\"event\":\"Dropped\",\"context\":{\"groupId\":\"g\"}}\n");
            awaitLogged("dropped.ndjson: reading");

            long freedAt = System.currentTimeMillis();
            Files.delete(filler);
            RunningBundle.accepted(awaitStatus(bundle, 200, "After"));
            assertEquals(200, bundle.send(bundle.request("/observe/health").GET().build()).statusCode());
            totango.await(r -> r.body().contains("After") || "After".equals(r.param("sdr_a")), 1);
            long droppedAt = totango.await(r -> "Dropped".equals(r.param("sdr_a")), 1).get(0).at();
            assertTrue(droppedAt >= freedAt, "the dropped file, read while the disk was full, waited for room");
            assertEquals(1, logged(Level.WARN).size(), "one WARN when the disk filled: " + logged(Level.WARN));
            assertEquals(1, logged(Level.INFO).size(), "one INFO when it had room again: " + logged(Level.INFO));
        } finally {
            unmount(mountPoint);
        }
    }

    private void awaitLogged(String text) {
        Wait.atMost(Duration.ofSeconds(15)).alias("logged: " + text)
                .until(() -> List.copyOf(lines.list).stream().anyMatch(e -> e.getFormattedMessage().contains(text)));
    }

    private static void assertDiskFull(HttpResponse<String> answer) throws IOException {
        assertEquals(503, answer.statusCode(), answer.body());
        JsonNode body = JSON.readTree(answer.body());
        assertEquals("disk_full", body.path("code").asText(), answer.body());
        assertTrue(body.path("message").asText().contains("disk is full"), answer.body());
        assertEquals("30", answer.headers().firstValue("Retry-After").orElse(""));
        assertTrue(answer.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
    }

    /** Posts an event (named after the attempt) until the answer has this status. */
    private static HttpResponse<String> awaitStatus(RunningBundle bundle, int status, String event) {
        return Wait.atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).alias("an answer " + status)
                .until(() -> bundle.post("/v1/track", "{\"userId\":\"disk-u\",\"event\":\"" + event + "\",\"context\":{\"groupId\":\"g\"}}"),
                        answer -> answer.statusCode() == status);
    }

    private static boolean mount(Path mountPoint) {
        try {
            Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=192m", "tmpfs", mountPoint.toString())
                    .redirectErrorStream(true).start();
            return mount.waitFor(30, TimeUnit.SECONDS) && mount.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    /** Unmounts the tmpfs so @TempDir can remove the folder: lazily when busy (this JVM keeps the RocksDB native library it loaded from data/native mapped). */
    private static void unmount(Path mountPoint) throws Exception {
        Process umount = new ProcessBuilder("umount", mountPoint.toString()).redirectErrorStream(true).start();
        String said = new String(umount.getInputStream().readAllBytes());
        if (!umount.waitFor(30, TimeUnit.SECONDS) || umount.exitValue() != 0) {
            System.err.println("umount " + mountPoint + ": " + said.strip() + "; unmounting lazily");
            new ProcessBuilder("umount", "-l", mountPoint.toString()).inheritIO().start().waitFor(30, TimeUnit.SECONDS);
        }
    }

    /** Writes until the disk has no byte left (the write fails with "No space left on device"). */
    private static void fillTheDisk(Path file) throws IOException {
        byte[] block = new byte[64 * 1024];
        try (OutputStream out = Files.newOutputStream(file)) {
            while (true) {
                out.write(block);
            }
        } catch (IOException full) {
            if (Files.getFileStore(file.getParent()).getUsableSpace() > block.length) {
                throw full;
            }
        }
        // the last blocks, byte by byte
        try (OutputStream out = Files.newOutputStream(file, java.nio.file.StandardOpenOption.APPEND)) {
            while (true) {
                out.write(0);
                out.flush();
            }
        } catch (IOException full) {
            // no byte left
        }
    }
}
