package io.redback.drill;

import static org.assertj.core.api.Assertions.assertThat;

import io.redback.cluster.ClusterBackup;
import io.redback.cluster.ClusterDiscovery;
import io.redback.cluster.ClusterSlot;
import io.redback.cluster.ClusterSnapshot;
import io.redback.redis.LocalRedisServer;
import io.redback.redis.RedisConnection;
import io.redback.redis.RedisConnector;
import io.redback.redis.RedisUri;
import io.redback.redis.ReplicaOptions;
import io.redback.repo.Compression;
import io.redback.repo.Repository;
import io.redback.storage.file.FileStorage;
import io.redback.testsupport.TestCluster;
import io.redback.testsupport.TestRedis;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A cluster snapshot's drill with the checks a standalone drill has: the reload check of the
 * throwaway server (SAVE, a restart on that file, validated again: a key lost on the way fails
 * it), and {@code --assert}s, into the throwaway server and into a cluster, where each read goes
 * to the primary serving its key's slot, also after the slot moved (MOVED followed). One
 * two-primary cluster serves as the source of the snapshot and, emptied, as the target.
 */
@io.redback.testsupport.Slow
class ClusterDrillTest {
    private static final int KEYS = 300;
    private static TestCluster cluster;
    private static Repository repository;
    private static ClusterSnapshot snapshot;
    /** A key the second primary serves, and its value. */
    private static String second;

    @TempDir
    static Path tmp;

