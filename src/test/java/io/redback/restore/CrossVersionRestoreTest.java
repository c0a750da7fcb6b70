package io.redback.restore;

import static org.assertj.core.api.Assertions.assertThat;

import io.redback.rdb.RdbReader;
import io.redback.redis.LocalRedisServer;
import io.redback.redis.RedisConnection;
import io.redback.redis.RedisConnector;
import io.redback.redis.RedisUri;
import io.redback.testsupport.Datasets;
import java.io.BufferedInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Data written by Redis 7.2, 7.4 and Valkey 8 goes into Redis 7.0.15 (the server on PATH), whose
 * RESTORE refuses their DUMP version and some of their encodings (the fixtures, and data saved now
 * by those releases built from source): live, every key the target
 * holds afterwards has the source's DEBUG DIGEST-VALUE; as a converted file, redis-check-rdb
 * accepts it and redis-server loads it with the same values. Hashes with field TTLs follow
 * --lossy: fail refuses before writing anything, skip-key leaves them out.
 */
@io.redback.testsupport.Slow
class CrossVersionRestoreTest {
    @TempDir
    Path tmp;

    /** A key: database and name. */
    private record Key(int db, String name) {}

    @ParameterizedTest
    @ValueSource(strings = {"redis-7.2.6", "redis-7.4.1", "valkey-8.0.1"})
    void newerDataGoesLiveIntoRedis70WithTheSameValues(String release) throws Exception {
        Path source = RdbConversionTest.fixture(release + "/dump.rdb");
        long now = System.currentTimeMillis();
        Map<Key, String> want = aliveDigests(source, now);
        try (LocalRedisServer target = Datasets.server().start(); RedisConnection c = target.connect()) {
            LiveReport r = new LiveRestore(connector(target), LiveRestore.Options.defaults()
                    .withLossy(Lossy.DROP_FIELD_TTL), new AtomicLong()).run(source, now);
            assertThat(r.outcome()).as(r.message()).isEqualTo(LiveReport.Outcome.RESTORED);
            assertThat(r.failed()).as(r.failedKeys().toString()).isZero();
            assertThat(r.restored()).isPositive();
            assertDigests(c, want);
        }
    }

    /** Data written now by each newer release (built from source and cached; skipped when it cannot be). */
    @ParameterizedTest
    @ValueSource(strings = {"redis-7.2.6", "redis-7.4.1", "valkey-8.0.1"})
    void dataSavedByANewerServerGoesIntoRedis70(String release) throws Exception {
        Path rdb = tmp.resolve("source.rdb");
        try (LocalRedisServer source = io.redback.testsupport.ServerReleases.server(release)
                .config("enable-debug-command", "yes").start();
             redis.clients.jedis.Jedis j = Datasets.jedis(source)) {
            Datasets.everyType(j, 200);
            for (int i = 0; i < 40; i++) {
                j.sadd("set:lp:" + i, "a" + i, "b", "c");
                j.sadd("set:int:" + i, "1", "2", Integer.toString(i));
            }
            if (release.equals("redis-7.4.1")) {
                j.hset("hfe:one", Map.of("a", "1", "b", "2"));
                j.sendCommand(() -> "HPEXPIREAT".getBytes(StandardCharsets.US_ASCII), "hfe:one",
                        Long.toString(Datasets.FAR_FUTURE_MS), "FIELDS", "1", "b");
            }
            j.save();
            Files.copy(source.rdbFile(), rdb);
        }
        long now = System.currentTimeMillis();
        Map<Key, String> want = aliveDigests(rdb, now);
        try (LocalRedisServer target = Datasets.server().start(); RedisConnection c = target.connect()) {
            LiveReport r = new LiveRestore(connector(target), LiveRestore.Options.defaults()
                    .withLossy(Lossy.DROP_FIELD_TTL), new AtomicLong()).run(rdb, now);
            assertThat(r.outcome()).as(r.message()).isEqualTo(LiveReport.Outcome.RESTORED);
            assertThat(r.failed()).as(r.failedKeys().toString()).isZero();
            assertDigests(c, want);
            if (release.equals("redis-7.4.1")) {
                assertThat(r.lossy()).isEqualTo(1);
                c.call("SELECT", 0);
                assertThat(c.callLong("HLEN", "hfe:one")).isEqualTo(2);
            }
        }
    }

