package io.redback.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.redback.aof.CutPoint;
import io.redback.cli.Main;
import io.redback.pitr.Planner;
import io.redback.pitr.RestoreException;
import io.redback.pitr.RestoreWriter;
import io.redback.redis.LocalRedisServer;
import io.redback.redis.RedisConnection;
import io.redback.redis.RedisServerBinary;
import io.redback.repo.Repository;
import io.redback.repo.SnapshotId;
import io.redback.repo.SnapshotManifest;
import io.redback.storage.file.FileStorage;
import io.redback.testsupport.TestRedis;
import io.redback.testsupport.TimelineBuilder;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A cluster's shards restored side by side: three shards (each a source with a snapshot and a
 * log, and a cluster snapshot naming them) downloaded for a restore into a server, restored to
 * directories, and cut at a point in time, with the shards seen running at once (a test counter
 * holds each of the first two at its start until both have started, so the overlap does not
 * depend on speed), in shard order; one at a time when the memory bound says so; and a damaged
 * shard, not the last, reported by index as DAMAGED, with nothing of it or cluster.json left.
 */
@io.redback.testsupport.Slow
class ClusterParallelRestoreTest {
    private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");
    private static final int KEYS = 40;

    @TempDir
    static Path tmp;
    private static Path repoDir;
    private static FileStorage storage;
    private static Repository repository;
    private static ClusterSnapshot snapshot;
    private static List<SnapshotManifest> bases = new ArrayList<>();

