package io.redback.restore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.redback.rdb.RdbReader;
import io.redback.redis.LocalRedisServer;
import io.redback.redis.RedisConnection;
import io.redback.testsupport.Datasets;
import io.redback.testsupport.ServerReleases;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.StreamEntryID;

/**
 * The digest redback computes from an RDB equals the server's own DEBUG DIGEST-VALUE, key by key,
 * for every type and encoding, so a drill can compare a restored server without debug commands.
 */
@io.redback.testsupport.Slow
class KeyDigestTest {
    /** Scores whose text differs between %.17g and the shortest round-trip form, and edge cases. */
    private static final double[] SCORES = {0.1, 1.0 / 3, 1e-5, 1.5e17, 123456789.123, -2.5e-300, 1e16,
            1.2345678901234567e19, 5e-324, Double.MAX_VALUE, -0.0, 0, 3, -7, 1e-4, 9.999999999999999e16,
            Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 2.5, 1e21, 0.30000000000000004};

    @Test
    void redis70DigestsEqualDebugDigestValueForEveryTypeAndEncoding() throws Exception {
        try (LocalRedisServer redis = Datasets.server().start()) {
            assertEqualToServer(redis, KeyDigest.ScoreFormat.PRINTF_17G);
        }
    }

    @Test
    void redis72FormatsScoresTheShortWay() throws Exception {
        try (LocalRedisServer redis = ServerReleases.server("redis-7.2.6").config("enable-debug-command", "yes").start()) {
            assertEqualToServer(redis, KeyDigest.ScoreFormat.SHORTEST);
        }
    }

    @Test
    void valkey80DigestsLikeRedis72() throws Exception {
        try (LocalRedisServer valkey = ServerReleases.server("valkey-8.0.1").config("enable-debug-command", "yes").start()) {
            assertEqualToServer(valkey, KeyDigest.ScoreFormat.forVersion("8.0.1"));
        }
    }

    @Test
    void redis74HashFieldExpiriesCount() throws Exception {
        try (LocalRedisServer redis = ServerReleases.server("redis-7.4.1").config("enable-debug-command", "yes").start()) {
            try (Jedis j = Datasets.jedis(redis)) {
                j.hset("hash:fieldttl:small", Map.of("a", "1", "b", "two", "c", "3"));
                j.sendCommand(() -> "HPEXPIREAT".getBytes(), "hash:fieldttl:small", Long.toString(Datasets.FAR_FUTURE_MS),
                        "FIELDS", "1", "b");
                Map<String, String> fields = new HashMap<>();
                for (int i = 0; i < 300; i++) {
                    fields.put("f" + i, "v" + i);
                }
                j.hset("hash:fieldttl:big", fields);
                j.sendCommand(() -> "HPEXPIREAT".getBytes(), "hash:fieldttl:big", Long.toString(Datasets.FAR_FUTURE_MS),
                        "FIELDS", "2", "f1", "f2");
            }
            assertEqualToServer(redis, KeyDigest.ScoreFormat.SHORTEST);
        }
    }

