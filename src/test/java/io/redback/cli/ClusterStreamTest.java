package io.redback.cli;

import static io.redback.cli.Cli.redback;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.redback.cli.Cli.Run;
import io.redback.redis.LocalRedisServer;
import io.redback.redis.RedisConnection;
import io.redback.testsupport.ClusterClient;
import io.redback.testsupport.StreamProcess;
import io.redback.testsupport.TestCluster;
import io.redback.testsupport.TestRedis;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code redback stream} of a real local Redis Cluster, run as an operator runs it: one link per
 * shard in one process. A primary killed under writes: its shard's link continues on the promoted
 * replica (same timeline, new replication id) and every acknowledged write of every shard is in
 * its shard's log. Slots moved between shards while writing: the change is recorded, a new
 * cluster snapshot is taken, and no acknowledged write is missing from the shards' logs.
 */
@io.redback.testsupport.Slow
class ClusterStreamTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(90);

    @TempDir
    Path tmp;

    @Test
    void aShardsLinkFollowsItsPrimaryThroughAFailoverAndKeepsEveryAcknowledgedWrite() throws Exception {
        String repo = tmp.resolve("repo").toString();
        try (TestCluster cluster = TestCluster.start(3, true);
             StreamProcess stream = StreamProcess.launch(tmp.resolve("stream"), Map.of(), "--redis", cluster.uri(),
                     "--repo", repo, "--name", "shop", "--spool", tmp.resolve("spool").toString(),
                     "--flush-interval", "200ms", "--topology-every", "1s");
             ClusterClient client = new ClusterClient(addresses(cluster))) {
            awaitEvents(stream, e -> e.path("event").asText().equals("timeline-started"), 3);
            assertThat(stream.errors()).contains("cluster_enabled:1", "one link per shard");
            for (int i = 0; i < 300; i++) {
                client.set("k" + i, "a" + i, 2); // the shard's replica and redback
            }
            assertThat(client.acknowledgedKeys()).isEqualTo(300);

            LocalRedisServer dead = cluster.primaries().get(0);
            LocalRedisServer promoted = cluster.replicas().get(0);
            dead.close();
            long deadline = System.nanoTime() + WAIT.toNanos();
            int round = 0;
            // Writes go on while the shard fails over: those to shard 0 fail until its replica is promoted.
            while (!"master".equals(role(promoted)) || round < 2) {
                assertThat(System.nanoTime()).as("the replica of shard 0 promoted").isLessThan(deadline);
                for (int i = 0; i < 300; i += 7) {
                    client.set("k" + i, "b" + round + "-" + i, ClusterClient.slot("k" + i) <= 5460 ? 1 : 2);
                }
                round++;
            }
            awaitEvents(stream, e -> e.path("event").asText().equals("continued") && e.path("shard").asInt() == 0
                    && e.path("newReplicationId").asBoolean(), 1);
            for (int i = 0; i < 300; i++) {
                assertThat(client.set("k" + i, "c" + i, ClusterClient.slot("k" + i) <= 5460 ? 1 : 2))
                        .as("k" + i + " acknowledged after the failover").isTrue();
            }
            awaitEvents(stream, e -> e.path("event").asText().equals("topology")
                    && e.path("changes").toString().contains("shard 0: primary now 127.0.0.1:" + promoted.port()), 1);
            assertThat(stream.stop()).as(stream.errors()).isZero();

            List<JsonNode> events = stream.events();
            assertThat(events).filteredOn(e -> e.path("event").asText().equals("timeline-started"))
                    .extracting(e -> e.path("source").asText())
                    .containsExactlyInAnyOrder("shop.shard-0", "shop.shard-1", "shop.shard-2");
            assertThat(events).filteredOn(e -> e.path("event").asText().equals("stopped"))
                    .extracting(e -> e.path("shard").asInt()).containsExactlyInAnyOrder(0, 1, 2);
            assertThat(events).noneMatch(e -> e.path("event").asText().matches("spool-failed|shard-failed|failed"));
            assertThat(events).last().satisfies(e -> assertThat(e.path("event").asText()).isEqualTo("cluster-stopped"));
            for (int shard = 0; shard < 3; shard++) {
                Path spool = tmp.resolve("spool").resolve("shop.shard-" + shard);
                assertThat(spool).isDirectory();
            }

            Map<String, String> union = new TreeMap<>();
            for (int shard = 0; shard < 3; shard++) {
                union.putAll(restoreNewest(repo, events, shard));
            }
            assertThat(client.lost(union)).as("acknowledged writes missing from the shards' logs").isEmpty();
            assertThat(Files.list(Path.of(repo, "clusters", "shop", "shards"))).isNotEmpty();
        }
    }

    @Test
    void slotsMovedWhileStreamingAreRecordedFollowedByAClusterSnapshotAndNoWriteIsLost() throws Exception {
        String repo = tmp.resolve("repo").toString();
        try (TestCluster cluster = TestCluster.start(3);
             StreamProcess stream = StreamProcess.launch(tmp.resolve("stream"), Map.of(), "--cluster", "--redis",
                     cluster.uri(), "--repo", repo, "--name", "shop", "--spool", tmp.resolve("spool").toString(),
                     "--flush-interval", "200ms", "--topology-every", "1s");
             ClusterClient client = new ClusterClient(addresses(cluster))) {
            awaitEvents(stream, e -> e.path("event").asText().equals("timeline-started"), 3);
            // Hash tags whose slots shard 0 serves: those slots move to shard 1 while keys are written to them.
            List<String> tags = new ArrayList<>();
            for (int i = 0; tags.size() < 4; i++) {
                if (ClusterClient.slot("{m" + i + "}") <= 5460) {
                    tags.add("{m" + i + "}");
                }
            }
            for (int n = 0; n < 50; n++) {
                for (String tag : tags) {
                    client.set(tag + ":" + n, "before-" + n, 1);
                }
            }
            java.util.concurrent.atomic.AtomicBoolean writing = new java.util.concurrent.atomic.AtomicBoolean(true);
            Thread writer = new Thread(() -> {
                for (int n = 0; writing.get(); n++) {
                    for (String tag : tags) {
                        client.set(tag + ":" + (n % 80), "during-" + n, 1); // redback is each node's only replica
                    }
                    client.set("k" + (n % 500), "during-" + n, 1);
                }
            }, "test-writer");
            writer.start();
            LocalRedisServer from = cluster.primaries().get(0);
            LocalRedisServer to = cluster.primaries().get(1);
            try (RedisConnection src = from.connect(); RedisConnection dst = to.connect()) {
                String fromId = src.callString("CLUSTER", "MYID");
                String toId = dst.callString("CLUSTER", "MYID");
                for (String tag : tags) {
                    String slot = Integer.toString(ClusterClient.slot(tag));
                    dst.call("CLUSTER", "SETSLOT", slot, "IMPORTING", fromId);
                    src.call("CLUSTER", "SETSLOT", slot, "MIGRATING", toId);
                    Thread.sleep(300); // time passes with the slot half moved: writes meet ASK redirections
                    while (true) {
                        List<?> keys = (List<?>) src.call("CLUSTER", "GETKEYSINSLOT", slot, "10");
                        if (keys.isEmpty()) {
                            break;
                        }
                        List<Object> migrate = new ArrayList<>(List.of("MIGRATE", to.host(),
                                Integer.toString(to.port()), "", "0", "5000", "KEYS"));
                        migrate.addAll(keys);
                        src.call(migrate.toArray());
                    }
                    for (LocalRedisServer node : List.of(to, from, cluster.primaries().get(2))) {
                        try (RedisConnection c = node.connect()) {
                            c.call("CLUSTER", "SETSLOT", slot, "NODE", toId);
                        }
                    }
                }
            }
            awaitEvents(stream, e -> e.path("event").asText().equals("cluster-snapshot"), 1);
            writing.set(false);
            writer.join();
            awaitEvents(stream, e -> e.path("event").asText().equals("topology") && e.path("slotsChanged").asBoolean()
                    && e.path("changes").toString().contains("moved from shard 0 to shard 1"), 1);
            assertThat(stream.stop()).as(stream.errors()).isZero();
            List<JsonNode> events = stream.events();
            assertThat(events).noneMatch(e -> e.path("event").asText().matches("spool-failed|shard-failed|failed"));

            JsonNode snapshot = events.stream().filter(e -> e.path("event").asText().equals("cluster-snapshot"))
                    .reduce((a, b) -> b).orElseThrow();
            JsonNode stored = JSON.readTree(Path.of(repo, "clusters", "shop", "snapshots",
                    snapshot.path("id").asText() + ".json").toFile());
            JsonNode shard1 = stored.get("shards").get(1);
            assertThat(shard1.get("index").asInt()).isEqualTo(1);
            assertThat(shard1.get("slots").toString()).contains("\"" + ClusterClient.slot(tags.get(0)) + "\"");
            try (Stream<Path> records = Files.list(Path.of(repo, "clusters", "shop", "shards"))) {
                assertThat(records.map(p -> p.getFileName().toString())).hasSizeGreaterThanOrEqualTo(2);
            }

            List<Map<String, String>> shards = new ArrayList<>();
            Map<String, String> union = new TreeMap<>();
            for (int shard = 0; shard < 3; shard++) {
                Map<String, String> keys = restoreNewest(repo, events, shard);
                for (Map<String, String> other : shards) {
                    assertThat(other.keySet()).as("keys in two shards' logs").doesNotContainAnyElementsOf(keys.keySet());
                }
                shards.add(keys);
                union.putAll(keys);
            }
            assertThat(client.acknowledgedKeys()).isGreaterThan(300);
            assertThat(client.lost(union)).as("acknowledged writes missing from the shards' logs").isEmpty();
            assertThat(shards.get(1).keySet()).contains(tags.get(0) + ":0");
        }
    }

    @Test
    void aMarkIsACutOfEveryShardAtOneInstantThatEachShardRestoresTo() throws Exception {
        String repo = tmp.resolve("repo").toString();
        try (TestCluster cluster = TestCluster.start(3);
             StreamProcess stream = StreamProcess.launch(tmp.resolve("stream"), Map.of(), "--cluster", "--redis",
                     cluster.uri(), "--repo", repo, "--name", "shop", "--spool", tmp.resolve("spool").toString(),
                     "--flush-interval", "200ms");
             ClusterClient client = new ClusterClient(addresses(cluster))) {
            awaitEvents(stream, e -> e.path("event").asText().equals("timeline-started"), 3);
            Map<String, String> before = new TreeMap<>();
            for (int i = 0; i < 300; i++) {
                assertThat(client.set("k" + i, "before-" + i, 1)).isTrue();
                before.put("k" + i, "before-" + i);
            }
            awaitStreamStatus(repo, "shop", 3);
            Run mark = redback("cluster", "mark", "before-deploy", "--redis", cluster.uri(), "--name", "shop",
                    "--repo", repo, "--json");
            assertThat(mark.exit()).as(mark.err()).isZero();
            JsonNode cut = mark.json();
            assertThat(Path.of(repo, "clusters", "shop", "marks", "before-deploy.json")).exists();
            assertThat(cut.get("shards")).hasSize(3);
            for (int i = 0; i < 300; i++) {
                assertThat(client.set("k" + i, "after-" + i, 1)).isTrue();
            }
            Run again = redback("cluster", "mark", "before-deploy", "--redis", cluster.uri(), "--name", "shop",
                    "--repo", repo);
            assertThat(again.exit()).isEqualTo(2);
            assertThat(again.err()).contains("already has a mark named before-deploy");
            assertThat(stream.stop()).as(stream.errors()).isZero();

            Map<String, String> union = new TreeMap<>();
            for (JsonNode shard : cut.get("shards")) {
                assertThat(shard.get("timeline").isTextual()).as(shard.toString()).isTrue();
                Path dir = tmp.resolve("mark-" + shard.get("index").asInt());
                Run r = redback("restore", "--name", shard.get("source").asText(), "--timeline",
                        shard.get("timeline").asText(), "--offset", shard.get("offset").asText(), "--to-dir",
                        dir.toString(), "--format", "rdb", "--repo", repo, "-q");
                assertThat(r.exit()).as(r.err()).isZero();
                union.putAll(loaded(dir.resolve("dump.rdb")));
            }
            assertThat(union).isEqualTo(before);
        }
    }

    /** Every node's address. */
    static List<String> addresses(TestCluster cluster) {
        return Stream.concat(cluster.primaries().stream(), cluster.replicas().stream())
                .map(s -> s.host() + ":" + s.port()).toList();
    }

    static String role(LocalRedisServer server) {
        try (RedisConnection c = server.connect()) {
            return c.info("replication").get("role");
        } catch (IOException e) {
            return "down";
        }
    }

    /** Waits until each of the cluster's shards has a stream.json naming its replication id. */
    static void awaitStreamStatus(String repo, String cluster, int shards) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        for (int shard = 0; shard < shards; shard++) {
            Path status = Path.of(repo, "sources", cluster + ".shard-" + shard, "stream.json");
            while (!Files.exists(status) || !JSON.readTree(status.toFile()).path("replicationId").isTextual()) {
                assertThat(System.nanoTime()).as(status + " written").isLessThan(deadline);
                Thread.sleep(100);
            }
        }
    }

    static void awaitEvents(StreamProcess stream, Predicate<JsonNode> which, int count) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (stream.events().stream().filter(which).count() < count) {
            assertThat(System.nanoTime()).as("waited for events; stdout so far: " + stream.events() + "; stderr: "
                    + stream.errors()).isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    /**
     * The keys and string values of shard's newest point (the offset its stream's stopped event says
     * the repository holds), restored as one RDB and loaded by a fresh server.
     */
    Map<String, String> restoreNewest(String repo, List<JsonNode> events, int shard) throws Exception {
        String source = "shop.shard-" + shard;
        long committed = events.stream().filter(e -> e.path("event").asText().equals("stopped")
                && e.path("shard").asInt() == shard).reduce((a, b) -> b).orElseThrow()
                .path("committedOffset").asLong();
        Path dir = tmp.resolve("restored-" + source);
        Run r = redback("restore", "--offset", Long.toString(committed), "--name", source, "--to-dir", dir.toString(),
                "--format", "rdb", "--repo", repo, "-q");
        assertThat(r.exit()).as(source + ": " + r.err()).isZero();
        return loaded(dir.resolve("dump.rdb"));
    }

    /** The keys and string values a fresh redis-server loads from rdb. */
    static Map<String, String> loaded(Path rdb) throws Exception {
        Map<String, String> keys = new TreeMap<>();
        try (LocalRedisServer server = TestRedis.server().rdb(rdb).start();
             RedisConnection c = server.connect()) {
            List<String> names = new ArrayList<>();
            for (Object k : (List<?>) c.call("KEYS", "*")) {
                names.add(new String((byte[]) k, StandardCharsets.UTF_8));
            }
            for (String k : names) {
                keys.put(k, c.callString("GET", k));
            }
        }
        return keys;
    }
}
