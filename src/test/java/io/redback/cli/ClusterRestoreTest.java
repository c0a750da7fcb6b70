package io.redback.cli;

import static io.redback.cli.Cli.redback;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.redback.cli.Cli.Run;
import io.redback.cluster.ClusterDiscovery;
import io.redback.cluster.ClusterRestore;
import io.redback.cluster.ClusterSlot;
import io.redback.cluster.ClusterTopology;
import io.redback.rdb.RdbReader;
import io.redback.redis.LocalRedisServer;
import io.redback.redis.RedisConnection;
import io.redback.redis.RedisUri;
import io.redback.restore.KeyDigest;
import io.redback.restore.LiveReport;
import io.redback.restore.LiveRestore;
import io.redback.restore.ServedDigest;
import io.redback.testsupport.Datasets;
import io.redback.testsupport.TestCluster;
import java.io.BufferedInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

/**
 * Restores into a running Redis Cluster, through the command line: a standalone RDB of every type
 * (several databases, hash tags, big keys, a function) into three primaries, every key on the
 * primary of its slot with its value (digest per key); conflicts under each policy; a three-shard
 * cluster snapshot into two primaries and into one standalone server, key for key, and drilled
 * (with --assert into a cluster, and --reload-check); slots that move (MOVED) or are being
 * migrated (ASK) during the restore lose nothing.
 */
@io.redback.testsupport.Slow
class ClusterRestoreTest {
    private static final KeyDigest.ScoreFormat FORMAT = KeyDigest.ScoreFormat.forVersion("7.0.15");
    private static final String LIBRARY = "#!lua name=cluslib\nredis.register_function('one', function(keys, args) "
            + "return 1 end)\n";
    private static TestCluster three;
    private static TestCluster two;

    @TempDir
    Path tmp;

    @BeforeAll
    static void startClusters() throws Exception {
        three = TestCluster.start(3);
        two = TestCluster.start(2);
    }

    @AfterAll
    static void stopClusters() {
        if (three != null) {
            three.close();
        }
        if (two != null) {
            two.close();
        }
    }

    @BeforeEach
    void emptyClusters() throws Exception {
        for (TestCluster c : List.of(three, two)) {
            for (LocalRedisServer p : c.primaries()) {
                try (RedisConnection r = p.connect()) {
                    r.call("FLUSHALL");
                    r.call("FUNCTION", "FLUSH");
                }
            }
        }
    }

