package io.redback.cli;

import static io.redback.cli.Cli.redback;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.redback.cli.Cli.Run;
import io.redback.aof.CutPoint;
import io.redback.cluster.ClusterBackup;
import io.redback.cluster.ClusterPointInTime;
import io.redback.cluster.ClusterStream;
import io.redback.redis.LocalRedisServer;
import io.redback.redis.RedisConnection;
import io.redback.redis.RedisUri;
import io.redback.redis.ReplicaOptions;
import io.redback.repo.Compression;
import io.redback.repo.Repository;
import io.redback.storage.file.FileStorage;
import io.redback.stream.StreamEvent;
import io.redback.stream.Streamer;
import io.redback.testsupport.TestCluster;
import io.redback.testsupport.TestRedis;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The runbook of a cluster accident: a cluster backed up with {@code backup --cluster}, each
 * shard's log shipped by {@code stream --cluster} ({@link ClusterStream}: one link per shard in
 * one process), writes under load, FLUSHALL on every primary. Restoring the cluster
 * {@code --before FLUSHALL} gives one directory per shard in which every key has its value of just
 * before the flush; {@code --at} a second between two write phases gives the first
 * phase. {@code status}, {@code log} and {@code check --repo} show each shard and the whole; a
 * shard whose log does not reach the point refuses the restore, naming it, and writes nothing.
 */
