package io.redback.restore;

import static org.assertj.core.api.Assertions.assertThat;

import io.redback.redis.LocalRedisServer;
import io.redback.redis.RedisConnection;
import io.redback.redis.RedisConnector;
import io.redback.redis.RedisUri;
import io.redback.testsupport.Datasets;
import io.redback.testsupport.ServerReleases;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

/**
 * Hashes whose fields have their own TTL (Redis 7.4): one above the big-key size goes into a 7.4
 * target in batches with every field's deadline (fields already expired left out), and whether
 * such a hash is lossy for an older target depends on its fields, not its encoding: one whose
 * field TTLs have all passed, or were removed, loses nothing. Data saved by Redis 7.4.1 built from
 * source (cached; the tests are skipped, saying why, when it cannot be built).
 */
@io.redback.testsupport.Slow
class FieldTtlRestoreTest {
    @TempDir
    Path tmp;

    @Test
    void aBigHashWithFieldTtlsGoesInBatchesAndKeepsEveryDeadline() throws Exception {
        Path rdb = tmp.resolve("source.rdb");
        long soon;
        Map<String, Long> deadlines = new HashMap<>();
        try (LocalRedisServer source = ServerReleases.server("redis-7.4.1").start(); Jedis j = Datasets.jedis(source)) {
            Map<String, String> fields = new HashMap<>();
            for (int i = 0; i < 3000; i++) {
                fields.put("f" + i, "value-" + i + "-" + "x".repeat(64));
            }
            j.hset("big:hfe", fields);
            for (int i = 0; i < 900; i++) {
                long d = Datasets.FAR_FUTURE_MS + i % 3; // three deadlines: three HPEXPIREAT per batch at most
                hpexpireat(j, "big:hfe", d, "f" + i);
                deadlines.put("f" + i, d);
            }
            soon = System.currentTimeMillis() + 1500;
            for (int i = 900; i < 910; i++) {
                hpexpireat(j, "big:hfe", soon, "f" + i); // saved, but passed by the time of the restore
            }
            j.pexpireAt("big:hfe", Datasets.FAR_FUTURE_MS + 7);
            j.save();
            Files.copy(source.rdbFile(), rdb);
        }
        while (System.currentTimeMillis() <= soon + 50) {
            Thread.sleep(50);
        }
        try (LocalRedisServer target = ServerReleases.server("redis-7.4.1").start();
             RedisConnection c = target.connect()) {
            LiveReport r = new LiveRestore(connector(target), LiveRestore.Options.defaults().withBigKeySize(10_000),
                    new AtomicLong()).run(rdb, System.currentTimeMillis());
            assertThat(r.outcome()).as(r.message()).isEqualTo(LiveReport.Outcome.RESTORED);
            assertThat(r.failed()).as(r.failedKeys().toString()).isZero();
            assertThat(r.restored()).isEqualTo(1);
            assertThat(r.lossy()).isZero();
            assertThat(commandCalls(c, "restore")).as("not one RESTORE").isZero();
            assertThat(commandCalls(c, "hset")).isPositive();

            assertThat(c.callLong("HLEN", "big:hfe")).isEqualTo(2990);
            assertThat(c.callLong("PEXPIRETIME", "big:hfe")).isEqualTo(Datasets.FAR_FUTURE_MS + 7);
            for (String f : List.of("f0", "f1", "f2", "f899")) {
                assertThat(fieldDeadline(c, f)).as(f).isEqualTo(deadlines.get(f));
            }
            assertThat(fieldDeadline(c, "f905")).as("expired before the restore").isEqualTo(-2);
            assertThat(fieldDeadline(c, "f2999")).as("no TTL").isEqualTo(-1);
            assertThat(new String((byte[]) c.call("HGET", "big:hfe", "f2999"), StandardCharsets.UTF_8))
                    .startsWith("value-2999-");
            assertThat(c.callLong("DBSIZE")).as("no temporary key left").isEqualTo(1);
        }
    }