    @Test
    void aStandaloneRdbGoesKeyByKeyToThePrimaryOfItsSlotUnderEachConflictPolicy() throws Exception {
        Path rdb = standaloneRdb();
        Map<String, byte[]> expected = digests(List.of(rdb));

        Run refused = redback("restore", "--from-rdb", rdb.toString(), "--into", three.uri(), "-q");
        assertThat(refused.exit()).as(refused.err()).isEqualTo(1);
        assertThat(refused.err()).contains("a cluster has only database 0", "--db-map 1:0", "nothing was written");
        assertThat(keys(three)).isZero();

        Run plan = redback("restore", "--from-rdb", rdb.toString(), "--into", three.uri(), "--db-map", "1:0",
                "--db-map", "7:0", "--dry-run", "-q");
        assertThat(plan.exit()).as(plan.err()).isZero();
        assertThat(plan.out()).contains("would restore", "to restore", "node       127.0.0.1:");
        assertThat(keys(three)).as("a dry run writes nothing").isZero();

        Run restored = redback("restore", "--from-rdb", rdb.toString(), "--into", three.uri(), "--db-map", "1:0",
                "--db-map", "7:0", "--big-key-size", "64KiB", "-q");
        assertThat(restored.exit()).as(restored.err() + restored.out()).isZero();
        assertThat(restored.out()).contains("cluster_enabled:1", "3 primaries", "restored", "node       127.0.0.1:");
        assertServed(three, expected);
        try (RedisConnection any = three.primaries().get(0).connect()) {
            int n = 0;
            for (String key : expected.keySet()) {
                if (n++ % 7 == 0 || key.contains("{")) {
                    assertThat(ClusterSlot.of(key.getBytes(StandardCharsets.ISO_8859_1))).as(key)
                            .isEqualTo((int) any.callLong("CLUSTER", "KEYSLOT", key.getBytes(StandardCharsets.ISO_8859_1)));
                }
            }
        }
        for (LocalRedisServer p : three.primaries()) {
            assertThat(String.join("", Datasets.functions(p))).as("functions on every primary")
                    .contains("name=backuplib", "name=cluslib");
        }

        Run fail = redback("restore", "--from-rdb", rdb.toString(), "--into", three.uri(), "--db-map", "1:0",
                "--db-map", "7:0", "--json");
        assertThat(fail.exit()).isEqualTo(1);
        JsonNode f = fail.json();
        assertThat(f.get("outcome").asText()).isEqualTo("refused");
        assertThat(f.get("conflicts").asLong()).isEqualTo(expected.size()); // the libraries: same code, no conflict
        assertThat(f.get("restored").asLong()).isZero();

        String changed = "str:small";
        try (RedisConnection owner = owner(three, changed)) {
            owner.call("SET", changed, "theirs");
        }
        Run skip = redback("restore", "--from-rdb", rdb.toString(), "--into", three.uri(), "--db-map", "1:0",
                "--db-map", "7:0", "--on-conflict", "skip", "--json");
        assertThat(skip.exit()).as(skip.err()).isZero();
        assertThat(skip.json().get("skipped").asLong()).isEqualTo(expected.size());
        assertThat(skip.json().get("restored").asLong()).isZero();
        try (RedisConnection owner = owner(three, changed)) {
            assertThat(owner.callString("GET", changed)).isEqualTo("theirs");
        }

        Run replace = redback("restore", "--from-rdb", rdb.toString(), "--into", three.uri(), "--db-map", "1:0",
                "--db-map", "7:0", "--on-conflict", "replace", "--big-key-size", "64KiB", "--json");
        assertThat(replace.exit()).as(replace.err()).isZero();
        assertThat(replace.json().get("restored").asLong()).isEqualTo(expected.size());
        assertServed(three, expected);
    }