    @BeforeAll
    static void threeShardsWithALog() throws Exception {
        repoDir = tmp.resolve("repo");
        List<ClusterSnapshot.ShardSnapshot> shards = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            String source = ClusterSnapshot.shardSource("shop", i);
            try (TimelineBuilder t = TimelineBuilder.start(repoDir, source, T0)) {
                for (int k = 0; k < KEYS; k++) {
                    t.load("SET", "s" + i + ":k" + k, "v" + k);
                }
                SnapshotManifest base = t.baseSnapshot();
                bases.add(base);
                t.at(T0.plusSeconds(1)).command("SET", "s" + i + ":after", "x");
                t.segment();
                int first = 16384 * i / 3;
                int last = 16384 * (i + 1) / 3 - 1;
                shards.add(new ClusterSnapshot.ShardSnapshot(i, List.of(first + "-" + last), "p" + i, 0, "p" + i,
                        "127.0.0.1:" + (7000 + i), false, source, base.id().toString(), null, null, KEYS,
                        T0.toString(), T0.toString()));
            }
        }
        storage = new FileStorage(repoDir);
        repository = Repository.open(storage);
        SnapshotId id = SnapshotId.at(T0, new Random(1));
        snapshot = new ClusterSnapshot(ClusterSnapshot.FORMAT_VERSION, id.toString(), "shop", T0.toString(),
                T0.toString(), false, List.of(), shards);
        byte[] json = ClusterBackup.JSON.writeValueAsBytes(snapshot);
        storage.put(repository.clusterSnapshotKey("shop", id), new ByteArrayInputStream(json), json.length);
    }

    @AfterAll
    static void close() throws IOException {
        storage.close();
    }

    @Test
    void theShardsOfAClusterSnapshotAreDownloadedAndRestoredToDirectoriesSideBySide() throws Exception {
        Parallel.InFlight fetching = new Parallel.InFlight(2);
        Path work = Files.createDirectories(tmp.resolve("work"));
        AtomicLong bytes = new AtomicLong();
        List<Path> rdbs = ClusterRestore.fetch(repository, snapshot, work, bytes, fetching);
        assertThat(fetching.peak()).as("shards downloading at once").isGreaterThan(1);
        assertThat(rdbs).containsExactly(work.resolve("shard-0/dump.rdb"), work.resolve("shard-1/dump.rdb"),
                work.resolve("shard-2/dump.rdb"));
        assertThat(bytes.get()).isEqualTo(bases.stream().mapToLong(SnapshotManifest::rawSize).sum());

        Parallel.InFlight restoring = new Parallel.InFlight(2);
        ClusterSnapshots.Restored r = ClusterSnapshots.toDir(repository, snapshot, tmp.resolve("dirs"), false,
                restoring);
        assertThat(restoring.peak()).as("shards restored at once").isGreaterThan(1);
        assertThat(r.results()).extracting(x -> x.report().keys()).containsExactly((long) KEYS, (long) KEYS,
                (long) KEYS);
        assertThat(r.dir().resolve("cluster.json")).isRegularFile();
    }

    @Test
    void aPointInTimeOfTheClusterGoesSideBySideUnlessMemoryAllowsOneServerAtATime() throws Exception {
        ClusterPointInTime.ClusterPlan plan = plan();

        Parallel.InFlight plenty = new Parallel.InFlight(2);
        List<ClusterPointInTime.ShardRdb> rdbs = new ClusterPointInTime(repository, () -> 64L << 30, plenty)
                .materialise(plan, Files.createDirectories(tmp.resolve("materialised")), TestRedis.binary(),
                        Instant.now(), new AtomicLong());
        assertThat(plenty.peak()).as("throwaway servers at once with memory to spare").isGreaterThan(1);
        assertThat(rdbs).extracting(ClusterPointInTime.ShardRdb::index).containsExactly(0, 1, 2);
        assertThat(rdbs).allSatisfy(s -> assertThat(s.result().resultKeys()).isEqualTo(KEYS + 1));

        // one shard's server needs about 4 x its bytes: with room for one only, one at a time
        long oneShard = 2 * ClusterPointInTime.SERVER_MEMORY_FACTOR
                * io.redback.restore.PointInTimeRestore.bytes(plan.shards().get(0).plan()) + 1;
        Parallel.InFlight tight = new Parallel.InFlight();
        ClusterPointInTime.Restored dir = new ClusterPointInTime(repository, () -> oneShard, tight)
                .toDir(plan, tmp.resolve("pitr-rdb"), RestoreWriter.Format.RDB, false, TestRedis.binary(),
                        Instant.now(), new AtomicLong());
        assertThat(tight.peak()).as("throwaway servers at once with room for one").isEqualTo(1);
        assertThat(dir.results()).extracting(x -> x.resultKeys()).containsExactly((long) KEYS + 1, (long) KEYS + 1,
                (long) KEYS + 1);
        assertThat(dir.dir().resolve("cluster.json")).isRegularFile();

        // appendonlydir starts no server: the memory bound does not apply
        Parallel.InFlight aof = new Parallel.InFlight(2);
        new ClusterPointInTime(repository, () -> 0L, aof).toDir(plan, tmp.resolve("pitr-aof"),
                RestoreWriter.Format.AOF, false, null, Instant.now(), new AtomicLong());
        assertThat(aof.peak()).as("shards written as appendonlydir at once").isGreaterThan(1);
    }

    @Test
    void aDamagedShardIsReportedByIndexAndLeavesNothingOfItself() throws Exception {
        Path copy = tmp.resolve("damaged-repo");
        copyTree(repoDir, copy);
        for (int shard : new int[] {1, 2}) { // the first in shard order is the one reported
            Path object = copy.resolve(bases.get(shard).object());
            byte[] b = Files.readAllBytes(object);
            b[b.length / 2] ^= 0x55;
            Files.write(object, b);
        }
        try (FileStorage s = new FileStorage(copy)) {
            Repository damaged = Repository.open(s);
            Path work = Files.createDirectories(tmp.resolve("damaged-work"));
            assertThatThrownBy(() -> ClusterRestore.fetch(damaged, snapshot, work, new AtomicLong()))
                    .isInstanceOfSatisfying(RestoreException.class, e -> {
                        assertThat(e.kind()).isEqualTo(RestoreException.Kind.DAMAGED);
                        assertThat(e.getMessage()).contains("shard 1 (shop.shard-1/");
                    });

            Path dirs = tmp.resolve("damaged-dirs");
            assertThatThrownBy(() -> ClusterSnapshots.toDir(damaged, snapshot, dirs, false))
                    .isInstanceOfSatisfying(RestoreException.class, e -> {
                        assertThat(e.kind()).isEqualTo(RestoreException.Kind.DAMAGED);
                        assertThat(e.getMessage()).contains("shard 1 (shop.shard-1/");
                    });
            assertThat(dirs.resolve("cluster.json")).doesNotExist();
            try (Stream<Path> left = Files.list(dirs.resolve("shard-1"))) {
                assertThat(left).as("shard 1's work files").isEmpty();
            }

            Path points = tmp.resolve("damaged-points");
            assertThatThrownBy(() -> new ClusterPointInTime(damaged, () -> 64L << 30, null).toDir(plan(), points,
                    RestoreWriter.Format.RDB, false, TestRedis.binary(), Instant.now(), new AtomicLong()))
                    .isInstanceOfSatisfying(RestoreException.class, e -> {
                        assertThat(e.kind()).isEqualTo(RestoreException.Kind.DAMAGED);
                        assertThat(e.getMessage()).startsWith("shard 1 of cluster shop (source shop.shard-1): ");
                    });
            assertThat(points.resolve("cluster.json")).doesNotExist();
            assertThat(points.resolve("shard-1")).doesNotExist();
        }

        Map<String, String> env = new HashMap<>(System.getenv());
        env.put(RedisServerBinary.ENV_VAR, TestRedis.binary().toString());
        String[] toDir = {"restore", "--snapshot", snapshot.id(), "--repo", copy.toString(), "--to-dir",
                tmp.resolve("cli-dirs").toString()};
        String[] out = new String[2];
        assertThat(redback(env, out, toDir)).as(out[1]).isEqualTo(Main.PROBLEM);
        assertThat(out[1]).contains("shard 1 (shop.shard-1/");
        try (LocalRedisServer target = TestRedis.server().start()) {
            String[] into = {"restore", "--snapshot", snapshot.id(), "--repo", copy.toString(), "--into",
                    "redis://" + target.host() + ":" + target.port(), "-q"};
            assertThat(redback(env, out, into)).as(out[1]).isEqualTo(Main.PROBLEM);
            assertThat(out[1]).contains("shard 1 (shop.shard-1/");
            try (RedisConnection c = target.connect()) {
                assertThat(c.callLong("DBSIZE")).as("nothing written").isZero();
            }
        }
    }

    private static ClusterPointInTime.ClusterPlan plan() throws Exception {
        Planner planner = new Planner(repository);
        CutPoint point = new CutPoint.At(T0.plusSeconds(1).getEpochSecond());
        List<ClusterPointInTime.ShardCut> cuts = new ArrayList<>();
        for (ClusterSnapshot.ShardSnapshot s : snapshot.shards()) {
            io.redback.pitr.Plan p = planner.plan(s.source(), point, null);
            cuts.add(new ClusterPointInTime.ShardCut(s, p, p.cutTime(), p.cutTime(), true));
        }
        return new ClusterPointInTime.ClusterPlan("shop", point, snapshot, cuts, ClusterPointInTime.skew(cuts));
    }

    private static int redback(Map<String, String> env, String[] outErr, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        picocli.CommandLine cl = Main.commandLine(env);
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int exit = cl.execute(args);
        outErr[0] = out.toString();
        outErr[1] = err.toString();
        return exit;
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> all = Files.walk(from)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }
}