    /** keys.tsv holds DEBUG DIGEST-VALUE of each key as the release computed it before SAVE. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"redis-7.0.15-debian", "redis-7.2.6", "redis-7.4.1", "redis-8.0-m01", "valkey-8.0.1",
            "valkey-unstable-20241025"})
    void releaseFixturesHaveTheDigestsTheirServersReported(String release) throws Exception {
        Path folder = Path.of(KeyDigestTest.class.getResource("/fixtures/" + release).toURI());
        Map<String, String> expected = new TreeMap<>();
        for (String line : Files.readAllLines(folder.resolve("keys.tsv"), StandardCharsets.UTF_8)) {
            String[] f = line.split("\t", -1);
            if (f.length == 7) {
                expected.put(f[0] + "/" + f[1], f[6]);
            }
        }
        KeyDigest.ScoreFormat format = release.startsWith("redis-7.0")
                ? KeyDigest.ScoreFormat.PRINTF_17G : KeyDigest.ScoreFormat.SHORTEST;
        Map<String, String> actual = new TreeMap<>();
        // Chunks of 7 bytes: every long value arrives in many pieces.
        try (InputStream in = Files.newInputStream(folder.resolve("dump.rdb"))) {
            new RdbReader(in, 7).read(new KeyDigest(format, (key, digest) -> {
                String id = key.db() + "/" + key.nameUtf8();
                if (expected.containsKey(id)) { // the dump also holds keys that expired before keys.tsv was written
                    actual.put(id, KeyDigest.hex(digest));
                }
            }));
        }
        assertEquals(expected, actual);
    }

    /** Old encodings (zipmap, ziplist, intset, linked lists) as Redis 7.0 loads them from the redis test suite's files. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"encodings.rdb", "hash-zipmap.rdb", "hash-ziplist.rdb", "list-quicklist.rdb", "zset-ziplist.rdb"})
    void oldEncodingsDigestAsTheServerLoadsThem(String file) throws Exception {
        Path rdb = Path.of(KeyDigestTest.class.getResource("/fixtures/redis-tests/" + file).toURI());
        List<Object[]> digests = new ArrayList<>();
        try (InputStream in = Files.newInputStream(rdb)) {
            new RdbReader(in, 7).read(new KeyDigest(KeyDigest.ScoreFormat.PRINTF_17G,
                    (key, digest) -> digests.add(new Object[] {key.db(), key.name(), digest})));
        }
        assertFalse(digests.isEmpty());
        try (LocalRedisServer redis = Datasets.server().rdb(rdb).start(); RedisConnection c = redis.connect()) {
            for (Object[] d : digests) {
                c.call("SELECT", (Integer) d[0]);
                String expected = String.valueOf(((List<?>) c.call("DEBUG", "DIGEST-VALUE", d[1])).get(0));
                assertEquals(expected, KeyDigest.hex((byte[]) d[2]), "digest of " + new String((byte[]) d[1]));
            }
        }
    }

    @Test
    void anExpiryCountsButNotItsTime() throws Exception {
        try (LocalRedisServer redis = Datasets.server().start(); RedisConnection c = redis.connect()) {
            for (String key : List.of("plain", "soon", "later")) {
                c.call("RPUSH", key, "a", "b");
            }
            c.call("PEXPIREAT", "soon", Long.toString(Datasets.FAR_FUTURE_MS));
            c.call("PEXPIREAT", "later", Long.toString(Datasets.FAR_FUTURE_MS + 86_400_000L));
            c.call("SAVE");
            Map<String, String> ours = new HashMap<>();
            try (InputStream in = Files.newInputStream(redis.rdbFile())) {
                new RdbReader(in).read(new KeyDigest(KeyDigest.ScoreFormat.PRINTF_17G,
                        (key, digest) -> ours.put(key.nameUtf8(), KeyDigest.hex(digest))));
            }
            for (String key : ours.keySet()) {
                assertEquals(String.valueOf(((List<?>) c.call("DEBUG", "DIGEST-VALUE", key)).get(0)), ours.get(key), key);
            }
            assertEquals(ours.get("soon"), ours.get("later"));
            assertNotEquals(ours.get("plain"), ours.get("soon"));
        }
    }

    @Test
    void scoreFormatFollowsTheServerVersion() {
        assertEquals(KeyDigest.ScoreFormat.PRINTF_17G, KeyDigest.ScoreFormat.forVersion("7.0.15"));
        assertEquals(KeyDigest.ScoreFormat.PRINTF_17G, KeyDigest.ScoreFormat.forVersion("6.2.14"));
        assertEquals(KeyDigest.ScoreFormat.SHORTEST, KeyDigest.ScoreFormat.forVersion("7.2.6"));
        assertEquals(KeyDigest.ScoreFormat.SHORTEST, KeyDigest.ScoreFormat.forVersion("8.0.1"));
    }

    @Test
    void printf17gMatchesC() {
        assertEquals("0.10000000000000001", KeyDigest.printf17g(0.1));
        assertEquals("1.0000000000000001e-05", KeyDigest.printf17g(1e-5));
        assertEquals("1.5e+17", KeyDigest.printf17g(1.5e17));
        assertEquals("10000000000000000", KeyDigest.printf17g(1e16));
        assertEquals("-1.5000000000000001e+300", KeyDigest.printf17g(-1.5e300));
        assertEquals("4.9406564584124654e-324", KeyDigest.printf17g(5e-324));
        assertEquals("-0", KeyDigest.printf17g(-0.0));
        assertEquals("0.0001", KeyDigest.printf17g(1e-4));
        assertEquals("2.5", KeyDigest.printf17g(2.5));
    }

    /** Writes the data, saves, digests the RDB (small chunks, so long values arrive in pieces) and asks the server. */
    private static void assertEqualToServer(LocalRedisServer redis, KeyDigest.ScoreFormat format) throws Exception {
        try (Jedis j = Datasets.jedis(redis)) {
            Datasets.everyType(j, 0);
            writeExtras(j);
            j.save();
        }
        List<Object[]> digests = new ArrayList<>();
        KeyDigest visitor = new KeyDigest(format, (key, digest) -> digests.add(new Object[] {key.db(), key.name(),
                key.type().dataType() + "/" + key.type().encoding(), digest}));
        try (InputStream in = Files.newInputStream(redis.rdbFile())) {
            new RdbReader(in, 64 << 10).read(visitor);
        }
        Set<String> encodings = new TreeSet<>();
        try (RedisConnection c = redis.connect()) {
            for (Object[] d : digests) {
                c.call("SELECT", (Integer) d[0]);
                byte[] name = (byte[]) d[1];
                String expected = String.valueOf(((List<?>) c.call("DEBUG", "DIGEST-VALUE", name)).get(0));
                assertNotNull(d[3], new String(name));
                assertEquals(expected, KeyDigest.hex((byte[]) d[3]),
                        "digest of " + new String(name) + " (" + d[2] + ") in db " + d[0]);
                encodings.add((String) d[2]);
            }
        }
        Set<String> types = new TreeSet<>();
        encodings.forEach(e -> types.add(e.substring(0, e.indexOf('/'))));
        assertEquals(Set.of("string", "list", "set", "zset", "hash", "stream"), types, "types covered: " + encodings);
    }