    @Test
    void aThreeShardClusterSnapshotGoesIntoTwoPrimariesAndIntoOneServer() throws Exception {
        String repo = tmp.resolve("repo").toString();
        assertThat(redback("init", "--repo", repo).exit()).isZero();
        fillCluster(three, 3000);
        Run backup = redback("backup", "--cluster", "--redis", three.uri(), "--repo", repo, "--name", "shop", "--json");
        assertThat(backup.exit()).as(backup.err()).isZero();
        String id = backup.json().get("id").asText();
        Path shards = tmp.resolve("shards");
        assertThat(redback("restore", "--snapshot", id, "--to-dir", shards.toString(), "--repo", repo, "-q").exit())
                .isZero();
        List<Path> rdbs = List.of(shards.resolve("shard-0/dump.rdb"), shards.resolve("shard-1/dump.rdb"),
                shards.resolve("shard-2/dump.rdb"));
        Map<String, byte[]> expected = digests(rdbs);
        assertThat(expected).hasSize(3000 + 2);

        Run into = redback("restore", "--snapshot", id, "--into", two.uri(), "--repo", repo, "--json");
        assertThat(into.exit()).as(into.err()).isZero();
        assertThat(into.json().get("restored").asLong()).isEqualTo(expected.size());
        assertServed(two, expected);
        for (LocalRedisServer p : two.primaries()) {
            assertThat(String.join("", Datasets.functions(p))).contains("name=cluslib");
        }

        try (LocalRedisServer single = Datasets.server().start()) {
            Run notCluster = redback("restore", "--snapshot", id, "--into", "redis://127.0.0.1:" + single.port(),
                    "--cluster", "--repo", repo, "-q");
            assertThat(notCluster.exit()).isEqualTo(2);
            assertThat(notCluster.err()).contains("is not a cluster node");
            Run back = redback("restore", "--snapshot", id, "--into", "redis://127.0.0.1:" + single.port(), "--repo",
                    repo, "-q");
            assertThat(back.exit()).as(back.err()).isZero();
            assertThat(back.out()).doesNotContain("cluster_enabled").contains("3,002 to restore");
            try (RedisConnection c = single.connect()) {
                assertThat(c.callLong("DBSIZE")).isEqualTo(expected.size());
                ServedDigest served = new ServedDigest(FORMAT);
                for (Map.Entry<String, byte[]> e : expected.entrySet()) {
                    assertThat(served.of(c, e.getKey().getBytes(StandardCharsets.ISO_8859_1))).as(e.getKey())
                            .isEqualTo(e.getValue());
                }
            }
            assertThat(String.join("", Datasets.functions(single))).contains("name=cluslib");
        }

        // --name of a cluster: its newest cluster snapshot (a time is refused: each shard has its own log)
        Run drill = redback("drill", "--name", "shop", "--repo", repo, "--json", "--sample", "all");
        assertThat(drill.exit()).as(drill.err() + drill.out()).isZero();
        Run drillAt = redback("drill", "--name", "shop", "--at", "-1m", "--repo", repo);
        assertThat(drillAt.exit()).isEqualTo(2);
        assertThat(drillAt.err()).contains("shop is a cluster", "--snapshot ID");
        assertThat(drill.json().get("keys").asLong()).isEqualTo(expected.size());
        Run drillInto = redback("drill", "--snapshot", id, "--repo", repo, "--into", two.uri(), "--sample", "100");
        assertThat(drillInto.exit()).as(drillInto.err() + drillInto.out()).isEqualTo(2); // not empty
        emptyClusters();
        drillInto = redback("drill", "--snapshot", id, "--repo", repo, "--into", two.uri(), "--sample", "100");
        assertThat(drillInto.exit()).as(drillInto.err() + drillInto.out()).isZero();
        // --assert into a cluster: each read on the primary of its key's slot; a wrong value fails the drill
        emptyClusters();
        Run asserted = redback("drill", "--snapshot", id, "--repo", repo, "--into", two.uri(), "--sample", "100",
                "--json", "--assert", "GET item:1 == value-1", "--assert", "GET item:2 == nope");
        assertThat(asserted.exit()).as(asserted.err() + asserted.out()).isEqualTo(1);
        assertThat(asserted.json().get("verdict").asText()).isEqualTo("failed");
        assertThat(asserted.json().get("problems").toString())
                .isEqualTo("[\"assert GET item:2 == nope: expected nope, served value-2\"]");
        Run reloadInto = redback("drill", "--snapshot", id, "--repo", repo, "--into", two.uri(), "--reload-check");
        assertThat(reloadInto.exit()).isEqualTo(2);
        assertThat(reloadInto.err()).contains("--reload-check restarts the throwaway server; it cannot be used with "
                + "--into");
        Run reloaded = redback("drill", "--name", "shop", "--repo", repo, "--sample", "100", "--reload-check",
                "--assert", "GET item:1 == value-1");
        assertThat(reloaded.exit()).as(reloaded.err() + reloaded.out()).isZero();
        assertThat(reloaded.out()).contains("3,002 served", "PASSED").doesNotContain("PROBLEM");
        String drillId = drill.json().get("id").asText();
        Run status = redback("status", "--repo", repo, "--name", "shop.shard-1");
        assertThat(status.out()).as("recorded under each shard's source").contains("drill       passed")
                .doesNotContain("NONE: no restore drill");
        assertThat(Path.of(repo, "sources", "shop.shard-0", "drills", drillId + ".json")).exists();
        assertThat(drill.json().get("point").asText()).contains("cluster snapshot " + id, "3 shards");
    }