    @BeforeAll
    static void snapshotOfATwoPrimaryCluster() throws Exception {
        cluster = TestCluster.start(2);
        for (int i = 0; i < KEYS; i++) {
            String key = "item:" + i;
            try (RedisConnection c = owner(key).connect()) {
                c.call("SET", key, "value-" + i);
            }
            if (second == null && owner(key) == cluster.primaries().get(1)) {
                second = key;
            }
        }
        try (RedisConnection c = owner("{user:7}:profile").connect()) {
            c.call("HSET", "{user:7}:profile", "name", "Ada Lovelace", "age", "36");
        }
        repository = Repository.init(new FileStorage(tmp.resolve("repo")), Clock.systemUTC());
        RedisUri uri = RedisUri.parse(cluster.uri());
        snapshot = ClusterBackup.take(repository, "shop", ClusterDiscovery.discover(uri), uri,
                new ClusterBackup.Options(false, false, Compression.DEFAULT, ReplicaOptions.defaults()),
                Clock.systemUTC()).manifest();
        emptyCluster();
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static LocalRedisServer owner(String key) {
        return cluster.primaryFor(ClusterSlot.of(key.getBytes(StandardCharsets.UTF_8)));
    }

    private static void emptyCluster() throws IOException {
        for (LocalRedisServer p : cluster.primaries()) {
            try (RedisConnection c = p.connect()) {
                c.call("FLUSHALL");
            }
        }
    }

    private static Drill.Options options(RedisConnector into, int sample, List<String> asserts, boolean reloadCheck) {
        return new Drill.Options(null, new Drill.Snapshot(snapshot.id()), into, TestRedis.binary(), sample, null,
                asserts.stream().map(Assertion::parse).toList(), null, false, reloadCheck);
    }

    private static ClusterDrill drill(Drill.Options o) {
        return new ClusterDrill(repository, snapshot, o, Drill.Listener.NONE, Clock.systemUTC(), new Random(1));
    }

    @Test
    void theReloadCheckOfTheThrowawayServerPassesAndFindsAKeyLostOnTheWay() throws Exception {
        assertThat(owner(second)).isSameAs(cluster.primaries().get(1));
        List<String> asserts = List.of("GET " + second + " == " + second.replace("item:", "value-"),
                "HGET {user:7}:profile name == 'Ada Lovelace'");
        DrillResult passed = drill(options(null, -1, asserts, true)).run();
        assertThat(passed.problems()).isEmpty();
        assertThat(passed.passed()).isTrue();
        assertThat(passed.keys()).isEqualTo(KEYS + 1);
        assertThat(passed.sampled()).isEqualTo(KEYS + 1);

        // A key the server loses between validating and its own SAVE: only the check after the restart sees it.
        DrillResult lost = drill(options(null, -1, asserts, true)).beforeReload(uri -> {
            try (RedisConnection c = RedisConnector.of(uri).connect()) {
                c.call("DEL", "item:0");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }).run();
        assertThat(lost.verdict()).isEqualTo("failed");
        String problems = String.join("\n", lost.problems());
        assertThat(problems).contains("after SAVE and a restart: keys served: " + KEYS + ", expected " + (KEYS + 1),
                "after SAVE and a restart: sampled keys differ: key item:0: missing");
        assertThat(lost.problems()).allMatch(p -> p.startsWith("after SAVE and a restart: "));

        // A wrong expected value fails the drill into the throwaway server too.
        DrillResult wrong = drill(options(null, 10, List.of("GET " + second + " == nope"), false)).run();
        assertThat(wrong.verdict()).isEqualTo("failed");
        assertThat(wrong.problems()).singleElement().asString()
                .isEqualTo("assert GET " + second + " == nope: expected nope, served " + second.replace("item:", "value-"));
    }

    @Test
    void assertsIntoAClusterReadFromThePrimaryOfTheirKeysSlotAlsoAfterItMoved() throws Exception {
        RedisConnector into = RedisConnector.of(RedisUri.parse(cluster.uri()));
        String value = second.replace("item:", "value-");
        DrillResult r = drill(options(into, 50, List.of("GET " + second + " == " + value, "EXISTS item:0",
                "HGET {user:7}:profile age == 36", "GET " + second + " == nope"), false)).run();
        assertThat(r.verdict()).isEqualTo("failed");
        assertThat(r.problems()).as("only the wrong value, each read on its slot's primary").singleElement().asString()
                .isEqualTo("assert GET " + second + " == nope: expected nope, served " + value);
        assertThat(r.target()).contains("a cluster of 2 primaries");

        // The slot moves to the first primary after the drill read the topology: the reads (the
        // assertion's, the sampled digests of every key, the --keys-from key) follow MOVED.
        emptyCluster();
        int slot = ClusterSlot.of(second.getBytes(StandardCharsets.UTF_8));
        Drill.Options everyKey = new Drill.Options(null, new Drill.Snapshot(snapshot.id()), into, TestRedis.binary(),
                -1, java.util.Set.of(java.nio.ByteBuffer.wrap(second.getBytes(StandardCharsets.UTF_8))),
                List.of(Assertion.parse("GET " + second + " == " + value)), null, false, false);
        DrillResult moved = drill(everyKey)
                .beforeValidate(uri -> {
                    try {
                        moveSlot(slot, cluster.primaries().get(1), cluster.primaries().get(0));
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }).run();
        assertThat(moved.problems()).isEmpty();
        assertThat(moved.sampled()).as("every key sampled, the moved one too").isEqualTo(KEYS + 1);
        try (RedisConnection c = cluster.primaries().get(0).connect()) {
            assertThat(c.callString("GET", second)).as("the key now lives on the first primary").isEqualTo(value);
        }
        emptyCluster();
        moveSlot(slot, cluster.primaries().get(0), cluster.primaries().get(1));
    }

    /** Moves slot with its keys from one primary to another (IMPORTING/MIGRATING, MIGRATE, SETSLOT NODE). */
    private static void moveSlot(int slot, LocalRedisServer from, LocalRedisServer to) throws IOException {
        try (RedisConnection f = from.connect(); RedisConnection t = to.connect()) {
            String fromId = f.callString("CLUSTER", "MYID");
            String toId = t.callString("CLUSTER", "MYID");
            String s = Integer.toString(slot);
            t.call("CLUSTER", "SETSLOT", s, "IMPORTING", fromId);
            f.call("CLUSTER", "SETSLOT", s, "MIGRATING", toId);
            List<?> keys = (List<?>) f.call("CLUSTER", "GETKEYSINSLOT", s, "1000");
            if (!keys.isEmpty()) {
                List<Object> migrate = new java.util.ArrayList<>(List.of("MIGRATE", to.host(),
                        Integer.toString(to.port()), "", "0", "5000", "KEYS"));
                migrate.addAll(keys);
                f.call(migrate.toArray());
            }
            t.call("CLUSTER", "SETSLOT", s, "NODE", toId);
            f.call("CLUSTER", "SETSLOT", s, "NODE", toId);
        }
    }
}
