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
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code restore --mark}: a 3-primary cluster streamed by {@code stream --cluster} while one
 * client writes without pause, marked under those writes, written to further; restoring the mark
 * gives every shard at the offset the mark read. With one writer writing in sequence, a cut across
 * the shards that is one instant is a prefix of its writes: the restored keys are the state after
 * exactly the first n writes, n between the writes done before the mark and those begun before it
 * returned, in files ({@code --to-dir}) and in a running cluster of two primaries ({@code --into}).
 * A mark the log does not reach yet, or none of that name, refuses the restore and writes nothing.
 */
@io.redback.testsupport.Slow
class ClusterMarkRestoreTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final int KEYS = 200;

    @TempDir
    Path tmp;

    @Test
    void everyShardAtItsMarkIsOnePrefixOfTheWritesInFilesAndInAClusterOfAnotherShape() throws Exception {
        String repo = tmp.resolve("repo").toString();
        try (TestCluster cluster = TestCluster.start(3);
             StreamProcess stream = StreamProcess.launch(tmp.resolve("stream"), Map.of(), "--cluster", "--redis",
                     cluster.uri(), "--repo", repo, "--name", "shop", "--spool", tmp.resolve("spool").toString(),
                     "--flush-interval", "200ms");
             ClusterClient client = new ClusterClient(ClusterStreamTest.addresses(cluster));
             ClusterClient writer = new ClusterClient(ClusterStreamTest.addresses(cluster))) {
            ClusterStreamTest.awaitEvents(stream, e -> e.path("event").asText().equals("timeline-started"), 3);
            Map<String, String> initial = new TreeMap<>();
            for (int i = 0; i < KEYS; i++) {
                assertThat(client.set("k" + i, "before-" + i, 1)).isTrue();
                initial.put("k" + i, "before-" + i);
            }
            ClusterStreamTest.awaitStreamStatus(repo, "shop", 3);

            // one writer, in sequence: write n sets k(n mod KEYS) to wn
            AtomicLong begun = new AtomicLong();
            AtomicLong done = new AtomicLong();
            AtomicBoolean stop = new AtomicBoolean();
            AtomicReference<String> failed = new AtomicReference<>();
            Thread writes = new Thread(() -> {
                for (long n = 0; !stop.get(); n++) {
                    begun.set(n + 1);
                    if (!writer.set("k" + (n % KEYS), "w" + n, 0)) {
                        failed.set("write " + n + " refused");
                        return;
                    }
                    done.set(n + 1);
                }
            });
            writes.start();
            while (done.get() < 500) {
                Thread.sleep(10);
            }
            long doneBefore = done.get();
            Run mark = redback("cluster", "mark", "m1", "--redis", cluster.uri(), "--name", "shop", "--repo", repo);
            long begunAfter = begun.get();
            assertThat(mark.exit()).as(mark.err()).isZero();
            long target = begunAfter + 500;
            while (done.get() < target && failed.get() == null) {
                Thread.sleep(10);
            }
            stop.set(true);
            writes.join(30_000);
            assertThat(failed.get()).isNull();
            for (int i = 0; i < KEYS; i++) {
                assertThat(client.set("k" + i, "after-" + i, 1)).isTrue();
            }
            assertThat(stream.stop()).as(stream.errors()).isZero();

            // refusals: one line, nothing written
            Path nowhere = tmp.resolve("nowhere");
            Run missing = redback("restore", "--name", "shop", "--mark", "nope", "--to-dir", nowhere.toString(),
                    "--repo", repo);
            assertThat(missing.exit()).isEqualTo(2);
            assertThat(missing.err()).contains("cluster shop has no mark named nope");
            assertThat(nowhere).doesNotExist();
            Run both = redback("restore", "--name", "shop", "--mark", "m1", "--at", "-1m", "--to-dir",
                    nowhere.toString(), "--repo", repo);
            assertThat(both.exit()).isEqualTo(2);
            assertThat(both.err()).contains("--mark", "--at");
            assertThat(nowhere).doesNotExist();

            // a mark past what the log holds: a write after the stream stopped
            assertThat(client.set("k0", "unshipped", 0)).isTrue();
            Run late = redback("cluster", "mark", "m2", "--redis", cluster.uri(), "--name", "shop", "--repo", repo);
            assertThat(late.exit()).as(late.err()).isZero();
            int shardOfK0 = ClusterClient.slot("k0") <= 5460 ? 0 : ClusterClient.slot("k0") <= 10921 ? 1 : 2;
            Run beyond = redback("restore", "--name", "shop", "--mark", "m2", "--to-dir", nowhere.toString(),
                    "--repo", repo);
            assertThat(beyond.exit()).as(beyond.err()).isEqualTo(2);
            assertThat(beyond.err()).contains("shard " + shardOfK0 + " of cluster shop (source shop.shard-"
                    + shardOfK0, "at mark m2", "nothing was written");
            assertThat(nowhere).doesNotExist();

            Run plan = redback("restore", "--name", "shop", "--mark", "m1", "--to-dir", nowhere.toString(),
                    "--dry-run", "--json", "--repo", repo);
            assertThat(plan.exit()).as(plan.err()).isZero();
            JsonNode p = plan.json();
            assertThat(p.get("mark").asText()).isEqualTo("m1");
            assertThat(p.get("point").asText()).isEqualTo("--mark m1");
            assertThat(p.get("skew").get("boundMs").asLong()).isZero();
            assertThat(p.get("shards")).hasSize(3);
            assertThat(nowhere).doesNotExist();

            Path dir = tmp.resolve("at-mark");
            Run files = redback("restore", "--name", "shop", "--mark", "m1", "--to-dir", dir.toString(), "--format",
                    "rdb", "--repo", repo, "-q");
            assertThat(files.exit()).as(files.out() + files.err()).isZero();
            assertThat(files.out()).contains("skew bound 0 ms by construction");
            Map<String, String> restored = new TreeMap<>();
            for (int shard = 0; shard < 3; shard++) {
                restored.putAll(ClusterStreamTest.loaded(dir.resolve("shard-" + shard).resolve("dump.rdb")));
            }
            assertThat(JSON.readTree(dir.resolve("cluster.json").toFile()).get("mark").asText()).isEqualTo("m1");
            Map<String, String> expected = prefix(initial, restored);
            long n = writesIn(restored);
            assertThat(n).as("writes in the cut").isBetween(doneBefore, begunAfter);
            assertThat(restored).isEqualTo(expected);

            try (TestCluster other = TestCluster.start(2)) {
                Run into = redback("restore", "--name", "shop", "--mark", "m1", "--into", other.uri(), "--repo", repo,
                        "-q");
                assertThat(into.exit()).as(into.out() + into.err()).isZero();
                assertThat(into.out()).contains("skew bound 0 ms by construction", "is a node of a Redis Cluster");
                for (Map.Entry<String, String> e : expected.entrySet()) {
                    try (RedisConnection c = other.primaryFor(ClusterClient.slot(e.getKey())).connect()) {
                        assertThat(c.callString("GET", e.getKey())).as(e.getKey()).isEqualTo(e.getValue());
                    }
                }
                long served = 0;
                for (LocalRedisServer primary : other.primaries()) {
                    try (RedisConnection c = primary.connect()) {
                        served += c.callLong("DBSIZE");
                    }
                }
                assertThat(served).isEqualTo(expected.size());
            }
        }
    }

    /** How many of the writer's writes restored holds: one past the highest write number in it. */
    private static long writesIn(Map<String, String> restored) {
        return restored.values().stream().filter(v -> v.startsWith("w")).mapToLong(v -> Long.parseLong(v.substring(1)))
                .max().orElse(-1) + 1;
    }

    /** The keys after the initial values and the first writesIn(restored) writes of the writer. */
    private static Map<String, String> prefix(Map<String, String> initial, Map<String, String> restored) {
        Map<String, String> state = new TreeMap<>(initial);
        long n = writesIn(restored);
        for (long w = Math.max(0, n - KEYS); w < n; w++) {
            state.put("k" + (w % KEYS), "w" + w);
        }
        return state;
    }
}
