package io.redback.drill;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.redback.redis.LocalRedisServer;
import io.redback.redis.RedisConnection;
import io.redback.redis.RedisConnector;
import io.redback.redis.RedisUri;
import io.redback.repo.SnapshotManifest;
import io.redback.testsupport.Datasets;
import io.redback.testsupport.StreamedSource;
import io.redback.testsupport.TestRedis;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

/**
 * The monthly restore drill as a runbook: a snapshot and a random point of a streamed window
 * restore, load and validate (keys, types, functions, named keys, asserts, sampled digests); and
 * the drills that must fail: a scratch target too small for the data, a stored object altered
 * after its manifest, a key changed in the served server before validation, a missed RTO. A
 * target that is not empty is refused.
 */
@io.redback.testsupport.Slow
class DrillTest {
    @TempDir
    Path tmp;

    /** A source server started on an RDB with every type (and a 2 MiB value), streamed into a new repository. */
    private StreamedSource streamedWithData() throws Exception {
        Path rdb;
        try (LocalRedisServer seed = Datasets.server().start(); Jedis j = Datasets.jedis(seed)) {
            Datasets.everyType(j, 500);
            j.save();
            rdb = Files.copy(seed.rdbFile(), tmp.resolve("seed.rdb"), StandardCopyOption.REPLACE_EXISTING);
        }
        return StreamedSource.start(tmp, "src", Datasets.server().rdb(rdb));
    }

    private static Drill.Options options(Drill.Point point) {
        return new Drill.Options("src", point, null, TestRedis.binary(), Drill.Options.DEFAULT_SAMPLE, null, List.of(),
                null, false);
    }

    private static Drill drill(StreamedSource s, Drill.Options o) {
        return new Drill(s.repository(), o, Drill.Listener.NONE, Clock.systemUTC(), new Random(1));
    }

    @Test
    void aSnapshotDrillPassesAndIsRecordedAsTheSourcesLatest() throws Exception {
        try (StreamedSource s = streamedWithData()) {
            Path keysFile = Files.writeString(tmp.resolve("keys.txt"), "str:small\nhash:big\ndb7:key\n");
            Drill.Options o = new Drill.Options("src", new Drill.Snapshot("latest"), null, TestRedis.binary(), -1,
                    io.redback.restore.KeyFilter.readKeys(keysFile),
                    List.of(Assertion.parse("GET str:small == hello"), Assertion.parse("HGET hash:small f2 == 22"),
                            Assertion.parse("LLEN list:big == 3000"), Assertion.parse("TYPE stream:events == stream"),
                            Assertion.parse("EXISTS set:intset")), Duration.ofHours(1), false);
            DrillResult r = drill(s, o).run();
            assertThat(r.problems()).isEmpty();
            assertThat(r.verdict()).isEqualTo("passed");
            assertThat(r.phases()).containsOnlyKeys("fetch", "verify", "load", "validate");
            assertThat(r.rtoSeconds()).isPositive().isLessThan(3600);
            assertThat(r.keys()).isGreaterThan(500);
            assertThat(r.sampled()).isEqualTo(r.keys());
            assertThat(r.serverVersion()).isNotBlank();
            SnapshotManifest latest = s.repository().catalog().latest("src").orElseThrow();
            assertThat(r.snapshot()).isEqualTo(latest.id().toString());

            Drills.record(s.repository(), r);
            assertThat(Drills.latest(s.repository(), "src")).contains(r);
            assertThat(Files.exists(s.repoDir().resolve("sources/src/drills/" + r.id() + ".json"))).isTrue();

            // --reload-check: the server writes its own RDB of the point, restarts on it, and serves it again.
            DrillResult reloaded = drill(s, new Drill.Options("src", new Drill.Snapshot("latest"), null,
                    TestRedis.binary(), -1, null, List.of(), null, false, true)).run();
            assertThat(reloaded.problems()).isEmpty();
            assertThat(reloaded.passed()).isTrue();
        }
    }

    @Test
    void aRandomPointOfTheStreamedWindowPasses() throws Exception {
        try (StreamedSource s = streamedWithData()) {
            Jedis j = s.jedis();
            for (int i = 0; i < 200; i++) {
                j.set("later:" + i, "v" + i);
                j.hset("later:h", "f" + i, Integer.toString(i));
                if (i % 50 == 0) {
                    Thread.sleep(1100); // the log's times are whole seconds: spread the writes over a few of them
                }
            }
            s.awaitShipped();
            DrillResult r = drill(s, options(new Drill.RandomSecond())).run();
            assertThat(r.problems()).isEmpty();
            assertThat(r.passed()).isTrue();
            assertThat(r.phases()).containsKeys("replay", "load", "validate");
            assertThat(r.cutOffset()).isNotNull();
            assertThat(r.timeline()).isNotNull();
            assertThat(r.sampled()).isEqualTo(Math.min(1000, r.keys()));

            DrillResult newest = drill(s, options(new Drill.Newest())).run();
            assertThat(newest.problems()).isEmpty();
            assertThat(newest.cutOffset()).isEqualTo(s.awaitShipped());
        }
    }

