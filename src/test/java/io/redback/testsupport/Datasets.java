package io.redback.testsupport;

import io.redback.redis.LocalRedisServer;
import io.redback.redis.RedisConnection;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.params.XReadGroupParams;

/**
 * Datasets written into real servers with Jedis, and what a restore must reproduce: every data
 * type in its small and large encodings, keys with TTLs (far in the future, so nothing expires
 * during a test), several databases, a function library, a value bigger than any read buffer,
 * and bulk keys. Servers that use these need {@code enable-debug-command yes} (DEBUG POPULATE,
 * DEBUG DIGEST).
 */
public final class Datasets {
    /** 2100-01-01, in unix milliseconds: an expiry no test outlives. */
    public static final long FAR_FUTURE_MS = 4102444800123L;

    private Datasets() {}

    /** A server ready for {@link #everyType}: debug commands on. */
    public static LocalRedisServer.Builder server() {
        return TestRedis.server().config("enable-debug-command", "yes");
    }

    public static Jedis jedis(LocalRedisServer redis) {
        return new Jedis(LocalRedisServer.HOST, redis.port(), 60_000);
    }

    /** Every type and encoding, TTLs, dbs 0, 1 and 7, a function, a 2 MiB value and {@code bulkKeys} keys in db 1. */
    public static void everyType(Jedis j, int bulkKeys) {
        Random random = new Random(7);
        j.set("str:int", "12345");
        j.set("str:small", "hello");
        j.set("str:lzf", "abcabcabc".repeat(100));
        j.set("str:empty", "");
        byte[] big = new byte[2 << 20];
        random.nextBytes(big);
        j.set(b("str:big:random"), big);
        j.set("str:ttl", "lives long");
        j.pexpireAt("str:ttl", FAR_FUTURE_MS);

        j.rpush("list:small", "a", "1", "-70000", "x".repeat(70));
        String[] items = new String[3000];
        for (int i = 0; i < items.length; i++) {
            items[i] = i % 2 == 0 ? Integer.toString(i * 1000) : "item-" + i;
        }
        j.rpush("list:big", items);

        j.sadd("set:intset", "1", "2", "70000", "-5000000000");
        j.sadd("set:small", "a", "b", "c");
        String[] members = new String[500];
        for (int i = 0; i < members.length; i++) {
            members[i] = "m" + i;
        }
        j.sadd("set:big", members);

        j.zadd("zset:small", Map.of("a", 1.5, "b", Double.POSITIVE_INFINITY, "c", -1.5e300));
        Map<String, Double> scores = new HashMap<>();
        for (int i = 0; i < 400; i++) {
            scores.put("z" + i, i * 0.25);
        }
        j.zadd("zset:big", scores);
        j.pexpireAt("zset:big", FAR_FUTURE_MS);

        j.hset("hash:small", Map.of("f1", "v1", "f2", "22"));
        Map<String, String> fields = new HashMap<>();
        for (int i = 0; i < 400; i++) {
            fields.put("field" + i, i % 3 == 0 ? Integer.toString(i) : "value" + i);
        }
        j.hset("hash:big", fields);

        for (int i = 0; i < 200; i++) {
            j.xadd("stream:events", new StreamEntryID(1700000000000L + i, 0), Map.of("n", Integer.toString(i), "kind", "k" + i % 5));
        }
        j.xgroupCreate("stream:events", "workers", new StreamEntryID(0, 0), false);
        j.xreadGroup("workers", "alice", XReadGroupParams.xReadGroupParams().count(10),
                Map.of("stream:events", StreamEntryID.XREADGROUP_UNDELIVERED_ENTRY));

        j.functionLoad("#!lua name=backuplib\nredis.register_function('noop', function(keys, args) return 1 end)\n");

        j.select(7);
        j.set("db7:key", "v");
        j.pexpireAt("db7:key", FAR_FUTURE_MS);
        j.select(1);
        if (bulkKeys > 0) {
            j.sendCommand(() -> b("DEBUG"), b("POPULATE"), b(Integer.toString(bulkKeys)), b("bulk"), b("64"));
        }
        j.select(0);
    }

    /** DEBUG DIGEST: equal for two servers holding the same data, TTLs included. */
    public static String digest(LocalRedisServer redis) throws IOException {
        try (RedisConnection c = redis.connect()) {
            return c.callString("DEBUG", "DIGEST");
        }
    }

    /** Keys per database, from INFO keyspace ("db0" to "keys=..,expires=..,avg_ttl=.." without avg_ttl). */
    public static Map<String, String> keyspace(LocalRedisServer redis) throws IOException {
        try (RedisConnection c = redis.connect()) {
            Map<String, String> out = new TreeMap<>();
            c.info("keyspace").forEach((db, v) -> out.put(db, v.replaceAll(",avg_ttl=\\d+", "")));
            return out;
        }
    }

    /** The code of every function library, sorted (FUNCTION LIST orders functions by hash). */
    public static java.util.List<String> functions(LocalRedisServer redis) throws IOException {
        try (RedisConnection c = redis.connect()) {
            java.util.List<String> code = new java.util.ArrayList<>();
            for (Object library : (java.util.List<?>) c.call("FUNCTION", "LIST", "WITHCODE")) {
                java.util.List<?> fields = (java.util.List<?>) library;
                for (int i = 0; i + 1 < fields.size(); i += 2) {
                    if ("library_code".equals(text(fields.get(i)))) {
                        code.add(text(fields.get(i + 1)));
                    }
                }
            }
            java.util.Collections.sort(code);
            return code;
        }
    }

    private static String text(Object reply) {
        return reply instanceof byte[] bytes ? new String(bytes, StandardCharsets.UTF_8) : String.valueOf(reply);
    }

    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