    @Test
    void aFieldTtlHashIsLossyOnlyWhenAFieldTtlIsStillRunning() throws Exception {
        Path rdb = tmp.resolve("source.rdb");
        long soon;
        try (LocalRedisServer source = ServerReleases.server("redis-7.4.1").start(); Jedis j = Datasets.jedis(source)) {
            j.hset("hfe:live", Map.of("a", "1", "b", "2"));
            hpexpireat(j, "hfe:live", Datasets.FAR_FUTURE_MS, "b");
            j.hset("hfe:passed", Map.of("a", "1", "b", "2", "c", "3"));
            soon = System.currentTimeMillis() + 1500;
            hpexpireat(j, "hfe:passed", soon, "c");
            j.hset("plain", Map.of("a", "1"));
            j.save();
            Files.copy(source.rdbFile(), rdb);
        }
        while (System.currentTimeMillis() <= soon + 50) {
            Thread.sleep(50);
        }
        // The file: one lossy key for Redis 7.0, whatever both hashes' encoding.
        RdbConversion.Report converted = new RdbConversion(RdbTarget.parse("redis:7.0"), Lossy.FAIL,
                System.currentTimeMillis()).run(rdb, tmp.resolve("out.rdb"));
        assertThat(converted.lossy()).isEqualTo(1);
        assertThat(converted.lossyKeys()).containsExactly("hfe:live");
        assertThat(converted.written()).isFalse();

        try (LocalRedisServer target = Datasets.server().start(); RedisConnection c = target.connect()) {
            LiveReport refused = new LiveRestore(connector(target), LiveRestore.Options.defaults(), new AtomicLong())
                    .run(rdb, System.currentTimeMillis());
            assertThat(refused.outcome()).isEqualTo(LiveReport.Outcome.REFUSED);
            assertThat(refused.lossy()).isEqualTo(1);
            assertThat(refused.message()).contains("hfe:live").doesNotContain("hfe:passed");
            assertThat(target.keysPerDb()).as("nothing written").isEmpty();

            LiveReport skipped = new LiveRestore(connector(target), LiveRestore.Options.defaults()
                    .withLossy(Lossy.SKIP_KEY), new AtomicLong()).run(rdb, System.currentTimeMillis());
            assertThat(skipped.outcome()).as(skipped.message()).isEqualTo(LiveReport.Outcome.RESTORED);
            assertThat(skipped.lossy()).isEqualTo(1);
            assertThat(skipped.restored()).isEqualTo(2);
            assertThat(c.callLong("EXISTS", "hfe:live")).isZero();
            assertThat(c.callLong("HLEN", "hfe:passed")).as("the expired field left out").isEqualTo(2);
            assertThat(c.callLong("HLEN", "plain")).isEqualTo(1);
        }
    }

    private static void hpexpireat(Jedis j, String key, long deadline, String... fields) {
        List<String> args = new ArrayList<>(List.of(key, Long.toString(deadline), "FIELDS",
                Integer.toString(fields.length)));
        args.addAll(List.of(fields));
        j.sendCommand(() -> "HPEXPIREAT".getBytes(StandardCharsets.US_ASCII), args.toArray(new String[0]));
    }

    private static long fieldDeadline(RedisConnection c, String field) throws Exception {
        Object reply = c.call("HPEXPIRETIME", "big:hfe", "FIELDS", "1", field);
        return (Long) ((List<?>) reply).get(0);
    }

    /** How many times the target ran a command (INFO commandstats), 0 when never. */
    private static long commandCalls(RedisConnection c, String command) throws Exception {
        String line = c.info("commandstats").get("cmdstat_" + command);
        if (line == null) {
            return 0;
        }
        for (String part : line.split(",")) {
            if (part.startsWith("calls=")) {
                return Long.parseLong(part.substring(6));
            }
        }
        return 0;
    }

    private static RedisConnector connector(LocalRedisServer server) {
        return RedisConnector.of(RedisUri.parse("redis://127.0.0.1:" + server.port()));
    }
}
