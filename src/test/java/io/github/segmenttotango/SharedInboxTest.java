package io.github.segmenttotango;

import com.fasterxml.jackson.databind.node.ObjectNode;

import io.github.segmenttotango.deadletter.DeadLetters;
import io.github.segmenttotango.metrics.BundleMetrics;
import io.github.segmenttotango.queue.BacklogGuard;
import io.github.segmenttotango.queue.DataDiskSpace;
import io.github.segmenttotango.state.DeadLetterTable;
import io.github.segmenttotango.state.StateDatabaseConnections;
import io.github.segmenttotango.support.Scratch;
import io.github.segmenttotango.support.TestPostgres;
import io.github.segmenttotango.support.Wait;
import io.github.segmenttotango.util.RootCause;

import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.main.Main;
import org.apache.camel.spi.PropertiesComponent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Cluster mode's file drop: instances that share one inbox folder and one PostgreSQL read each file
 * once between them (the clustered read lock, {@code readLock=idempotent-changed} on the
 * {@code read_lock} table), and a file whose reader died is read by another instance once that
 * reader's lock is no longer refreshed.
 *
 * <p>Each instance is a Camel Main with the real {@code routes/file-ingest.yaml} and its error
 * handling, the real settings file and the real wiring of the file drop ({@link InboxBeans}, its
 * dead letters in PostgreSQL); it starts only what the file drop needs, so not Kafka: the events it
 * takes are recorded where {@code direct:keep-accepted-events} would queue them, before any dedup,
 * so that a file read twice would show as events received twice.
 */
@Tag("cluster")
class SharedInboxTest {

    private static final int FILES = 40;
    private static final int EVENTS_PER_FILE = 25;

