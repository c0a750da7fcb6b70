package io.redback.restore;

import static org.assertj.core.api.Assertions.assertThat;

import io.redback.redis.LocalRedisServer;
import io.redback.redis.RedisConnection;
import io.redback.redis.RedisConnector;
import io.redback.redis.RedisUri;
import io.redback.redis.ServerIdentity;
import io.redback.testsupport.Datasets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Plain strings go as {@code SET ... [PXAT] [NX]} rather than RESTORE: every form the RDB holds
 * them in (integers of 8, 16 and 32 bits, negative, non-canonical digits, empty, binary, short and
 * long) comes back with the same value, encoding and deadline; an LZF-compressed one and one with
 * an LFU frequency still go as RESTORE; the conflict policies hold as for RESTORE.
 */
@io.redback.testsupport.Slow
class StringFormsRestoreTest {
    @TempDir
    Path tmp;

    private static final Map<String, Object> STRINGS = new LinkedHashMap<>();

    static {
        STRINGS.put("int8", "7");
        STRINGS.put("int8:negative", "-100");
        STRINGS.put("int16", "30000");
        STRINGS.put("int16:negative", "-32768");
        STRINGS.put("int32", "-2000000000");
        STRINGS.put("int32:max", "2147483647");
        STRINGS.put("long", "12345678901"); // above 32 bits: digits in the file, int in memory
        STRINGS.put("zeros", "007"); // not canonical: stays a string
        STRINGS.put("empty", "");
        STRINGS.put("short", "hello");
        STRINGS.put("binary", new byte[] {0, '\r', '\n', (byte) 0xFF, '$', '-', '1'});
        byte[] random = new byte[5_000];
        new java.util.Random(7).nextBytes(random); // incompressible: a 14-bit length, no LZF
        STRINGS.put("raw", random);
    }

    @Test
    void everyStringFormComesBackTheSameThroughSet() throws Exception {
        Path rdb;
        String digest;
        Map<String, String> encodings = new LinkedHashMap<>();
        try (LocalRedisServer source = Datasets.server().start(); RedisConnection c = source.connect()) {
            for (Map.Entry<String, Object> e : STRINGS.entrySet()) {
                c.call("SET", e.getKey(), e.getValue());
                c.call("SET", "{ttl}" + e.getKey(), e.getValue(), "PXAT", Long.toString(Datasets.FAR_FUTURE_MS));
            }
            c.call("SET", "lzf", "a".repeat(500));
            for (String k : STRINGS.keySet()) {
                encodings.put(k, c.callString("OBJECT", "ENCODING", k));
            }
            digest = Datasets.digest(source);
            rdb = save(source, c, "source.rdb");
        }
        try (LocalRedisServer target = Datasets.server().start(); RedisConnection c = target.connect()) {
            LiveReport report = restore(target, rdb, LiveRestore.Options.defaults());
            assertThat(report.failed()).as(report.failedKeys().toString()).isZero();
            assertThat(report.restored()).isEqualTo(2L * STRINGS.size() + 1);
            assertThat(Datasets.digest(target)).as("DEBUG DIGEST, TTLs included").isEqualTo(digest);
            for (String k : STRINGS.keySet()) {
                assertThat(c.callString("OBJECT", "ENCODING", k)).as(k).isEqualTo(encodings.get(k));
                assertThat(c.callLong("PEXPIRETIME", "{ttl}" + k)).as(k).isEqualTo(Datasets.FAR_FUTURE_MS);
                assertThat(c.callLong("PEXPIRETIME", k)).as(k).isEqualTo(-1);
            }
            assertThat(calls(c, "set")).isEqualTo(2L * STRINGS.size());
            assertThat(calls(c, "restore")).as("the LZF-compressed string").isEqualTo(1);
        }
    }

    @Test
    void conflictsHoldForStringsAsForRestore() throws Exception {
        Path rdb;
        try (LocalRedisServer source = Datasets.server().start(); RedisConnection c = source.connect()) {
            c.call("SET", "taken", "from-source");
            c.call("SET", "taken:ttl", "from-source", "PXAT", Long.toString(Datasets.FAR_FUTURE_MS));
            c.call("SET", "free", "42");
            rdb = save(source, c, "source.rdb");
        }
        try (LocalRedisServer target = Datasets.server().start(); RedisConnection c = target.connect()) {
            c.call("SET", "taken", "live", "PXAT", Long.toString(Datasets.FAR_FUTURE_MS + 5));
            c.call("SET", "taken:ttl", "live");
            LiveReport skip = restore(target, rdb, LiveRestore.Options.defaults().withOnConflict(OnConflict.SKIP));
            assertThat(skip.restored()).isEqualTo(1);
            assertThat(skip.skipped()).isEqualTo(2);
            assertThat(skip.conflicts()).isEqualTo(2);
            assertThat(c.callString("GET", "taken")).isEqualTo("live");
            assertThat(c.callLong("PEXPIRETIME", "taken")).isEqualTo(Datasets.FAR_FUTURE_MS + 5);
            assertThat(c.callString("GET", "free")).isEqualTo("42");

            LiveReport replace = restore(target, rdb, LiveRestore.Options.defaults().withOnConflict(OnConflict.REPLACE));
            assertThat(replace.restored()).isEqualTo(3);
            assertThat(c.callString("GET", "taken")).isEqualTo("from-source");
            assertThat(c.callLong("PEXPIRETIME", "taken")).as("the source's key had no deadline").isEqualTo(-1);
            assertThat(c.callLong("PEXPIRETIME", "taken:ttl")).isEqualTo(Datasets.FAR_FUTURE_MS);
        }
    }