    @Test
    void aScratchTargetTooSmallForTheDataFailsTheDrill() throws Exception {
        try (StreamedSource s = streamedWithData();
             LocalRedisServer small = Datasets.server().config("maxmemory", "2mb")
                     .config("maxmemory-policy", "allkeys-random").start()) {
            RedisConnector into = RedisConnector.of(RedisUri.parse("redis://127.0.0.1:" + small.port()));
            Drill.Options o = new Drill.Options("src", new Drill.Snapshot("latest"), into, TestRedis.binary(), 1000,
                    null, List.of(), null, false);
            DrillResult r = drill(s, o).run();
            assertThat(r.verdict()).isEqualTo("failed");
            assertThat(r.phases()).containsKeys("fetch", "verify", "load");
            assertThat(String.join("\n", r.problems())).containsAnyOf("keys per database differ", "did not complete");
        }
    }

    @Test
    void anEmptyScratchTargetLargeEnoughPasses() throws Exception {
        try (StreamedSource s = streamedWithData(); LocalRedisServer scratch = Datasets.server().start()) {
            RedisConnector into = RedisConnector.of(RedisUri.parse("redis://127.0.0.1:" + scratch.port()));
            Drill.Options o = new Drill.Options("src", new Drill.Snapshot("latest"), into, TestRedis.binary(), -1,
                    null, List.of(Assertion.parse("GET str:small == hello")), null, false);
            DrillResult r = drill(s, o).run();
            assertThat(r.problems()).isEmpty();
            assertThat(r.target()).isEqualTo("redis://127.0.0.1:" + scratch.port());
            assertThat(r.sampled()).isEqualTo(r.keys()).isGreaterThan(500);
        }
    }

    @Test
    void aTargetThatIsNotEmptyIsRefused() throws Exception {
        try (StreamedSource s = streamedWithData(); LocalRedisServer busy = Datasets.server().start();
             RedisConnection c = busy.connect()) {
            c.call("SET", "someone:else", "x");
            RedisConnector into = RedisConnector.of(RedisUri.parse("redis://127.0.0.1:" + busy.port()));
            Drill.Options o = new Drill.Options("src", new Drill.Snapshot("latest"), into, TestRedis.binary(), 10,
                    null, List.of(), null, false);
            assertThatThrownBy(() -> drill(s, o).run()).isInstanceOf(DrillException.class)
                    .hasMessageContaining("not empty");
            assertThat(c.callLong("DBSIZE")).isEqualTo(1);
        }
    }

    @Test
    void aStoredObjectAlteredAfterItsManifestFailsAtVerify() throws Exception {
        try (StreamedSource s = streamedWithData()) {
            SnapshotManifest m = s.repository().catalog().latest("src").orElseThrow();
            Path object = s.repoDir().resolve(m.object());
            byte[] bytes = Files.readAllBytes(object);
            bytes[bytes.length / 2] ^= 0x40;
            Files.write(object, bytes);
            DrillResult r = drill(s, options(new Drill.Snapshot("latest"))).run();
            assertThat(r.verdict()).isEqualTo("failed");
            assertThat(r.problems()).singleElement().asString().contains("the restore failed", m.object());
            assertThat(r.phases()).doesNotContainKeys("load", "validate");
        }
    }

    @Test
    void aKeyChangedInTheServedServerBeforeValidationIsNamed() throws Exception {
        try (StreamedSource s = streamedWithData()) {
            Drill.Options o = new Drill.Options("src", new Drill.Snapshot("latest"), null, TestRedis.binary(), -1,
                    Set.of(ByteBuffer.wrap("str:small".getBytes(StandardCharsets.UTF_8))), List.of(), null, false);
            DrillResult r = drill(s, o).beforeValidate(c -> {
                try {
                    c.call("SELECT", 0);
                    c.call("SET", "str:small", "tampered");
                    c.call("DEL", "str:int");
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).run();
            assertThat(r.verdict()).isEqualTo("failed");
            String problems = String.join("\n", r.problems());
            assertThat(problems).contains("sampled keys differ", "db 0 key str:small: expected digest",
                    "db 0 key str:int: missing", "keys per database differ", "keys per type differ");
        }
    }

    @Test
    void aMissedRtoFailsTheDrill() throws Exception {
        try (StreamedSource s = streamedWithData()) {
            Drill.Options o = new Drill.Options("src", new Drill.Snapshot("latest"), null, TestRedis.binary(), 10,
                    null, List.of(), Duration.ofMillis(1), false);
            DrillResult r = drill(s, o).run();
            assertThat(r.verdict()).isEqualTo("failed");
            assertThat(r.rtoLimitSeconds()).isEqualTo(0.001);
            assertThat(r.problems()).singleElement().asString().contains("more than the RTO");
        }
    }

    @Test
    void keepLeavesTheServerRunningForAPersonToLookAt() throws Exception {
        try (StreamedSource s = streamedWithData()) {
            Drill.Options o = new Drill.Options("src", new Drill.Snapshot("latest"), null, TestRedis.binary(), 10,
                    null, List.of(), null, true);
            DrillResult r = drill(s, o).run();
            assertThat(r.passed()).isTrue();
            assertThat(r.kept()).startsWith("127.0.0.1:");
            int port = Integer.parseInt(r.kept().split(" ")[0].split(":")[1]);
            try (RedisConnection c = new RedisConnection("127.0.0.1", port)) {
                assertThat(c.callString("GET", "str:small")).isEqualTo("hello");
                try {
                    c.call("SHUTDOWN", "NOSAVE");
                } catch (java.io.IOException gone) {
                    // the server closes the connection as it exits
                }
            }
            String files = r.kept().substring(r.kept().indexOf("files in ") + 9, r.kept().length() - 1);
            Path folder = Path.of(files).getParent();
            assertThat(folder.getFileName().toString()).startsWith("redback-drill-");
            try (var all = Files.walk(folder)) {
                for (Path p : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }
}
