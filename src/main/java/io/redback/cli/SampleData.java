package io.redback.cli;

import io.redback.redis.RedisConnection;
import java.io.IOException;
import java.util.Random;

/**
 * The demo's dataset: the shapes our users' Redis holds, in every common encoding (small
 * collections become listpacks/intsets, big ones quicklists/hashtables/skiplists).
 */
final class SampleData {
    private SampleData() {
    }

    /** Orders written over two seconds (so the log carries #TS times), some in transactions. */
    static void writeOrders(RedisConnection r) throws IOException, InterruptedException {
        r.call("SELECT", "0");
        for (int i = 0; i < 100; i++) {
            r.call("HSET", "order:" + i, "item", "sku-" + (i * 7 % 31), "qty", Integer.toString(1 + i % 5));
            if (i == 50) {
                Thread.sleep(1100);
            }
            if (i % 10 == 0) {
                r.call("MULTI");
                r.call("INCR", "orders:count");
                r.call("RPUSH", "queue:emails", "{\"order\":" + i + "}");
                r.call("EXEC");
            }
        }
    }

    /**
     * A shop's writes for the point-in-time part: per order, a customer session with a one-hour
     * TTL and a MULTI/EXEC that records the order, counts it and queues it for shipping.
     */
    static void writeShop(RedisConnection r, int firstOrder, int orders) throws IOException {
        r.call("SELECT", "0");
        for (int i = 0; i < orders; i++) {
            String order = Integer.toString(firstOrder + i);
            r.call("SET", "session:customer-" + order, "{\"cart\":[" + (i * 7 % 31) + "]}", "EX", "3600");
            r.call("MULTI");
            r.call("HSET", "order:" + order, "customer", "customer-" + order, "item", "sku-" + (i * 7 % 31),
                    "qty", Integer.toString(1 + i % 5));
            r.call("INCR", "orders:count");
            r.call("RPUSH", "queue:shipping", "order:" + order);
            r.call("EXEC");
        }
    }

    static void write(RedisConnection r, int scale) throws IOException {
        Random rnd = new Random(42);
        long now = System.currentTimeMillis();
        r.call("SELECT", "0");
        for (int i = 0; i < 5000 * scale; i++) {
            String token = Long.toHexString(rnd.nextLong());
            r.call("SET", "session:" + token, "{\"user\":" + rnd.nextInt(100000) + ",\"cart\":["
                    + rnd.nextInt(50) + "],\"csrf\":\"" + Long.toHexString(rnd.nextLong()) + "\"}",
                    "PXAT", Long.toString(now + 3_600_000L + rnd.nextInt(86_400_000)));
        }
        for (int i = 0; i < 2000 * scale; i++) {
            r.call("SET", "ratelimit:ip:10.0." + (i / 250) + "." + (i % 250), Integer.toString(rnd.nextInt(100)),
                    "PX", Integer.toString(60_000 + rnd.nextInt(60_000)));
        }
        for (int i = 0; i < 10_000 * scale; i++) {
            r.call("RPUSH", "queue:emails", "{\"job\":" + i + ",\"to\":\"user" + rnd.nextInt(100000) + "@example.com\"}");
        }
        for (int q = 0; q < 50; q++) {
            r.call("RPUSH", "queue:small:" + q, "a", "b", Integer.toString(q));
        }
        for (int i = 0; i < 1000 * scale; i++) {
            r.call("ZADD", "leaderboard:global", Integer.toString(rnd.nextInt(1_000_000)), "player:" + i);
        }
        r.call("ZADD", "leaderboard:weekly", "1.5", "alice", "2.25", "bob", "+inf", "carol", "-inf", "dave");
        for (int i = 0; i < 1000 * scale; i++) {
            r.call("HSET", "user:" + i, "name", "user" + i, "email", "user" + i + "@example.com",
                    "plan", i % 7 == 0 ? "pro" : "free", "logins", Integer.toString(rnd.nextInt(500)));
        }
        for (int i = 0; i < 2000 * scale; i++) {
            r.call("HSET", "feature:flags", "flag-" + i, rnd.nextBoolean() ? "on" : "off");
        }
        for (int i = 0; i < 300; i++) {
            r.call("SADD", "online:user-ids", Integer.toString(rnd.nextInt(1_000_000)));
            r.call("SADD", "tags:popular", "tag-" + rnd.nextInt(100));
        }
        for (int i = 0; i < 500 * scale; i++) {
            r.call("SADD", "visitors:today", "visitor-" + Long.toHexString(rnd.nextLong()));
        }
        for (int i = 0; i < 2000 * scale; i++) {
            r.call("XADD", "audit:log", "*", "actor", "user:" + rnd.nextInt(1000), "action",
                    rnd.nextBoolean() ? "login" : "update", "ip", "10.0.0." + rnd.nextInt(255));
        }
        r.call("XGROUP", "CREATE", "audit:log", "shipper", "0");
        r.call("XREADGROUP", "GROUP", "shipper", "worker-1", "COUNT", "25", "STREAMS", "audit:log", ">");
        r.call("SET", "report:monthly", "x".repeat(200_000));
        r.call("SET", "counter:visits", "1234567");
        r.call("FUNCTION", "LOAD", "REPLACE", "#!lua name=ratelimit\n"
                + "redis.register_function('hit', function(keys, args) "
                + "local n = redis.call('INCR', keys[1]) "
                + "if n == 1 then redis.call('PEXPIRE', keys[1], args[1]) end return n end)");
        r.call("SELECT", "1");
        for (int i = 0; i < 200; i++) {
            r.call("SET", "lock:order:" + i, "owner-" + rnd.nextInt(10), "PX", "30000", "NX");
        }
        r.call("SELECT", "2");
        for (int i = 0; i < 100; i++) {
            r.call("SET", "cache:page:/products/" + i, "<html>" + "product ".repeat(50) + i + "</html>");
        }
    }
}
