package io.github.segmenttotango;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.github.segmenttotango.support.BundleProcess;
import io.github.segmenttotango.support.RunningBundle;
import io.github.segmenttotango.support.TestKafka;
import io.github.segmenttotango.support.TestPostgres;
import io.github.segmenttotango.support.TotangoStandIn;
import io.github.segmenttotango.support.TotangoStandIn.Received;
import io.github.segmenttotango.support.Wait;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Three bundle instances as separate processes in cluster mode, on one Kafka broker and one
 * PostgreSQL that the test starts, delivering to one Totango stand-in: requests spread over the
 * three reach Totango with the accounts the group calls gave (whichever instance took them); a
 * messageId sent to two instances is delivered once; a dead letter made by one is listed, replayed
 * and deleted through another; and a {@code kill -9} of one during a burst loses nothing that any
 * instance acknowledged, keeps each user's calls in order, and its partitions are taken over (the
 * repeated calls are counted and printed); restarted, it rejoins. About two minutes, most of it the
 * starts of the instances.
 */
@Tag("process")
@Tag("cluster")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterProcessTest {

    private static final String ADMIN = "Bearer cluster-admin-token";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static TestKafka kafka;
    private static TotangoStandIn totango;
    private static final List<BundleProcess> instances = new ArrayList<>();
    private static final List<Path> dataDirs = new ArrayList<>();
    private static final List<Map<String, String>> environments = new ArrayList<>();
    private static final List<String> JVM_OPTIONS = List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");

    @BeforeAll
    static void start() throws Exception {
        kafka = TestKafka.start();
        totango = new TotangoStandIn();
        TestPostgres.Database database = TestPostgres.newDatabase();
        for (int i = 0; i < 3; i++) {
            Path data = Files.createTempDirectory("cluster-instance");
            dataDirs.add(data);
            Map<String, String> env = new HashMap<>(kafka.bundleEnvironment("three"));
            env.put("TOTANGO_SERVICE_ID", RunningBundle.SERVICE_ID);
            env.put("TOTANGO_URL", totango.url());
            env.put("SEGMENT_WRITE_KEYS", RunningBundle.WRITE_KEY);
            env.put("BRIDGE_DATA_DIR", data.toString());
            env.put("BRIDGE_ADMIN_TOKEN", ADMIN.substring("Bearer ".length()));
            env.put("BRIDGE_STATE_JDBC_URL", database.url());
            env.put("BRIDGE_STATE_JDBC_USER", database.user());
            env.put("DELIVERY_RETRY_INITIAL_DELAY", "50ms");
            env.put("DELIVERY_RETRY_MAX_DELAY", "200ms");
            env.put("BRIDGE_LOG_LEVEL", "WARN");
            environments.add(env);
            instances.add(BundleProcess.launch(env, JVM_OPTIONS));
        }
        for (BundleProcess instance : instances) {
            instance.awaitHealthy();
        }
    }

    @AfterAll
    static void stop() throws Exception {
        for (BundleProcess instance : instances) {
            instance.close();
        }
        if (totango != null) {
            totango.close();
        }
        if (kafka != null) {
            kafka.close();
        }
        dataDirs.forEach(io.github.segmenttotango.support.Scratch::delete);
    }

    private static void accepted(HttpResponse<String> response) {
        assertEquals(200, response.statusCode(), response.body());
    }

    @Test
    @Order(1)
    void aGroupThroughOneInstanceGivesItsAccountToATrackThroughAnother() throws Exception {
        accepted(instances.get(0).post("/v1/group", RunningBundle.WRITE_KEY,
                "{\"userId\":\"p-u1\",\"groupId\":\"p-acc\",\"messageId\":\"p-g1\"}"));
        totango.await(call -> "p-acc".equals(call.param("sdr_o")), 1);
        accepted(instances.get(1).post("/v1/track", RunningBundle.WRITE_KEY,
                "{\"userId\":\"p-u1\",\"event\":\"Through another\",\"messageId\":\"p-t1\"}"));
        accepted(instances.get(2).post("/v1/identify", RunningBundle.WRITE_KEY,
                "{\"userId\":\"p-u1\",\"traits\":{\"email\":\"p@example.com\"},\"messageId\":\"p-i1\"}"));
        Received track = totango.await(call -> "Through another".equals(call.param("sdr_a")), 1).get(0);
        assertEquals("p-acc", track.param("sdr_o"), "the group context is shared: " + track);
        Received identify = totango.await(call -> "p@example.com".equals(call.param("sdr_u.email")), 1).get(0);
        assertEquals("p-acc", identify.param("sdr_o"));
    }

    @Test
    @Order(2)
    void theSameMessageIdSentToTwoInstancesIsDeliveredOnce() throws Exception {
        String track = "{\"userId\":\"p-dup\",\"context\":{\"groupId\":\"p-dup-acc\"},\"event\":\"Twice sent\",\"messageId\":\"p-dup-1\"}";
        accepted(instances.get(0).post("/v1/track", RunningBundle.WRITE_KEY, track));
        accepted(instances.get(2).post("/v1/track", RunningBundle.WRITE_KEY, track));
        accepted(instances.get(1).post("/v1/track", RunningBundle.WRITE_KEY,
                "{\"userId\":\"p-dup\",\"context\":{\"groupId\":\"p-dup-acc\"},\"event\":\"Sent after\",\"messageId\":\"p-dup-2\"}"));
        // the user's events share a partition: once the later one is delivered, the repeat before it was routed
        totango.await(call -> "Sent after".equals(call.param("sdr_a")), 1);
        assertEquals(1, totango.received().stream().filter(call -> "Twice sent".equals(call.param("sdr_a"))).count());
    }

    @Test
    @Order(3)
    void aDeadLetterMadeOnOneInstanceIsListedReplayedAndDeletedThroughAnother() throws Exception {
        totango.answerNext(400, 400);
        accepted(instances.get(0).post("/v1/batch", RunningBundle.WRITE_KEY, """
                {"batch":[{"type":"track","userId":"p-dl","context":{"groupId":"p-dl-acc"},"event":"Refused once","messageId":"p-dl-1"},
                          {"type":"track","userId":"p-dl","context":{"groupId":"p-dl-acc"},"event":"Refused too","messageId":"p-dl-2"}]}"""));
        Wait.atMost(Duration.ofSeconds(30)).until(() -> instances.get(1).get("/admin/dead-letter?reason=totango_4xx", ADMIN).body(),
                body -> body.contains("p-dl-1") && body.contains("p-dl-2"));
        // read again: the wait may have caught a page whose count was taken just before the second letter was kept
        JsonNode listed = JSON.readTree(instances.get(1).get("/admin/dead-letter?reason=totango_4xx", ADMIN).body());
        String first = idOf(listed, "p-dl-1");
        String second = idOf(listed, "p-dl-2");
        JsonNode onThird = JSON.readTree(instances.get(2).get("/admin/dead-letter?reason=totango_4xx", ADMIN).body());
        assertEquals(listed.path("total").asInt(), onThird.path("total").asInt(), "the same list on every instance: " + listed + " / " + onThird);

        HttpResponse<String> replay = instances.get(2).send("POST", "/admin/dead-letter/replay", ADMIN, "{\"id\":\"" + first + "\"}");
        assertEquals(1, JSON.readTree(replay.body()).path("replayed").asInt(), replay.body());
        assertEquals(2, totango.await(call -> "Refused once".equals(call.param("sdr_a")), 2).size(), "replayed to Totango");
        HttpResponse<String> deleted = instances.get(1).send("DELETE", "/admin/dead-letter/" + second, ADMIN, null);
        assertEquals(200, deleted.statusCode(), deleted.body());
        String after = instances.get(0).get("/admin/dead-letter?reason=totango_4xx", ADMIN).body();
        assertTrue(!after.contains("p-dl-1") && !after.contains("p-dl-2"), "replayed and deleted, on every instance: " + after);
    }

    private static String idOf(JsonNode listed, String messageId) {
        for (JsonNode item : listed.path("items")) {
            if (item.toString().contains(messageId)) {
                return item.path("id").asText();
            }
        }
        throw new AssertionError("No dead letter of " + messageId + " in " + listed);
    }

    @Test
    @Order(4)
    void aKilledInstanceLosesNothingAcknowledgedAndItsPartitionsAreTakenOver() throws Exception {
        int users = 30;
        int eventsPerUser = 10;
        // Totango answers after 30 ms: calls are in flight on the instance when it is killed
        totango.answerAfter(Duration.ofMillis(30));
        Set<Integer> dead = ConcurrentHashMap.newKeySet();
        AtomicInteger acknowledged = new AtomicInteger();
        Map<String, List<Integer>> acknowledgedByUser = new ConcurrentHashMap<>();
        ExecutorService clients = Executors.newFixedThreadPool(3);
        List<Future<?>> sending = new ArrayList<>();
        for (int client = 0; client < 3; client++) {
            int first = client;
            sending.add(clients.submit(() -> {
                for (int seq = 0; seq < eventsPerUser; seq++) {
                    for (int u = first; u < users; u += 3) {
                        String user = "burst-" + u;
                        String event = "{\"userId\":\"" + user + "\",\"context\":{\"groupId\":\"burst-acc\"},\"event\":\"" + user + "#"
                                + seq + "\",\"messageId\":\"" + user + "-" + seq + "\"}";
                        sendUntilAcknowledged(event, u + seq, dead);
                        acknowledgedByUser.computeIfAbsent(user, key -> new ArrayList<>()).add(seq);
                        if (acknowledged.incrementAndGet() == users * eventsPerUser / 3) {
                            // a third of the burst in: kill -9 of one instance, its requests go to the others
                            dead.add(2);
                            instances.get(2).kill();
                        }
                    }
                }
                return null;
            }));
        }
        for (Future<?> client : sending) {
            client.get();
        }
        clients.shutdown();
        assertEquals(users * eventsPerUser, acknowledged.get());

        Wait.atMost(Duration.ofSeconds(120)).alias("every acknowledged event delivered").until(() -> {
            long distinct = totango.received().stream().map(call -> call.param("sdr_a")).filter(name -> name != null && name.startsWith("burst-"))
                    .distinct().count();
            return distinct == (long) users * eventsPerUser;
        });
        int repeats = 0;
        for (int u = 0; u < users; u++) {
            String user = "burst-" + u;
            List<Integer> arrived = totango.received().stream().map(call -> call.param("sdr_a"))
                    .filter(name -> name != null && name.startsWith(user + "#")).map(name -> Integer.parseInt(name.substring(user.length() + 1)))
                    .toList();
            Map<Integer, Integer> firstArrivals = new LinkedHashMap<>();
            arrived.forEach(seq -> firstArrivals.putIfAbsent(seq, firstArrivals.size()));
            assertEquals(new ArrayList<>(firstArrivals.keySet()), acknowledgedByUser.get(user).stream().sorted().toList(),
                    user + "'s calls first arrived in the order they were sent: " + arrived);
            repeats += arrived.size() - firstArrivals.size();
        }
        System.out.println("ClusterProcessTest: kill -9 of one of three instances during a burst of " + users * eventsPerUser
                + " events: " + repeats + " calls repeated, none lost, each user's in order");
        assertTrue(repeats <= users * eventsPerUser, "repeats are bounded by what was in flight: " + repeats);

        // restarted on its data folder, the killed instance rejoins the groups and takes requests again
        totango.answerAfter(Duration.ZERO);
        instances.get(2).close();
        instances.set(2, BundleProcess.launch(environments.get(2), JVM_OPTIONS).awaitHealthy());
        accepted(instances.get(2).post("/v1/track", RunningBundle.WRITE_KEY,
                "{\"userId\":\"p-back\",\"context\":{\"groupId\":\"p-back-acc\"},\"event\":\"Back again\",\"messageId\":\"p-back-1\"}"));
        assertEquals("p-back-acc", totango.await(call -> "Back again".equals(call.param("sdr_a")), 1, Duration.ofSeconds(60)).get(0)
                .param("sdr_o"));
    }

    /** Sends one event to the instance {@code turn} picks among those alive, then to the next one, until one acknowledges it. */
    private static void sendUntilAcknowledged(String event, int turn, Set<Integer> dead) {
        for (int attempt = 0; attempt < 60; attempt++) {
            int instance = (turn + attempt) % 3;
            if (dead.contains(instance)) {
                continue;
            }
            try {
                HttpResponse<String> response = instances.get(instance).post("/v1/track", RunningBundle.WRITE_KEY, event);
                if (response.statusCode() == 200) {
                    return;
                }
                TotangoStandIn.sleep(200);
            } catch (IOException killed) {
                // the killed instance: the next one takes it
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }
        throw new AssertionError("No instance acknowledged " + event);
    }
}