    @Test
    void slotsThatMoveOrMigrateDuringTheRestoreLoseNothing() throws Exception {
        Path rdb = tmp.resolve("source.rdb");
        try (LocalRedisServer source = Datasets.server().start(); RedisConnection c = source.connect()) {
            for (int i = 0; i < 2000; i++) {
                c.call("SET", "k:" + i, "v" + i);
                c.call("RPUSH", "{t" + (i % 40) + "}:list", "x" + i);
            }
            c.call("SAVE");
            Files.copy(source.rdbFile(), rdb, StandardCopyOption.REPLACE_EXISTING);
        }
        Map<String, byte[]> expected = digests(List.of(rdb));
        RedisUri uri = RedisUri.parse(two.uri());
        ClusterRestore restore = ClusterRestore.open(uri, false, LiveRestore.Options.defaults());
        assertThat(restore.cluster()).isTrue();

        LocalRedisServer a = two.primaries().get(0);
        LocalRedisServer b = two.primaries().get(1);
        String idA;
        String idB;
        try (RedisConnection ca = a.connect(); RedisConnection cb = b.connect()) {
            idA = ca.callString("CLUSTER", "MYID");
            idB = cb.callString("CLUSTER", "MYID");
            // Moved for good after the topology was read: its keys get MOVED from a.
            int moved = ClusterSlot.of("k:1".getBytes(StandardCharsets.UTF_8));
            LocalRedisServer owner = two.primaryFor(moved);
            LocalRedisServer other = owner == a ? b : a;
            String otherId = owner == a ? idB : idA;
            try (RedisConnection co = owner.connect(); RedisConnection ct = other.connect()) {
                ct.call("CLUSTER", "SETSLOT", Integer.toString(moved), "NODE", otherId);
                co.call("CLUSTER", "SETSLOT", Integer.toString(moved), "NODE", otherId);
            }
            // Being migrated from a to b while the restore writes: its keys get ASK.
            int migrating = ClusterSlot.of("k:2".getBytes(StandardCharsets.UTF_8));
            LocalRedisServer from = two.primaryFor(migrating);
            LocalRedisServer to = from == a ? b : a;
            String fromId = from == a ? idA : idB;
            String toId = from == a ? idB : idA;
            try (RedisConnection cf = from.connect(); RedisConnection ct = to.connect()) {
                ct.call("CLUSTER", "SETSLOT", Integer.toString(migrating), "IMPORTING", fromId);
                cf.call("CLUSTER", "SETSLOT", Integer.toString(migrating), "MIGRATING", toId);
            }
            ClusterRestore.Result r = restore.run(List.of(rdb), ClusterRestore.Functions.FIRST_FILE,
                    System.currentTimeMillis());
            assertThat(r.total().outcome()).as(r.total().message()).isEqualTo(LiveReport.Outcome.RESTORED);
            assertThat(r.total().restored()).isEqualTo(expected.size());
            assertThat(r.total().failed()).isZero();
            assertThat(r.redirects()).as("MOVED and ASK followed").isPositive();
            assertThat(r.refreshes()).as("the topology read again after MOVED").isPositive();
            try (RedisConnection ct = to.connect()) {
                assertThat(ct.callLong("CLUSTER", "COUNTKEYSINSLOT", Integer.toString(migrating)))
                        .as("ASK: the keys of the migrating slot went to the importing node").isPositive();
            }
            try (RedisConnection cf = from.connect(); RedisConnection ct = to.connect()) {
                ct.call("CLUSTER", "SETSLOT", Integer.toString(migrating), "NODE", toId);
                cf.call("CLUSTER", "SETSLOT", Integer.toString(migrating), "NODE", toId);
            }
        }
        awaitAgreement(two);
        assertServed(two, expected);

        // A file said to hold only slot 0 whose keys are everywhere: none lost (they follow MOVED).
        emptyClusters();
        java.util.BitSet onlySlot0 = new java.util.BitSet();
        onlySlot0.set(0);
        ClusterRestore.Result strays = ClusterRestore.open(uri, true, LiveRestore.Options.defaults())
                .run(List.of(rdb), List.of(onlySlot0), ClusterRestore.Functions.FIRST_FILE, System.currentTimeMillis());
        assertThat(strays.total().outcome()).as(strays.total().message()).isEqualTo(LiveReport.Outcome.RESTORED);
        assertThat(strays.total().restored()).isEqualTo(expected.size());
        assertThat(strays.redirects()).isPositive();
        assertServed(two, expected);
    }

