package io.redback.restore;

import static org.assertj.core.api.Assertions.assertThat;

import io.redback.redis.LocalRedisServer;
import io.redback.redis.RedisConnection;
import io.redback.redis.RedisConnector;
import io.redback.redis.RedisUri;
import io.redback.testsupport.Datasets;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Values above the big-key size go in batches to a temporary key renamed into place: every type
 * that can comes back whole (DEBUG DIGEST of the target equals the source's, expiry absolute),
 * through batches and not RESTORE (the target's command statistics say so), no temporary key is
 * left, and the conflict policy holds for them as for the others.
 */
@io.redback.testsupport.Slow
class BigKeyRestoreTest {
    private static final long BIG = 64 << 10;

    @TempDir
    Path tmp;

    @Test
    void bigKeysOfEveryTypeComeBackWholeThroughBatches() throws Exception {
        String digest;
        Path rdb;
        try (LocalRedisServer source = Datasets.server().start(); RedisConnection c = source.connect()) {
            fill(c);
            digest = Datasets.digest(source);
            rdb = save(source, c);
        }
        try (LocalRedisServer target = Datasets.server().start(); RedisConnection c = target.connect()) {
            LiveReport report = restore(target, rdb, LiveRestore.Options.defaults().withBigKeySize(BIG));
            assertThat(report.outcome()).as(report.message()).isEqualTo(LiveReport.Outcome.RESTORED);
            assertThat(report.failed()).as(report.failedKeys().toString()).isZero();
            assertThat(report.restored()).isEqualTo(10);
            assertThat(Datasets.digest(target)).as("DEBUG DIGEST, TTLs included").isEqualTo(digest);
            assertThat(c.callLong("PEXPIRETIME", "big:list")).isEqualTo(Datasets.FAR_FUTURE_MS);
            assertThat(c.callLong("PEXPIRETIME", "{user:7}:hash")).isEqualTo(Datasets.FAR_FUTURE_MS + 1);
            assertThat(c.callLong("PEXPIRETIME", "big:zset")).isEqualTo(-1);
            assertThat((List<?>) c.call("KEYS", "*redback-tmp*")).as("no temporary key left").isEmpty();
            Map<String, String> stats = c.info("commandstats");
            for (String cmd : List.of("sadd", "zadd", "hset", "setrange", "eval")) {
                assertThat(stats).as("big keys went through " + cmd).containsKey("cmdstat_" + cmd);
            }
            // The small set, the stream and the name with a '}' but no tag (LZF in the file): one RESTORE
            // each; the small string went as SET.
            assertThat(stats.get("cmdstat_restore")).startsWith("calls=3,");
            assertThat(stats.get("cmdstat_set")).startsWith("calls=1,");
        }
    }

    @Test
    void keyNamesAndFunctionCodeAbove64KiBGoWhole() throws Exception {
        String name = "long:" + "n".repeat(70_000);
        String code = "#!lua name=longlib\n-- " + "x".repeat(70_000)
                + "\nredis.register_function('longf', function() return 7 end)";
        Path rdb;
        try (LocalRedisServer source = Datasets.server().start(); RedisConnection c = source.connect()) {
            c.call("SET", name, "v");
            c.call("SET", "short", "w");
            c.call("FUNCTION", "LOAD", code);
            rdb = save(source, c);
        }
        try (LocalRedisServer target = Datasets.server().start(); RedisConnection c = target.connect()) {
            LiveReport report = restore(target, rdb, LiveRestore.Options.defaults());
            assertThat(report.outcome()).as(report.message()).isEqualTo(LiveReport.Outcome.RESTORED);
            assertThat(report.restored()).isEqualTo(2);
            assertThat(c.callString("GET", name)).isEqualTo("v");
            assertThat(c.callLong("DBSIZE")).isEqualTo(2);
            assertThat(c.callLong("FCALL", "longf", "0")).isEqualTo(7);

            // A conflict on such a name is found before anything is written, not as BUSYKEY later.
            c.call("DEL", "short");
            c.call("SET", name, "theirs");
            LiveReport conflict = restore(target, rdb, LiveRestore.Options.defaults().withFunctions(false));
            assertThat(conflict.outcome()).as(conflict.message()).isEqualTo(LiveReport.Outcome.REFUSED);
            assertThat(conflict.conflicts()).isEqualTo(1);
            assertThat(c.callLong("EXISTS", "short")).as("nothing written").isZero();
            assertThat(c.callString("GET", name)).isEqualTo("theirs");
        }
    }

    @Test
    void bigKeysFollowTheConflictPolicy() throws Exception {
        Path rdb;
        try (LocalRedisServer source = Datasets.server().start(); RedisConnection c = source.connect()) {
            fill(c);
            rdb = save(source, c);
        }
        try (LocalRedisServer target = Datasets.server().start(); RedisConnection c = target.connect()) {
            c.call("SET", "big:list", "theirs");
            LiveReport skip = restore(target, rdb, LiveRestore.Options.defaults().withBigKeySize(BIG)
                    .withOnConflict(OnConflict.SKIP));
            assertThat(skip.outcome()).as(skip.message()).isEqualTo(LiveReport.Outcome.RESTORED);
            assertThat(skip.skipped()).isEqualTo(1);
            assertThat(c.callString("GET", "big:list")).isEqualTo("theirs");
            assertThat((List<?>) c.call("KEYS", "*redback-tmp*")).isEmpty();

            LiveReport fail = restore(target, rdb, LiveRestore.Options.defaults().withBigKeySize(BIG));
            assertThat(fail.outcome()).isEqualTo(LiveReport.Outcome.REFUSED);

            LiveReport replace = restore(target, rdb, LiveRestore.Options.defaults().withBigKeySize(BIG)
                    .withOnConflict(OnConflict.REPLACE));
            assertThat(replace.outcome()).as(replace.message()).isEqualTo(LiveReport.Outcome.RESTORED);
            assertThat(replace.restored()).isEqualTo(10);
            assertThat(c.callLong("LLEN", "big:list")).isEqualTo(20_000);
            assertThat((List<?>) c.call("KEYS", "*redback-tmp*")).isEmpty();
        }
    }

    @Test
    void aTargetRestartedInTheMiddleOfABigKeyGetsItWholeAndNothingTwice() throws Exception {
        Path rdb;
        String digest;
        try (LocalRedisServer source = Datasets.server().start(); RedisConnection c = source.connect()) {
            for (int i = 0; i < 200_000; i += 1000) {
                Object[] args = new Object[1002];
                args[0] = "RPUSH";
                args[1] = "big:list";
                for (int j = 0; j < 1000; j++) {
                    args[2 + j] = "item-" + (i + j) + "-" + "q".repeat(20);
                }
                c.call(args);
            }
            digest = Datasets.digest(source);
            rdb = save(source, c);
        }
        Path dir = Files.createDirectories(tmp.resolve("target"));
        LocalRedisServer.Builder builder = Datasets.server().dir(dir).config("appendonly", "yes")
                .config("appendfsync", "always");
        LocalRedisServer first = builder.start();
        int port = first.port();
        java.util.concurrent.atomic.AtomicReference<Object> result = new java.util.concurrent.atomic.AtomicReference<>();
        // ~6 MB at 2 MB/s: the restart comes while the list is being written.
        LiveRestore.Options options = LiveRestore.Options.defaults().withBigKeySize(BIG)
                .withThrottle(new Throttle(0, 2e6, 0, Duration.ofSeconds(5), Duration.ofSeconds(60)));
        Thread t = new Thread(() -> {
            try {
                result.set(restore(first, rdb, options));
            } catch (Throwable e) {
                result.set(e);
            }
        });
        t.start();
        try (RedisConnection watch = first.connect()) {
            long deadline = System.currentTimeMillis() + 30_000;
            while (System.currentTimeMillis() < deadline) {
                List<?> tmpKeys = (List<?>) watch.call("KEYS", "*redback-tmp*");
                if (!tmpKeys.isEmpty() && watch.callLong("LLEN", tmpKeys.get(0)) > 20_000) {
                    break;
                }
                Thread.sleep(5);
            }
        }
        assertThat(t.isAlive()).as("still writing the big key when the target goes down").isTrue();
        first.close();
        try (LocalRedisServer second = builder.port(port).start(); RedisConnection c = second.connect()) {
            t.join(120_000);
            assertThat(result.get()).isInstanceOf(LiveReport.class);
            LiveReport report = (LiveReport) result.get();
            assertThat(report.outcome()).as(report.message()).isEqualTo(LiveReport.Outcome.RESTORED);
            assertThat(report.reconnects()).isPositive();
            assertThat(report.failed()).as(report.failedKeys().toString()).isZero();
            assertThat(c.callLong("LLEN", "big:list")).isEqualTo(200_000);
            assertThat(Datasets.digest(second)).as("the source's list, nothing doubled").isEqualTo(digest);
            assertThat((List<?>) c.call("KEYS", "*redback-tmp*")).isEmpty();
        }
    }

    @Test
    void theTemporaryNameIsInTheKeysSlot() {
        assertThat(name("{user:7}:hash")).startsWith("{user:7}.redback-tmp-");
        assertThat(name("plain")).startsWith("{plain}.redback-tmp-");
        assertThat(name("a{b")).startsWith("{a{b}.redback-tmp-");
        assertThat(name("a{}b")).as("an empty tag is no tag, and '}' would end the made one").isEqualTo("null");
        assertThat(BigKey.temporaryName("x}y".getBytes(StandardCharsets.UTF_8))).isNull();
        assertThat(BigKey.temporaryName(new byte[0])).isNull();
    }

    private static String name(String key) {
        byte[] n = BigKey.temporaryName(key.getBytes(StandardCharsets.UTF_8));
        return n == null ? "null" : new String(n, StandardCharsets.UTF_8);
    }

    /** One big key of each type that goes in batches, a stream, a few small keys. */
    private static void fill(RedisConnection c) throws Exception {
        for (int i = 0; i < 20_000; i += 500) {
            Object[] args = new Object[502];
            args[0] = "RPUSH";
            args[1] = "big:list";
            for (int j = 0; j < 500; j++) {
                int n = i + j;
                args[2 + j] = n % 3 == 0 ? Integer.toString(n) : "item-" + n + "-" + "x".repeat(n % 50);
            }
            c.call(args);
        }
        c.call("PEXPIREAT", "big:list", Long.toString(Datasets.FAR_FUTURE_MS));
        for (int i = 0; i < 10_000; i++) {
            c.call("HSET", "{user:7}:hash", "field:" + i, "value-" + "y".repeat(i % 40));
            c.call("SADD", "big:set", i % 2 == 0 ? Integer.toString(i * 7) : "member-" + i);
            c.call("SADD", "big:intset", Integer.toString(i * 13 - 20_000), Integer.toString(i * 13 + 200_000));
            c.call("ZADD", "big:zset", Double.toString(i / 7.0 - 300), "m" + i);
        }
        c.call("ZADD", "big:zset", "inf", "top", "-inf", "bottom", "0.1", "tenth", "1e300", "huge");
        c.call("PEXPIREAT", "{user:7}:hash", Long.toString(Datasets.FAR_FUTURE_MS + 1));
        byte[] s = new byte[300_000];
        new java.util.Random(42).nextBytes(s); // incompressible: the RDB holds it above the big-key size
        c.call("SET", "big:string", s);
        c.call("SET", "x}y", new String(new byte[100_000], StandardCharsets.ISO_8859_1).replace('\0', 'z'));
        c.call("SET", "small", "v");
        for (int i = 0; i < 3_000; i++) {
            c.call("XADD", "big:stream", "*", "f", "value-" + i);
        }
        c.call("XGROUP", "CREATE", "big:stream", "g", "0");
        c.call("XREADGROUP", "GROUP", "g", "alice", "COUNT", "10", "STREAMS", "big:stream", ">");
        c.call("SADD", "small:set", "a", "b");
    }

    private Path save(LocalRedisServer source, RedisConnection c) throws Exception {
        c.call("SAVE");
        Path copy = tmp.resolve("source.rdb");
        Files.copy(source.rdbFile(), copy, StandardCopyOption.REPLACE_EXISTING);
        return copy;
    }

    private static LiveReport restore(LocalRedisServer target, Path rdb, LiveRestore.Options options) throws Exception {
        return new LiveRestore(RedisConnector.of(RedisUri.parse("redis://127.0.0.1:" + target.port())), options,
                new AtomicLong()).run(rdb, System.currentTimeMillis());
    }
}
