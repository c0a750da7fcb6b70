package io.redback.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.redback.cli.Main;
import io.redback.cluster.ClusterSnapshot;
import io.redback.cluster.ClusterSnapshots;
import io.redback.redis.LocalRedisServer;
import io.redback.redis.RedisConnection;
import io.redback.redis.RedisServerBinary;
import io.redback.repo.Repository;
import io.redback.repo.StreamStatus;
import io.redback.storage.file.FileStorage;
import io.redback.testsupport.TestCluster;
import io.redback.testsupport.TestRedis;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The agent protecting a real Redis Cluster of three primaries ({@code cluster: true}): cluster
 * snapshots on schedule, retention trimming the cluster's and its shards' snapshots, a stream per
 * shard with its metrics under the shard source, writes made after the start restorable with
 * {@code restore --name CLUSTER --at}, and a stop that leaves no thread behind.
 */
@io.redback.testsupport.Slow
class AgentClusterTest {
    private static final int KEYS = 90;

    @TempDir
    Path dir;

    @Test
    void theAgentSnapshotsPrunesAndStreamsEveryShardOfACluster() throws Exception {
        Path repoDir = dir.resolve("repo");
        try (TestCluster cluster = TestCluster.start(3)) {
            AgentConfig config = AgentConfig.parse("""
                    repository: %s
                    listen: 127.0.0.1:0
                    state-dir: %s
                    sources:
                      - name: shop
                        redis: %s
                        cluster: true
                        stream: true
                        flush-interval: 200ms
                        snapshot: {every: 2s}
                        retention: {keep-last: 2}
                        compact: {every: 1h}
                        check: {every: 1h}
                        drill: {every: 1h}
                        doctor: {every: 1h}
                        objectives: {rpo: 1m}
                    """.formatted(repoDir.toUri(), dir.resolve("state"), cluster.uri()), Map.of(), dir);
            for (LocalRedisServer p : cluster.primaries()) {
                try (RedisConnection c = p.connect()) {
                    c.call("CONFIG", "SET", "repl-diskless-sync-delay", "0"); // a full sync at once, not after 5 s
                }
            }
            Set<Thread> before = Thread.getAllStackTraces().keySet();
            StringWriter log = new StringWriter();
            Agent agent = new Agent(config, Map.of(), new PrintWriter(log), true, Duration.ofSeconds(10), "test",
                    Clock.systemUTC());
            agent.start();
            try {
                URI metricsUri = URI.create("http://127.0.0.1:" + agent.address().getPort() + "/metrics");
                // every shard's stream up, each under its shard source; the cluster's while all are
                await(Duration.ofSeconds(60), () -> {
                    String m = AgentTest.scrape(metricsUri);
                    return AgentTest.value(m, "redback_stream_up{source=\"shop.shard-0\"}") == 1
                            && AgentTest.value(m, "redback_stream_up{source=\"shop.shard-1\"}") == 1
                            && AgentTest.value(m, "redback_stream_up{source=\"shop.shard-2\"}") == 1;
                }, log);

                // writes after the start, each on the primary of its slot
                Set<String> written = new TreeSet<>();
                Map<LocalRedisServer, RedisConnection> conns = new HashMap<>();
                try {
                    for (LocalRedisServer p : cluster.primaries()) {
                        conns.put(p, p.connect());
                    }
                    RedisConnection any = conns.get(cluster.primaries().get(0));
                    for (int i = 0; i < KEYS; i++) {
                        String key = "{k" + i + "}";
                        int slot = (int) any.callLong("CLUSTER", "KEYSLOT", key);
                        conns.get(cluster.primaryFor(slot)).call("SET", key, "v" + i);
                        written.add(key);
                    }
                    // shipped: every shard's stream.json has committed its primary's offset
                    try (FileStorage storage = new FileStorage(repoDir)) {
                        Repository repository = Repository.open(storage);
                        for (int i = 0; i < 3; i++) {
                            long target = Long.parseLong(conns.get(cluster.primaries().get(i)).info("replication")
                                    .get("master_repl_offset"));
                            String source = "shop.shard-" + i;
                            await(Duration.ofSeconds(30), () -> committed(repository, source) >= target, log);
                        }
                    }
                } finally {
                    conns.values().forEach(RedisConnection::close);
                }

                // cluster snapshots keep coming; retention trims them and the shards' snapshots
                await(Duration.ofSeconds(90), () -> AgentTest.count(log, "\"event\":\"snapshot\"") >= 4
                        && AgentTest.count(log, "\"event\":\"prune\"") >= 4 && AgentTest.count(log, "\"event\":\"drill\"") >= 1
                        && AgentTest.count(log, "\"event\":\"check\"") >= 1, log);
                try (FileStorage storage = new FileStorage(repoDir)) {
                    Repository repository = Repository.open(storage);
                    List<ClusterSnapshot> kept = ClusterSnapshots.list(repository, "shop");
                    assertThat(kept).hasSizeBetween(1, 3); // 2 kept, perhaps 1 taken since the last prune
                    for (int i = 0; i < 3; i++) {
                        // keep-last 2, and those the kept cluster snapshots name, and perhaps 1 since
                        assertThat(repository.catalog().snapshots("shop.shard-" + i)).hasSizeBetween(1, 5);
                    }
                    assertThat(log.toString()).contains("\"event\":\"compact\"", "segment(s) of the shards became",
                            "cluster snapshot(s) and ", "check: clean, 3 shard source(s)");
                }

                // metrics: the whole under the cluster's name, the streams per shard source
                await(Duration.ofSeconds(15), () -> !Double.isNaN(AgentTest.value(AgentTest.scrape(metricsUri),
                        "redback_snapshot_last_success_timestamp_seconds{source=\"shop\"}")), log);
                String metrics = AgentTest.scrape(metricsUri);
                assertThat(AgentTest.value(metrics, "redback_snapshots_total{result=\"ok\",source=\"shop\"}"))
                        .isGreaterThanOrEqualTo(4);
                assertThat(AgentTest.value(metrics, "redback_snapshot_last_size_bytes{source=\"shop\"}")).isPositive();
                assertThat(AgentTest.value(metrics, "redback_stream_up{source=\"shop\"}")).isEqualTo(1);
                assertThat(AgentTest.value(metrics, "redback_objective_seconds{objective=\"rpo\",source=\"shop\"}")).isEqualTo(60);
                assertThat(AgentTest.value(metrics, "redback_objective_seconds{objective=\"rpo\",source=\"shop.shard-2\"}"))
                        .isEqualTo(60);
                assertThat(AgentTest.value(metrics, "redback_recoverable_until_timestamp_seconds{source=\"shop.shard-1\"}"))
                        .isPositive();
                assertThat(metrics).contains("redback_stream_offset_bytes{", "source=\"shop.shard-0\"");
                assertThat(AgentTest.value(metrics, "redback_drills_total{result=\"passed\",source=\"shop\"}")).isEqualTo(1);
                assertThat(AgentTest.value(metrics, "redback_check_last_success_timestamp_seconds{source=\"shop\"}")).isPositive();
                assertThat(AgentTest.value(metrics, "redback_drill_last_success_timestamp_seconds{source=\"shop\"}")).isPositive();
                // the doctor examined each shard's primary, its series under the shard source
                await(Duration.ofSeconds(30), () -> AgentTest.value(AgentTest.scrape(metricsUri),
                        "redback_doctor_check_status{check=\"config.rdbchecksum\",source=\"shop.shard-2\"}") == 1, log);
                assertThat(log.toString()).contains("\"event\":\"doctor\"", "shop.shard-0 ");
                JsonNode status = new ObjectMapper().readTree(AgentTest.scrape(
                        URI.create("http://127.0.0.1:" + agent.address().getPort() + "/status")));
                assertThat(status.at("/sources/0/source").asText()).isEqualTo("shop");
                assertThat(status.at("/sources/0/shards")).hasSize(3);
                assertThat(status.at("/sources/0/shards/2/source").asText()).isEqualTo("shop.shard-2");
                assertThat(status.at("/sources/0/shards/2/stream").asText()).isEqualTo("up");

                // what was written after the start restores, into one fresh server, key for key
                try (LocalRedisServer fresh = TestRedis.server().start()) {
                    // a second ago: every shard's log (or its stream's vouch) reaches it, and retention, which keeps
                    // the 2 newest cluster snapshots, still has one from before it
                    StringWriter err = new StringWriter();
                    await(Duration.ofSeconds(20), () -> run(new String[] {"restore", "--name", "shop", "--at",
                            Instant.now().minusSeconds(1).toString(), "--into", "redis://" + fresh.host() + ":"
                            + fresh.port(), "--repo", repoDir.toString(), "-q"}, err) == 0, err);
                    try (RedisConnection c = fresh.connect()) {
                        Set<String> keys = new TreeSet<>();
                        for (Object k : (List<?>) c.call("KEYS", "*")) {
                            keys.add(new String((byte[]) k, StandardCharsets.UTF_8));
                        }
                        assertThat(keys).isEqualTo(written);
                        assertThat(c.callString("GET", "{k7}")).isEqualTo("v7");
                    }
                }
            } finally {
                agent.stop();
                assertThat(agent.awaitStopped(Duration.ofSeconds(30))).isTrue();
            }
            assertThat(log.toString()).contains("\"event\":\"stream-topology\"", "\"event\":\"stream-cluster-stopped\"",
                    "\"event\":\"stopped\"");
            // nothing the agent started lives on: its threads, the streams' and the snapshots'
            await(Duration.ofSeconds(20), () -> leaked(before).isEmpty(), new StringWriter() {
                @Override
                public String toString() {
                    return "threads left: " + leaked(before);
                }
            });

            // without cluster: the server says it is a cluster node, and the agent says so and backs up the cluster
            AgentConfig unsaid = AgentConfig.parse("""
                    repository: %s
                    listen: 127.0.0.1:0
                    state-dir: %s
                    sources:
                      - name: shop
                        redis: %s
                        snapshot: {every: 1h}
                    """.formatted(repoDir.toUri(), dir.resolve("state2"), cluster.uri()), Map.of(), dir);
            StringWriter log2 = new StringWriter();
            Agent second = new Agent(unsaid, Map.of(), new PrintWriter(log2), true, Duration.ofSeconds(10), "test",
                    Clock.systemUTC());
            second.start();
            try {
                await(Duration.ofSeconds(30), () -> AgentTest.count(log2, "\"event\":\"snapshot\"") >= 1, log2);
                assertThat(log2.toString()).contains("\"event\":\"cluster\"", "is a cluster node (cluster_enabled:1)",
                        "stored (3 shards, " + KEYS + " keys");
            } finally {
                second.stop();
                assertThat(second.awaitStopped(Duration.ofSeconds(30))).isTrue();
            }
        }
    }