    private final TestPostgres.Database database = TestPostgres.newDatabase();
    private Path shared;
    private Path inbox;
    private final List<Instance> instances = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        shared = Files.createTempDirectory("segment-totango-shared");
        inbox = shared.resolve("inbox");
        instances.add(Instance.start("a", database, inbox));
        instances.add(Instance.start("b", database, inbox));
    }

    @AfterEach
    void stop() {
        instances.forEach(Instance::close);
        Scratch.delete(shared);
    }

    @Test
    void eachFileOfTheSharedFolderIsReadByOneInstanceOnce() throws Exception {
        Set<String> expected = new HashSet<>();
        for (int file = 0; file < FILES; file++) {
            StringBuilder lines = new StringBuilder();
            for (int event = 0; event < EVENTS_PER_FILE; event++) {
                String messageId = "f" + file + "-e" + event;
                expected.add(messageId);
                lines.append(track("user-" + file, messageId)).append('\n');
            }
            drop("export-" + file + ".ndjson", lines.toString());
        }

        Wait.atMost(Duration.ofSeconds(90)).alias("every event received").until(() -> received().size() >= expected.size());
        Wait.atMost(Duration.ofSeconds(30)).alias("every file moved to done/").until(() -> filesIn(today("done")).size() == FILES);

        List<String> received = received();
        assertEquals(expected.size(), received.size(), "each event once: " + duplicates(received));
        assertEquals(expected, new HashSet<>(received));
        assertEquals(List.of(), filesIn(inbox), "nothing left in the inbox");
        Map<String, Set<String>> readersOfFile = new LinkedHashMap<>();
        instances.forEach(instance -> instance.files.forEach(file -> readersOfFile.computeIfAbsent(file, f -> new HashSet<>()).add(instance.name)));
        assertEquals(FILES, readersOfFile.size());
        readersOfFile.forEach((file, readers) -> assertEquals(1, readers.size(), file + " was read by " + readers));
        for (Instance instance : instances) {
            assertTrue(!instance.files.isEmpty(), "both instances took files: " + readersOfFile);
        }
        // a lock is released just after its file moved (on the exchange's completion): wait for it
        Wait.atMost(Duration.ofSeconds(10)).alias("every lock released once its file moved").until(() -> locksHeld() == 0);
    }

    @Test
    void aFileWhoseReaderDiedIsReadByAnotherOnceItsLockIsNoLongerRefreshed() throws Exception {
        // instance "c" took held.ndjson and is alive: its row in read_lock is refreshed, as its keep-alive would
        insertLock("held.ndjson");
        ScheduledExecutorService alive = Executors.newSingleThreadScheduledExecutor();
        alive.scheduleWithFixedDelay(() -> refreshLock("held.ndjson"), 0, 100, TimeUnit.MILLISECONDS);
        try {
            drop("held.ndjson", lines("held-u", "held", 10));
            // two files dropped after it, one after the other, are read: the instances have polled past it meanwhile
            for (String marker : List.of("after-1", "after-2")) {
                drop(marker + ".ndjson", lines(marker + "-u", marker, 1));
                Wait.atMost(Duration.ofSeconds(30)).alias(marker + " read").until(() -> received().contains(marker + "-0"));
                Wait.atMost(Duration.ofSeconds(30)).alias(marker + " moved to done/").until(() -> Files.exists(today("done").resolve(marker + ".ndjson")));
            }
            assertTrue(Files.exists(inbox.resolve("held.ndjson")), "a file another live instance holds is left to it");
            assertTrue(received().stream().noneMatch(id -> id.startsWith("held-")), "nothing of it read: " + received());
        } finally {
            // "c" dies: its lock is no longer refreshed
            alive.shutdownNow();
            alive.awaitTermination(5, TimeUnit.SECONDS);
        }

        Wait.atMost(Duration.ofSeconds(30)).alias("held.ndjson taken over and moved to done/")
                .until(() -> Files.exists(today("done").resolve("held.ndjson")));
        List<String> held = received().stream().filter(id -> id.startsWith("held-")).toList();
        assertEquals(10, held.size(), "each event of the taken-over file once: " + held);
        assertEquals(10, new HashSet<>(held).size());
        // a lock is released just after its file moved (on the exchange's completion): wait for it
        Wait.atMost(Duration.ofSeconds(10)).alias("the dead instance's lock is gone with the file").until(() -> locksHeld() == 0);
    }

    @Test
    void aFileThatCannotBeReadMovesToErrorOnceAndItsLockIsReleased() throws Exception {
        drop("broken.json", "these are not events");
        drop("good.ndjson", lines("good-u", "good", 3));
        Wait.atMost(Duration.ofSeconds(30)).alias("broken.json's sidecar in error/")
                .until(() -> Files.exists(today("error").resolve("broken.json.error.json")));
        Wait.atMost(Duration.ofSeconds(30)).alias("good.ndjson moved to done/").until(() -> Files.exists(today("done").resolve("good.ndjson")));

        assertEquals(List.of("broken.json", "broken.json.error.json"), filesIn(today("error")), "moved once, by one instance");
        assertEquals(List.of(), filesIn(inbox));
        assertEquals(3, received().size(), "only the good file's events: " + received());
        // a lock is released just after its file moved (on the exchange's completion): wait for it
        Wait.atMost(Duration.ofSeconds(10)).alias("the failed file's lock is released too").until(() -> locksHeld() == 0);
    }

    @Test
    void aLockMaximumAgeBelowTwiceTheKeepAliveStopsTheStartNamingBoth() {
        Exception refused = assertThrows(Exception.class, () -> Instance.start("c", database, inbox,
                Map.of("inbox.lock-max-age", "5s", "inbox.lock-keep-alive", "3s")).close());
        String message = RootCause.messageOf(refused);
        assertEquals("inbox.lock-max-age (INBOX_LOCK_MAX_AGE) must be at least twice inbox.lock-keep-alive (INBOX_LOCK_KEEP_ALIVE),"
                + " which must not be 0", message);
    }

    private static String track(String user, String messageId) {
        return "{\"type\":\"track\",\"userId\":\"" + user + "\",\"event\":\"E\",\"messageId\":\"" + messageId
                + "\",\"context\":{\"groupId\":\"g\"}}";
    }

    private static String lines(String user, String prefix, int count) {
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < count; i++) {
            lines.append(track(user, prefix + "-" + i)).append('\n');
        }
        return lines.toString();
    }

    /** Writes the file beside the inbox, then moves it in whole. */
    private void drop(String name, String content) throws IOException {
        Path staging = shared.resolve(name);
        Files.writeString(staging, content, StandardCharsets.UTF_8);
        Files.move(staging, inbox.resolve(name));
    }

    private Path today(String folder) {
        return shared.resolve(folder).resolve(LocalDate.now(ZoneOffset.UTC).toString());
    }

    private static List<String> filesIn(Path folder) throws IOException {
        if (!Files.isDirectory(folder)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(folder)) {
            return files.filter(Files::isRegularFile).map(f -> f.getFileName().toString()).sorted().toList();
        }
    }

    /** The messageIds the instances took, all together, in no particular order. */
    private List<String> received() {
        List<String> all = new ArrayList<>();
        instances.forEach(instance -> {
            synchronized (instance.messageIds) {
                all.addAll(instance.messageIds);
            }
        });
        return all;
    }

    private static Map<String, Long> duplicates(List<String> messageIds) {
        return messageIds.stream().collect(Collectors.groupingBy(id -> id, Collectors.counting())).entrySet().stream()
                .filter(e -> e.getValue() > 1).collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
    }

    private void insertLock(String file) throws SQLException {
        sql("INSERT INTO read_lock (processorName, messageId, createdAt) VALUES (?, ?, now())", file);
    }

    private void refreshLock(String file) {
        try {
            sql("UPDATE read_lock SET createdAt = now() WHERE processorName = ? AND messageId = ?", file);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private void sql(String statement, String file) throws SQLException {
        try (Connection connection = java.sql.DriverManager.getConnection(database.url(), database.user(), "");
                PreparedStatement update = connection.prepareStatement(statement)) {
            update.setString(1, InboxBeans.READ_LOCK_OWNER);
            update.setString(2, file);
            update.executeUpdate();
        }
    }

    private long locksHeld() throws SQLException {
        try (Connection connection = java.sql.DriverManager.getConnection(database.url(), database.user(), "");
                ResultSet rows = connection.createStatement().executeQuery("SELECT count(*) FROM read_lock")) {
            rows.next();
            return rows.getLong(1);
        }
    }

    /** One instance of the file drop: its own data folder, the shared inbox, the shared PostgreSQL. */
    private static final class Instance implements AutoCloseable {

        final String name;
        final Main main;
        final Path dataDir;
        final List<String> messageIds = new ArrayList<>();
        final Set<String> files = Collections.synchronizedSet(new HashSet<>());
        private StateDatabaseConnections state;

        private Instance(String name, Main main, Path dataDir) {
            this.name = name;
            this.main = main;
            this.dataDir = dataDir;
        }

        static Instance start(String name, TestPostgres.Database database, Path inbox) throws Exception {
            return start(name, database, inbox, Map.of());
        }

        static Instance start(String name, TestPostgres.Database database, Path inbox, Map<String, String> more) throws Exception {
            Path dataDir = Files.createTempDirectory("segment-totango-" + name);
            Main main = new Main();
            Instance instance = new Instance(name, main, dataDir);
            main.setPropertyPlaceholderLocations("file:config/application.properties");
            main.configure().withRoutesIncludePattern("file:routes/file-ingest.yaml,file:routes/error-handling.yaml");
            main.configure().addConfiguration(instance.fileDropOnly());
            Map<String, String> settings = new LinkedHashMap<>();
            settings.put("totango.service-id", "SP-TEST-1");
            settings.put("bridge.data-dir", dataDir.toString());
            settings.put("inbox.dir", inbox.toString());
            settings.put("bridge.state.jdbc-url", database.url());
            settings.put("bridge.state.jdbc-user", database.user());
            settings.put("bridge.min-free-disk", "1048576");
            settings.put("inbox.settle-time", "200ms");
            settings.put("inbox.poll-interval", "100ms");
            settings.put("inbox.lock-max-age", "2s");
            settings.put("inbox.lock-keep-alive", "200ms");
            settings.put("camel.server.port", String.valueOf(freePort()));
            settings.putAll(more);
            settings.forEach(main::addOverrideProperty);
            try {
                main.start();
            } catch (Exception failed) {
                // a start refused after the pool opened: its connections closed here
                if (instance.state != null && instance.state.dataSource() instanceof AutoCloseable pool) {
                    pool.close();
                }
                Scratch.delete(dataDir);
                throw failed;
            }
            return instance;
        }

        /**
         * The bundle's wiring of the file drop: the settings, the state database, the dead letters (in
         * PostgreSQL, as cluster mode keeps them) and {@link InboxBeans}; back-pressure without a queue
         * to count; and, in place of the events queue, a record of what was taken.
         */
        private CamelConfiguration fileDropOnly() {
            return new CamelConfiguration() {
                @Override
                public void configure(CamelContext context) throws Exception {
                    wire(context);
                }
            };
        }

        private void wire(CamelContext context) throws Exception {
            PropertiesComponent properties = context.getPropertiesComponent();
            BundleSettings settings = BundleSettings.read(key -> properties.resolveProperty(key).orElse(null));
            // the durations in milliseconds the file drop's route reads, as BundleConfiguration publishes them
            settings.durations().forEach((key, duration) -> properties.addOverrideProperty(key + ".millis", String.valueOf(duration.toMillis())));
            Clock clock = Clock.systemUTC();
            state = new StateDatabaseConnections(Setting.of(context, "bridge.state.jdbc-url"),
                    Setting.of(context, "bridge.state.jdbc-user"), "");
            Services.add(context, state, "the state database");
            BundleMetrics metrics = new BundleMetrics(context);
            context.getRegistry().bind("bundleMetrics", metrics);
            context.getRegistry().bind("deadLetters", new DeadLetters(new DeadLetterTable(state.dataSource(),
                    settings.deadLetterRetention(), clock), metrics, settings.deadLetterMaxBytes(), clock));
            context.getRegistry().bind("backlogGuard", new BacklogGuard(null, null, null, settings.maxBacklog(),
                    new DataDiskSpace(settings.dataDir(), settings.minFreeDisk(), settings.queueMaxDiskUsage())));
            InboxBeans.bind(context, settings, clock, state.dataSource());
            context.addRoutes(new RouteBuilder() {
                @Override
                public void configure() {
                    from("direct:keep-accepted-events").routeId("recorded-accepted-events").process(this::record);
                }

                @SuppressWarnings("unchecked")
                private void record(Exchange exchange) throws InterruptedException {
                    files.add(exchange.getMessage().getHeader(Exchange.FILE_NAME, String.class));
                    synchronized (messageIds) {
                        for (ObjectNode event : (List<ObjectNode>) exchange.getMessage().getBody(List.class)) {
                            messageIds.add(event.path("messageId").asText());
                        }
                    }
                    // a queue's durable send takes a moment: the other instance polls meanwhile
                    Thread.sleep(20);
                }
            });
        }

        private static int freePort() throws IOException {
            try (ServerSocket socket = new ServerSocket(0)) {
                return socket.getLocalPort();
            }
        }

        @Override
        public void close() {
            main.stop();
            Scratch.delete(dataDir);
        }
    }
}