    private static void writeExtras(Jedis j) {
        Map<String, Double> small = new HashMap<>();
        Map<String, Double> big = new HashMap<>();
        for (int i = 0; i < SCORES.length; i++) {
            small.put("s" + i, SCORES[i]);
            big.put("s" + i, SCORES[i]);
        }
        for (int i = 0; i < 200; i++) {
            big.put("r" + i, i / 7.0);
        }
        j.zadd("zset:scores:listpack", small);
        j.zadd("zset:scores:skiplist", big);
        j.zadd("zset:intmember", Map.of("12345", 1.0, "-9", 2.0));
        j.set("str:negative", "-42");
        j.rpush("list:longitem", "y".repeat(200_000), "short", "7");
        j.sadd("set:long", "m".repeat(100_000), "n");
        j.hset("hash:longvalue", Map.of("f", "v".repeat(100_000), "n", "12"));
        for (int i = 0; i < 20; i++) {
            j.xadd("stream:mixed", new StreamEntryID(1_700_000_000_000L + i, i),
                    i % 3 == 0 ? Map.of("a", "1", "b", "x" + i) : Map.of("c" + i, Integer.toString(-i)));
        }
        j.xdel("stream:mixed", new StreamEntryID(1_700_000_000_003L, 3));
        j.pexpireAt("stream:mixed", Datasets.FAR_FUTURE_MS);
    }
}