    @Test
    void thePrimariesAreWrittenInParallelAndTheFirstFailureIsTheOneReported() throws Exception {
        Path rdb = tmp.resolve("many.rdb");
        try (LocalRedisServer source = Datasets.server().start(); RedisConnection c = source.connect()) {
            c.call("DEBUG", "POPULATE", "30000", "k", "100");
            c.call("SAVE");
            Files.copy(source.rdbFile(), rdb, StandardCopyOption.REPLACE_EXISTING);
        }
        RedisUri uri = RedisUri.parse(three.uri());
        // The first run of the plan (the primary of the first shard) cannot take a byte: its memory
        // check gives up after a second; the other primaries' runs go on meanwhile, on their own.
        ClusterTopology.Node first = ClusterDiscovery.discover(uri).shards().get(0).primary();
        LocalRedisServer full = three.primaries().stream().filter(p -> p.port() == first.port()).findFirst().orElseThrow();
        try (RedisConnection c = full.connect()) {
            c.call("CONFIG", "SET", "maxmemory", "1mb");
            c.call("CONFIG", "SET", "maxmemory-policy", "noeviction");
        }
        try {
            LiveRestore.Options options = LiveRestore.Options.defaults().withThrottle(new io.redback.restore.Throttle(
                    0, 0, 90, java.time.Duration.ofSeconds(1), java.time.Duration.ofSeconds(5)));
            ClusterRestore.Result r = ClusterRestore.open(uri, true, options)
                    .run(List.of(rdb), ClusterRestore.Functions.FIRST_FILE, System.currentTimeMillis());
            assertThat(r.total().outcome()).isNotEqualTo(LiveReport.Outcome.RESTORED);
            assertThat(r.total().message()).startsWith("into " + first.address() + ", from many.rdb: ")
                    .contains("key(s) written by the other runs");
            for (LocalRedisServer p : three.primaries()) {
                if (p != full) {
                    try (RedisConnection c = p.connect()) {
                        // Written beside the failing run, not after it: a run one at a time would have stopped first.
                        assertThat(c.callLong("DBSIZE")).as("keys on " + p.port()).isGreaterThan(5000);
                    }
                }
            }
        } finally {
            try (RedisConnection c = full.connect()) {
                c.call("CONFIG", "SET", "maxmemory", "0");
            }
        }
    }

    // ------------------------------------------------------------------ helpers

    /** Every type (databases 0, 1 and 7, a function), hash-tagged keys, and big keys above 64 KiB. */
    private Path standaloneRdb() throws Exception {
        try (LocalRedisServer source = Datasets.server().start(); Jedis j = Datasets.jedis(source);
             RedisConnection c = source.connect()) {
            Datasets.everyType(j, 1500);
            for (int i = 0; i < 600; i++) {
                c.call("HSET", "{user:" + (i % 60) + "}:profile:" + i, "name", "n" + i, "age", Integer.toString(i));
            }
            for (int i = 0; i < 10_000; i++) {
                c.call("HSET", "{user:7}:big", "field:" + i, "value-" + "y".repeat(i % 40));
            }
            c.call("FUNCTION", "LOAD", LIBRARY);
            c.call("SAVE");
            Path rdb = tmp.resolve("standalone.rdb");
            Files.copy(source.rdbFile(), rdb, StandardCopyOption.REPLACE_EXISTING);
            return rdb;
        }
    }

    /** n keys of several types spread over every slot, written to their owners, and the library on every primary. */
    private static void fillCluster(TestCluster cluster, int n) throws Exception {
        ClusterTopology t = ClusterDiscovery.discover(RedisUri.parse(cluster.uri()));
        for (int i = 0; i < n; i++) {
            String key = i % 3 == 0 ? "{order:" + (i % 97) + "}:" + i : "item:" + i;
            try (RedisConnection c = owner(t, key)) {
                if (i % 5 == 0) {
                    c.call("ZADD", key, Double.toString(i / 3.0), "m" + i, "1.5", "other");
                } else {
                    c.call("SET", key, "value-" + i);
                }
            }
        }
        try (RedisConnection c = owner(t, "ttl:key")) {
            c.call("SET", "ttl:key", "v", "PXAT", Long.toString(Datasets.FAR_FUTURE_MS));
        }
        try (RedisConnection c = owner(t, "{order:1}:list")) {
            c.call("RPUSH", "{order:1}:list", "a", "b", "c");
        }
        for (LocalRedisServer p : cluster.primaries()) {
            try (RedisConnection c = p.connect()) {
                c.call("FUNCTION", "LOAD", LIBRARY);
            }
        }
    }