    @Test
    void aStringWithAnLfuFrequencyGoesAsRestoreToKeepIt() throws Exception {
        Path rdb;
        try (LocalRedisServer source = Datasets.server().config("maxmemory-policy", "allkeys-lfu").start();
             RedisConnection c = source.connect()) {
            c.call("SET", "hot", "v");
            for (int i = 0; i < 200; i++) {
                c.call("GET", "hot");
            }
            rdb = save(source, c, "source.rdb");
        }
        try (LocalRedisServer target = Datasets.server().config("maxmemory-policy", "allkeys-lfu").start();
             RedisConnection c = target.connect()) {
            LiveReport report = restore(target, rdb, LiveRestore.Options.defaults());
            assertThat(report.restored()).isEqualTo(1);
            assertThat(calls(c, "restore")).isEqualTo(1);
            assertThat(calls(c, "set")).isZero();
            assertThat(c.callLong("OBJECT", "FREQ", "hot")).isGreaterThan(1);
        }
    }

    @Test
    void aUserWhoMayNotRunSetGetsItsStringsAsRestore() throws Exception {
        Path rdb;
        String digest;
        try (LocalRedisServer source = Datasets.server().start(); RedisConnection c = source.connect()) {
            for (int i = 0; i < 5_000; i++) {
                c.call("SET", "s:" + i, "v" + i);
            }
            c.call("SET", "ttl", "x", "PXAT", Long.toString(Datasets.FAR_FUTURE_MS));
            c.call("RPUSH", "list", "a", "b");
            digest = Datasets.digest(source);
            rdb = save(source, c, "source.rdb");
        }
        try (LocalRedisServer target = Datasets.server().start(); RedisConnection c = target.connect()) {
            // An ACL made for restores: RESTORE (and what a restore reads), not SET.
            c.call("ACL", "SETUSER", "restorer", "on", ">pw", "~*", "&*", "+@all", "-set");
            LiveReport report = new LiveRestore(RedisConnector.of(RedisUri.parse("redis://restorer:pw@127.0.0.1:"
                    + target.port())), LiveRestore.Options.defaults(), new AtomicLong()).run(rdb, System.currentTimeMillis());
            assertThat(report.outcome()).as(report.message()).isEqualTo(LiveReport.Outcome.RESTORED);
            assertThat(report.restored()).isEqualTo(5_002);
            assertThat(report.failed()).isZero();
            assertThat(Datasets.digest(target)).isEqualTo(digest);
            assertThat(c.callLong("PEXPIRETIME", "ttl")).isEqualTo(Datasets.FAR_FUTURE_MS);
            assertThat(calls(c, "set")).as("every SET was refused").isZero();
            assertThat(calls(c, "restore")).isEqualTo(5_002);
        }
    }

    @Test
    void setTakesADeadlineFromRedis62AndEveryValkey() {
        assertThat(target("redis", "6.0.20").setsWithDeadline()).isFalse();
        assertThat(target("redis", "6.2.0").setsWithDeadline()).isTrue();
        assertThat(target("redis", "7.0.15").setsWithDeadline()).isTrue();
        assertThat(target("valkey", "7.2.5").setsWithDeadline()).isTrue();
        assertThat(target(null, null).setsWithDeadline()).as("no INFO: RESTORE, which every release takes").isFalse();
    }

    private static TargetServer target(String name, String version) {
        return new TargetServer(new ServerIdentity(name, version), 0, false, 0, 0, "noeviction");
    }

    private Path save(LocalRedisServer source, RedisConnection c, String name) throws Exception {
        c.call("SAVE");
        Path copy = tmp.resolve(name);
        Files.copy(source.rdbFile(), copy, StandardCopyOption.REPLACE_EXISTING);
        return copy;
    }

    private static LiveReport restore(LocalRedisServer target, Path rdb, LiveRestore.Options options) throws Exception {
        return new LiveRestore(RedisConnector.of(RedisUri.parse("redis://127.0.0.1:" + target.port())), options,
                new AtomicLong()).run(rdb, System.currentTimeMillis());
    }

    /** How many times the target ran a command (INFO commandstats), 0 when never. */
    private static long calls(RedisConnection c, String command) throws Exception {
        String line = c.info("commandstats").get("cmdstat_" + command);
        return line == null ? 0 : Long.parseLong(line.substring(6, line.indexOf(',')));
    }
}