@io.redback.testsupport.Slow
class ClusterPointInTimeTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int KEYS = 120;

    @TempDir
    Path tmp;

    @Test
    void beforeFlushallOnEveryPrimaryAndAtASecondBetweenWritePhases() throws Exception {
        Path repoDir = tmp.resolve("repo");
        String repo = repoDir.toString();
        try (TestCluster cluster = TestCluster.start(3)) {
            List<LocalRedisServer> primaries = cluster.primaries();
            Map<String, Integer> owner = new HashMap<>();
            Map<String, Integer> slotOf = new HashMap<>();
            try (RedisConnection any = primaries.get(0).connect()) {
                for (int i = 0; i < KEYS; i++) {
                    String key = "{k" + i + "}";
                    int slot = (int) any.callLong("CLUSTER", "KEYSLOT", key);
                    slotOf.put(key, slot);
                    owner.put(key, primaries.indexOf(cluster.primaryFor(slot)));
                }
            }
            List<RedisConnection> conns = new ArrayList<>();
            List<ClusterStream> streams = new ArrayList<>();
            List<Streamer> streamers = new ArrayList<>();
            List<Thread> threads = new ArrayList<>();
            try (FileStorage storage = new FileStorage(repoDir)) {
                for (LocalRedisServer p : primaries) {
                    conns.add(p.connect());
                }
                Map<String, String> expected = new TreeMap<>();
                for (int i = 0; i < KEYS / 2; i++) {
                    set(conns, owner, expected, "{k" + i + "}", "before-backup-" + i);
                }
                Run backup = redback("backup", "--cluster", "--redis", cluster.uri(), "--repo", repo, "--name", "shop",
                        "--json");
                assertThat(backup.exit()).as(backup.err()).isZero();

                Repository repository = Repository.open(storage);
                AtomicInteger started = new AtomicInteger();
                // the shards streamed as `stream --cluster` streams them: one link per shard in one process
                ClusterStream stream = new ClusterStream(RedisUri.parse(cluster.uri()), repository,
                        new ClusterStream.Options("shop", new Streamer.Options("shop",
                                Files.createDirectories(tmp.resolve("spool")), Duration.ofMillis(200), 64 * 1024,
                                64L << 20, null, Compression.DEFAULT, Duration.ofSeconds(10),
                                ReplicaOptions.defaults()), Duration.ofSeconds(1),
                                new ClusterBackup.Options(false, false, Compression.DEFAULT, ReplicaOptions.defaults())),
                        e -> {
                            if (e instanceof ClusterStream.ShardEvent s
                                    && s.event() instanceof StreamEvent.TimelineStarted) {
                                started.incrementAndGet();
                            }
                        }, Clock.systemUTC());
                Thread t = new Thread(() -> {
                    try {
                        stream.run();
                    } catch (IOException e) {
                        throw new IllegalStateException(e);
                    }
                }, "cluster-pitr-stream");
                t.start();
                streams.add(stream);
                threads.add(t);

                long deadline = System.nanoTime() + 30_000_000_000L;
                while (started.get() < 3) { // each shard's timeline has its base snapshot: phase A is in the log
                    assertThat(System.nanoTime()).as("the shards' timelines to start").isLessThan(deadline);
                    Thread.sleep(50);
                }
                for (int i = 0; i < 3; i++) {
                    streamers.add(stream.shard(i));
                }

                // phase A: every key gets its first value; then a whole second passes
                for (int i = 0; i < KEYS; i++) {
                    set(conns, owner, expected, "{k" + i + "}", "a-" + i);
                }
                awaitShipped(primaries, streamers);
                Map<String, String> phaseA = new TreeMap<>(expected);
                long secondA = Instant.now().getEpochSecond();
                Thread.sleep(1100); // phase B must arrive in a later #TS second than phase A

                // phase B under load: a writer on every shard at once, stopped just before the flush
                AtomicBoolean writing = new AtomicBoolean(true);
                Map<String, String> phaseB = new TreeMap<>(expected);
                Thread writer = new Thread(() -> {
                    try (RedisConnection c0 = primaries.get(0).connect(); RedisConnection c1 = primaries.get(1).connect();
                         RedisConnection c2 = primaries.get(2).connect()) {
                        List<RedisConnection> mine = List.of(c0, c1, c2);
                        for (int n = 0; writing.get() || n < 2000; n++) {
                            set(mine, owner, phaseB, "{k" + (n % KEYS) + "}", "b-" + n);
                        }
                    } catch (IOException e) {
                        throw new IllegalStateException(e);
                    }
                });
                writer.start();
                Thread.sleep(300); // let the load run for a moment
                writing.set(false);
                writer.join();
                for (RedisConnection c : conns) {
                    c.call("FLUSHALL");
                }
                set(conns, owner, new TreeMap<>(), "{k1}", "after-the-flush");
                awaitShipped(primaries, streamers);

                Run dry = redback("restore", "--name", "shop", "--before", "FLUSHALL", "--to-dir",
                        tmp.resolve("plan").toString(), "--dry-run", "--repo", repo);
                assertThat(dry.exit()).as(dry.err()).isZero();
                assertThat(dry.out()).contains("restore plan for cluster shop", "3 shards", "shard-2  slots 10922-16383",
                        "before   FLUSHALL", "skew bound ", "dry run: nothing was written");
                assertThat(tmp.resolve("plan")).doesNotExist();

                Path before = tmp.resolve("before");
                Run restore = redback("restore", "--name", "shop", "--before", "FLUSHALL", "--format", "rdb",
                        "--to-dir", before.toString(), "--repo", repo, "--json", "-q");
                assertThat(restore.exit()).as(restore.err()).isZero();
                JsonNode doc = restore.json();
                assertThat(doc.get("cluster").asText()).isEqualTo("shop");
                assertThat(doc.get("shards")).hasSize(3);
                assertThat(doc.get("skew").get("boundMs").asLong()).isLessThan(1000);
                assertThat(JSON.readTree(before.resolve("cluster.json").toFile()).get("shards")).hasSize(3);
                assertShards(before, phaseB, slotOf);

                Path at = tmp.resolve("at");
                Run atA = redback("restore", "--name", "shop", "--at", Instant.ofEpochSecond(secondA).toString(),
                        "--format", "rdb", "--to-dir", at.toString(), "--repo", repo, "-q");
                assertThat(atA.exit()).as(atA.err()).isZero();
                assertThat(atA.out()).contains("skew bound 0 ms", "every shard is as redback had received it at "
                        + Instant.ofEpochSecond(secondA + 1).minusMillis(1));
                assertShards(at, phaseA, slotOf);

                // what a restore into a running cluster gets: each shard's point as one RDB, with its slots
                ClusterPointInTime points = new ClusterPointInTime(repository);
                ClusterPointInTime.ClusterPlan plan = points.plan("shop", new CutPoint.At(secondA));
                List<ClusterPointInTime.ShardRdb> rdbs = points.materialise(plan, Files.createDirectories(
                        tmp.resolve("work")), TestRedis.binary(), Instant.now(), new AtomicLong());
                assertThat(rdbs).extracting(ClusterPointInTime.ShardRdb::index).containsExactly(0, 1, 2);
                for (ClusterPointInTime.ShardRdb r : rdbs) {
                    assertThat(r.rdb()).isRegularFile();
                    String[] range = r.slots().get(0).split("-");
                    long inSlots = phaseA.keySet().stream().filter(k -> slotOf.get(k) >= Integer.parseInt(range[0])
                            && slotOf.get(k) <= Integer.parseInt(range[1])).count();
                    assertThat(r.result().resultKeys()).as("shard " + r.index()).isEqualTo(inSlots);
                }

                Run offset = redback("restore", "--name", "shop", "--offset", "1000", "--to-dir",
                        tmp.resolve("offset").toString(), "--repo", repo);
                assertThat(offset.exit()).isEqualTo(2);
                assertThat(offset.err()).contains("each shard of cluster shop has its own", "--name shop.shard-0");
                // the point before the flush, into a running cluster of another shape: every key as it was
                try (TestCluster other = TestCluster.start(2)) {
                    Run into = redback("restore", "--name", "shop", "--before", "FLUSHALL", "--into", other.uri(),
                            "--repo", repo, "-q");
                    assertThat(into.exit()).as(into.out() + into.err()).isZero();
                    assertThat(into.out()).contains("skew bound ", "is a node of a Redis Cluster");
                    for (Map.Entry<String, String> e : phaseB.entrySet()) {
                        try (RedisConnection c = other.primaryFor(slotOf.get(e.getKey())).connect()) {
                            assertThat(c.callString("GET", e.getKey())).as(e.getKey()).isEqualTo(e.getValue());
                        }
                    }
                    long served = 0;
                    for (LocalRedisServer p : other.primaries()) {
                        try (RedisConnection c = p.connect()) {
                            served += c.callLong("DBSIZE");
                        }
                    }
                    assertThat(served).isEqualTo(phaseB.size());
                }

                // the views: per shard and the whole
                Run status = redback("status", "--name", "shop", "--repo", repo);
                assertThat(status.out()).contains("cluster shop: 3 shards", "shop.shard-0", "shop.shard-2",
                        "common window");
                Run statusJson = redback("status", "--repo", repo, "--json");
                assertThat(statusJson.json().get("clusters").get(0).get("shards")).hasSize(3);
                Run log = redback("log", "--name", "shop", "--grep", "FLUSHALL", "--repo", repo);
                assertThat(log.exit()).as(log.err()).isZero();
                assertThat(log.out()).contains("shop.shard-0", "shop.shard-2",
                        "redback restore --name shop --before 'FLUSHALL'");
                Run check = redback("check", "--repo", repo, "--name", "shop");
                assertThat(check.exit()).as(check.out() + check.err()).isZero();
                assertThat(check.out()).contains("cluster shop", "shop.shard-1", "CLEAN");

                for (ClusterStream s : streams) {
                    s.stop();
                    assertThat(s.awaitStopped(Duration.ofSeconds(30))).isTrue();
                }

                // shard 2's log loses its end: the cluster cannot be cut after it, and nothing is written
                List<Path> manifests;
                try (Stream<Path> files = Files.walk(repoDir.resolve("sources").resolve("shop.shard-2"))) {
                    manifests = files.filter(p -> p.toString().contains("segments") && p.toString().endsWith(".json"))
                            .sorted().toList();
                }
                for (Path m : manifests.subList(manifests.size() / 2, manifests.size())) {
                    Files.delete(m);
                }
                Path refused = tmp.resolve("refused");
                Run cut = redback("restore", "--name", "shop", "--before", "FLUSHALL", "--to-dir", refused.toString(),
                        "--repo", repo);
                assertThat(cut.exit()).as(cut.err()).isNotZero();
                assertThat(cut.err()).contains("shard 2 of cluster shop (source shop.shard-2");
                assertThat(refused).doesNotExist();

                // a cluster snapshot whose shard snapshot is gone
                JsonNode shard1 = backup.json().get("shards").get(1);
                Files.delete(repoDir.resolve("sources").resolve("shop.shard-1").resolve("snapshots")
                        .resolve(shard1.get("snapshot").asText()).resolve("manifest.json"));
                Run broken = redback("check", "--repo", repo, "--name", "shop");
                assertThat(broken.exit()).isEqualTo(1);
                assertThat(broken.out()).contains("cluster shop", backup.json().get("id").asText(),
                        "shard 1's snapshot shop.shard-1/" + shard1.get("snapshot").asText());
            } finally {
                for (ClusterStream s : streams) {
                    s.stop();
                }
                for (Thread t : threads) {
                    t.join(30_000);
                }
                for (RedisConnection c : conns) {
                    c.close();
                }
            }
        }
    }

    private static void set(List<RedisConnection> conns, Map<String, Integer> owner, Map<String, String> track,
                            String key, String value) throws IOException {
        conns.get(owner.get(key)).call("SET", key, value);
        track.put(key, value);
    }

    private static void awaitShipped(List<LocalRedisServer> primaries, List<Streamer> streamers)
            throws IOException, InterruptedException {
        for (int i = 0; i < primaries.size(); i++) {
            long target;
            try (RedisConnection c = primaries.get(i).connect()) {
                target = Long.parseLong(c.info("replication").get("master_repl_offset"));
            }
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (streamers.get(i).committedOffset() < target) {
                if (System.nanoTime() > deadline) {
                    throw new IOException("shard " + i + " did not ship offset " + target + " in 30 s");
                }
                Thread.sleep(50);
            }
        }
    }

    /** Each shard's dump.rdb holds only keys of its slots, and together exactly the expected keys and values. */
    private static void assertShards(Path dir, Map<String, String> expected, Map<String, Integer> slotOf)
            throws Exception {
        JsonNode described = JSON.readTree(dir.resolve("cluster.json").toFile());
        Map<String, String> union = new TreeMap<>();
        for (int i = 0; i < 3; i++) {
            JsonNode d = described.get("shards").get(i);
            String[] range = d.get("slots").get(0).asText().split("-");
            int first = Integer.parseInt(range[0]);
            int last = Integer.parseInt(range[1]);
            Map<String, String> loaded = loadedKeys(dir.resolve("shard-" + i).resolve("dump.rdb"));
            for (String k : loaded.keySet()) {
                assertThat(slotOf.get(k)).as(k + " in shard " + i).isBetween(first, last);
            }
            union.putAll(loaded);
        }
        assertThat(union).isEqualTo(expected);
    }

    private static Map<String, String> loadedKeys(Path rdb) throws Exception {
        Map<String, String> keys = new TreeMap<>();
        try (LocalRedisServer server = TestRedis.server().rdb(rdb).start();
             RedisConnection c = server.connect()) {
            for (Object k : (List<?>) c.call("KEYS", "*")) {
                String name = new String((byte[]) k, StandardCharsets.UTF_8);
                keys.put(name, c.callString("GET", name));
            }
        }
        return keys;
    }
}
