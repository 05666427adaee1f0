package io.github.segmenttotango;

import io.github.segmenttotango.support.BundleProcess;
import io.github.segmenttotango.support.RunningBundle;
import io.github.segmenttotango.support.Scratch;
import io.github.segmenttotango.support.TestKafka;
import io.github.segmenttotango.support.TotangoStandIn;
import io.github.segmenttotango.support.Wait;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Cluster mode with its PostgreSQL stopped for 10 s during ingest (a PostgreSQL of this test's own,
 * restarted on the same port and data): ingest goes on into Kafka (or answers 503 with Retry-After),
 * the routing waits for PostgreSQL without passing the waiting events, and every acknowledged event
 * reaches Totango once it is back.
 */
@Tag("cluster")
class ClusterStateOutageTest {

    private static Path data;
    private static int port;
    private static EmbeddedPostgres postgres;
    private static TestKafka kafka;
    private static TotangoStandIn totango;
    private static RunningBundle bundle;

    private static EmbeddedPostgres startPostgres() throws Exception {
        return EmbeddedPostgres.builder().setDataDirectory(data).setCleanDataDirectory(false).setPort(port)
                .setServerConfig("fsync", "off").setServerConfig("listen_addresses", "127.0.0.1").start();
    }

    @BeforeAll
    static void start() throws Exception {
        data = Files.createTempDirectory("outage-postgres");
        port = BundleProcess.freePort();
        postgres = startPostgres();
        try (Connection connection = postgres.getPostgresDatabase().getConnection(); Statement ddl = connection.createStatement()) {
            ddl.execute("CREATE DATABASE state");
        }
        kafka = TestKafka.start();
        totango = new TotangoStandIn();
        Map<String, String> settings = new HashMap<>(kafka.bundleSettings("pg-outage"));
        settings.put("bridge.state.jdbc-url", "jdbc:postgresql://127.0.0.1:" + port + "/state");
        settings.put("bridge.state.jdbc-user", "postgres");
        settings.put("ingest.retry.initial-delay", "200ms");
        settings.put("ingest.retry.max-delay", "2s");
        bundle = RunningBundle.start(totango, settings);
    }

    @AfterAll
    static void stop() throws Exception {
        if (bundle != null) {
            bundle.close();
        }
        totango.close();
        kafka.close();
        postgres.close();
        Scratch.delete(data);
    }

    @Test
    void postgresStoppedForTenSecondsDuringIngestLosesNothingAcknowledged() throws Exception {
        RunningBundle.accepted(bundle.post("/v1/group", "{\"userId\":\"pg-u\",\"groupId\":\"pg-acc\",\"messageId\":\"pg-g\"}"));
        totango.await(call -> "pg-acc".equals(call.param("sdr_o")), 1);

        postgres.close();
        long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        List<String> acknowledged = new ArrayList<>();
        int refused = 0;
        for (int i = 0; System.nanoTime() < until; i++) {
            String name = "pg-outage-" + i;
            HttpResponse<String> response = bundle.post("/v1/track",
                    "{\"userId\":\"pg-u\",\"event\":\"" + name + "\",\"messageId\":\"" + name + "\"}");
            if (response.statusCode() == 200) {
                acknowledged.add(name);
            } else {
                assertEquals(503, response.statusCode(), response.body());
                assertTrue(response.headers().firstValue("Retry-After").isPresent(), response.headers().toString());
                refused++;
            }
            TotangoStandIn.sleep(100);
        }
        postgres = startPostgres();
        System.out.println("ClusterStateOutageTest: PostgreSQL stopped for 10 s: " + acknowledged.size() + " requests acknowledged, "
                + refused + " answered 503");
        assertTrue(!acknowledged.isEmpty(), "ingest goes on into Kafka");

        Set<String> wanted = new java.util.HashSet<>(acknowledged);
        // each one at least once: repeated calls must not count for the missing ones
        Wait.atMost(Duration.ofSeconds(90)).alias("every acknowledged event delivered")
                .until(() -> totango.received().stream().map(call -> call.param("sdr_a")).collect(Collectors.toSet()).containsAll(wanted));
        List<String> arrived = totango.received().stream().map(call -> call.param("sdr_a")).filter(wanted::contains).toList();
        assertEquals(acknowledged, arrived.stream().distinct().toList(), "all of them, in the order they were acknowledged");
        totango.received().stream().filter(call -> wanted.contains(call.param("sdr_a")))
                .forEach(call -> assertEquals("pg-acc", call.param("sdr_o"), "the group context, read again from PostgreSQL"));
        assertEquals(wanted, arrived.stream().collect(Collectors.toSet()));
    }
}