    private static Set<String> leaked(Set<Thread> before) {
        Set<Thread> had = new HashSet<>(before);
        return Thread.getAllStackTraces().keySet().stream().filter(t -> !had.contains(t) && t.isAlive())
                .map(Thread::getName).filter(n -> n.startsWith("agent-") || n.startsWith("redback-")
                        || n.startsWith("cluster-backup"))
                .collect(Collectors.toCollection(TreeSet::new));
    }

    private static int run(String[] args, StringWriter err) {
        Map<String, String> env = new HashMap<>(System.getenv());
        env.put(RedisServerBinary.ENV_VAR, TestRedis.binary().toString());
        CommandLine cl = Main.commandLine(env);
        StringWriter e = new StringWriter();
        cl.setOut(new PrintWriter(new StringWriter(), true));
        cl.setErr(new PrintWriter(e, true));
        int exit = cl.execute(args);
        synchronized (err) {
            err.getBuffer().setLength(0);
            err.write(e.toString());
        }
        return exit;
    }

    private static long committed(Repository repository, String source) {
        try {
            Optional<StreamStatus> st = repository.timelines().status(source);
            return st.map(StreamStatus::committedOffset).orElse(-1L);
        } catch (IOException e) {
            return -1;
        }
    }




    /** Waits for condition; the failure shows what said why (the agent's log, a command's errors). */
    private static void await(Duration wait, BooleanSupplier condition, Object said) throws InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("waited " + wait.toSeconds() + " s in vain; " + said);
            }
            Thread.sleep(100);
        }
    }
}