    @Test
    void aConvertedFileChecksWithRedisCheckRdbAndLoadsIntoRedis70() throws Exception {
        Path source = RdbConversionTest.fixture("redis-7.4.1/dump.rdb");
        Path converted = tmp.resolve("converted.rdb");
        long now = System.currentTimeMillis();
        RdbConversion.Report report = new RdbConversion(RdbTarget.parse("redis:7.0"), Lossy.DROP_FIELD_TTL, now)
                .run(source, converted);
        assertThat(report.ok()).as(report.problem()).isTrue();
        Process check;
        try {
            check = new ProcessBuilder("redis-check-rdb", converted.toString()).redirectErrorStream(true).start();
        } catch (java.io.IOException e) {
            Assumptions.abort("redis-check-rdb is not on PATH: " + e.getMessage());
            return;
        }
        String checkOutput = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(check.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(check.exitValue()).as(checkOutput).isZero();
        Map<Key, String> want = aliveDigests(converted, now);
        try (LocalRedisServer target = Datasets.server().rdb(converted).start(); RedisConnection c = target.connect()) {
            assertDigests(c, want);
        }
    }

    @Test
    void hashesWithFieldTtlsAreRefusedByDefaultOrLeftOut() throws Exception {
        Path source = RdbConversionTest.fixture("redis-7.4.1/dump.rdb");
        try (LocalRedisServer target = Datasets.server().start(); RedisConnection c = target.connect()) {
            LiveReport refused = new LiveRestore(connector(target), LiveRestore.Options.defaults(), new AtomicLong())
                    .run(source, System.currentTimeMillis());
            assertThat(refused.outcome()).isEqualTo(LiveReport.Outcome.REFUSED);
            assertThat(refused.message()).contains("hfe:").contains("nothing was written").contains("--lossy");
            assertThat(refused.lossy()).isPositive();
            assertThat(target.keysPerDb()).as("nothing written").isEmpty();

            LiveReport skipped = new LiveRestore(connector(target), LiveRestore.Options.defaults()
                    .withLossy(Lossy.SKIP_KEY), new AtomicLong()).run(source, System.currentTimeMillis());
            assertThat(skipped.outcome()).as(skipped.message()).isEqualTo(LiveReport.Outcome.RESTORED);
            assertThat(skipped.failed()).as(skipped.failedKeys().toString()).isZero();
            assertThat(skipped.lossy()).isEqualTo(refused.lossy());
            assertThat(skipped.lossyKeys()).isNotEmpty();
            for (LiveReport.KeyRef k : skipped.lossyKeys()) {
                c.call("SELECT", k.db());
                assertThat(c.callLong("EXISTS", k.key())).as(k.key()).isZero();
            }
        }
    }

    private static RedisConnector connector(LocalRedisServer server) {
        return RedisConnector.of(RedisUri.parse("redis://127.0.0.1:" + server.port()));
    }

    /** Keys alive at {@code now} without field TTLs (their digest changes when the TTLs go), with Redis 7.0's digest. */
    private static Map<Key, String> aliveDigests(Path rdb, long now) throws Exception {
        Map<Key, String> out = new LinkedHashMap<>();
        try (InputStream s = new BufferedInputStream(Files.newInputStream(rdb))) {
            new RdbReader(s).read(new KeyDigest(KeyDigest.ScoreFormat.PRINTF_17G, (key, digest) -> {
                if (digest != null && !(key.hasExpiry() && key.expireAtMs() <= now + 5_000)
                        && !Reencoder.hasFieldTtls(key.type())) {
                    out.put(new Key(key.db(), key.nameUtf8()), KeyDigest.hex(digest));
                }
            }));
        }
        assertThat(out).isNotEmpty();
        return out;
    }

    private static void assertDigests(RedisConnection c, Map<Key, String> want) throws Exception {
        for (Map.Entry<Key, String> e : want.entrySet()) {
            c.call("SELECT", e.getKey().db());
            Object reply = c.call("DEBUG", "DIGEST-VALUE", e.getKey().name());
            String got = LiveRestore.text(((List<?>) reply).get(0));
            assertThat(got).as(e.getKey().toString()).isEqualTo(e.getValue());
        }
    }
}