    /** Each key's digest in the files (names as ISO-8859-1 text, so any byte survives). */
    private static Map<String, byte[]> digests(List<Path> rdbs) throws Exception {
        Map<String, byte[]> out = new TreeMap<>();
        for (Path rdb : rdbs) {
            try (InputStream in = new BufferedInputStream(Files.newInputStream(rdb))) {
                new RdbReader(in).read(new KeyDigest(FORMAT, (key, d) -> out.put(
                        new String(key.name(), StandardCharsets.ISO_8859_1), d.clone())));
            }
        }
        return out;
    }

    /** Every key on the primary serving its slot with its digest, and nothing else in the cluster. */
    private static void assertServed(TestCluster cluster, Map<String, byte[]> expected) throws Exception {
        ClusterTopology t = ClusterDiscovery.discover(RedisUri.parse(cluster.uri()));
        ServedDigest served = new ServedDigest(FORMAT);
        List<RedisConnection> open = new ArrayList<>();
        Map<String, RedisConnection> byAddress = new TreeMap<>();
        try {
            for (ClusterTopology.Shard s : t.shards()) {
                RedisConnection c = new RedisConnection(s.primary().host(), s.primary().port());
                open.add(c);
                byAddress.put(s.primary().address(), c);
            }
            List<String> wrong = new ArrayList<>();
            for (Map.Entry<String, byte[]> e : expected.entrySet()) {
                byte[] key = e.getKey().getBytes(StandardCharsets.ISO_8859_1);
                int slot = ClusterSlot.of(key);
                ClusterTopology.Shard owner = t.shards().stream().filter(s -> s.holds(slot)).findFirst().orElseThrow();
                byte[] got = served.of(byAddress.get(owner.primary().address()), key);
                if (!java.util.Arrays.equals(got, e.getValue())) {
                    wrong.add(e.getKey() + (got == null ? " missing" : " differs"));
                }
            }
            assertThat(wrong).as("keys not on their slot's primary with their value").isEmpty();
        } finally {
            open.forEach(RedisConnection::close);
        }
        assertThat(keys(cluster)).as("no other key (no temporary key left)").isEqualTo(expected.size());
    }

    private static long keys(TestCluster cluster) throws Exception {
        long n = 0;
        for (LocalRedisServer p : cluster.primaries()) {
            try (RedisConnection c = p.connect()) {
                n += c.callLong("DBSIZE");
            }
        }
        return n;
    }

    private static RedisConnection owner(TestCluster cluster, String key) throws Exception {
        return owner(ClusterDiscovery.discover(RedisUri.parse(cluster.uri())), key);
    }

    private static RedisConnection owner(ClusterTopology t, String key) throws Exception {
        int slot = ClusterSlot.of(key.getBytes(StandardCharsets.UTF_8));
        ClusterTopology.Node n = t.shards().stream().filter(s -> s.holds(slot)).findFirst().orElseThrow().primary();
        return new RedisConnection(n.host(), n.port());
    }

    /** Waits until every primary reports the same slot owners (SETSLOT NODE spreads by gossip). */
    private static void awaitAgreement(TestCluster cluster) throws Exception {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (true) {
            List<String> views = new ArrayList<>();
            for (LocalRedisServer p : cluster.primaries()) {
                ClusterTopology t = ClusterDiscovery.discover(RedisUri.parse("redis://127.0.0.1:" + p.port()));
                views.add(t.shards().stream().map(s -> s.primary().id() + s.slots()).toList().toString()
                        + t.migrations().size());
            }
            if (views.stream().distinct().count() == 1 && views.get(0).endsWith("0")) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the cluster's nodes do not agree on the slots: " + views);
            }
            Thread.sleep(100);
        }
    }
}
