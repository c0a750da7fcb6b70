package io.redback.rdb;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.redback.redis.LocalRedisServer;
import io.redback.testsupport.TestRedis;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.args.ListPosition;
import redis.clients.jedis.commands.ProtocolCommand;
import redis.clients.jedis.params.RestoreParams;
import redis.clients.jedis.resps.LibraryInfo;
import redis.clients.jedis.resps.Tuple;

/**
 * RDB files written by a real redis-server, with each encoding forced through the server's own
 * config thresholds, read back with {@link RdbReader} and compared with what the server holds,
 * element by element, as Jedis reads it (GET, LRANGE, SMEMBERS, ZRANGE WITHSCORES, HGETALL,
 * XRANGE, XINFO, XPENDING, OBJECT, PEXPIRETIME, FUNCTION LIST). Every file is read with the
 * default chunk size and with a 7-byte chunk size, so that every plain string longer than 7
 * bytes is delivered in pieces.
 */
@io.redback.testsupport.Slow
class RealServerEncodingsTest {
    /** Small enough that every plain RDB string of more than 7 bytes arrives in chunks. */
    static final int TINY_CHUNK = 7;
    static final int CHUNK_64K = 64 * 1024;
    /** The streaming LZF decoder hands on at most its window plus 64 KiB at once. */
    static final int LZF_STREAM_MAX_PIECE = Lzf.MAX_DISTANCE + 64 * 1024;

    // ================================================================ strings

    @Test
    void stringsIntEmbstrRawAndLzfWithAndWithoutCompression() throws Exception {
        try (LocalRedisServer redis = TestRedis.server().config("rdbcompression", "yes").start();
             Jedis j = jedis(redis)) {
            Map<String, byte[]> values = new LinkedHashMap<>();
            values.put("s:int:0", b("0"));
            values.put("s:int:neg1", b("-1"));
            values.put("s:int:127", b("127"));
            values.put("s:int:-128", b("-128"));
            values.put("s:int:12345", b("12345"));
            values.put("s:int:-32768", b("-32768"));
            values.put("s:int:32768", b("32768"));
            values.put("s:int:i32max", b("2147483647"));
            values.put("s:int:i32min", b("-2147483648"));
            values.put("s:int:2^32", b("4294967296"));
            values.put("s:int:i64max", b("9223372036854775807"));
            values.put("s:int:i64min", b("-9223372036854775808"));
            values.put("s:notint:007", b("007"));
            values.put("s:notint:-0", b("-0"));
            values.put("s:notint:+1", b("+1"));
            values.put("s:notint:float", b("3.14"));
            values.put("s:empty", new byte[0]);
            values.put("s:embstr", b("hello world"));
            values.put("s:embstr44", b("x".repeat(22) + "y".repeat(22)).clone());
            values.put("s:raw:random", random(300, 1));
            values.put("s:raw:text", b("The quick brown fox jumps over the lazy dog; 0123456789!"));
            values.put("s:lzf:21", b("a".repeat(21)));
            values.put("s:lzf:1000", b("abcdefgh".repeat(125)));
            values.put("s:lzf:utf8", "grüße €uro ".repeat(40).getBytes(StandardCharsets.UTF_8));
            values.put("s:lzf:binary", repeat(new byte[]{0, (byte) 0xFF, 0x7F, (byte) 0x80, 10, 13}, 50));
            values.put("s:binary", allBytes());
            for (Map.Entry<String, byte[]> e : values.entrySet()) {
                j.set(b(e.getKey()), e.getValue());
            }
            byte[] binaryKey = {'k', 0, (byte) 0xFF, '\n', ' ', (byte) 0xC3, 'z'};
            j.set(binaryKey, b("binary key"));
            j.incrBy(b("s:incr"), 41);
            j.incr(b("s:incr"));
            j.append(b("s:appended"), b("12"));
            j.append(b("s:appended"), b("34"));
            j.setrange(b("s:setrange"), 10, b("tail"));

            assertEquals("int", enc(j, "s:int:12345"));
            assertEquals("int", enc(j, "s:int:2^32"));
            assertEquals("embstr", enc(j, "s:embstr44"));
            assertEquals("embstr", enc(j, "s:notint:007"));
            assertEquals("raw", enc(j, "s:raw:random"));
            assertEquals("raw", enc(j, "s:lzf:1000"));

            List<Capture> compressed = saveAndVerify(redis, j);
            for (Capture c : compressed) {
                assertEquals(0xC0, c.key(0, "s:int:0").rawFirstByte());
                assertEquals(0xC0, c.key(0, "s:int:-128").rawFirstByte());
                assertEquals(0xC1, c.key(0, "s:int:12345").rawFirstByte());
                assertEquals(0xC1, c.key(0, "s:int:-32768").rawFirstByte());
                assertEquals(0xC2, c.key(0, "s:int:32768").rawFirstByte());
                assertEquals(0xC2, c.key(0, "s:int:i32min").rawFirstByte());
                assertEquals(10, c.key(0, "s:int:2^32").rawFirstByte(), "beyond 32 bits: saved as a 10-byte string");
                assertTrue(c.key(0, "s:int:12345").single().integer, "int-encoded strings come as integers");
                assertFalse(c.key(0, "s:int:2^32").single().integer);
                assertEquals(0xC3, c.key(0, "s:lzf:21").rawFirstByte(), "LZF");
                assertEquals(0xC3, c.key(0, "s:lzf:1000").rawFirstByte(), "LZF");
                assertEquals(0xC3, c.key(0, "s:lzf:utf8").rawFirstByte(), "LZF");
                assertEquals(0xC3, c.key(0, "s:lzf:binary").rawFirstByte(), "LZF");
                assertEquals(0x40, c.key(0, "s:raw:random").rawFirstByte() & 0xC0, "incompressible: plain 14-bit length");
                assertEquals(0, c.key(0, "s:empty").rawFirstByte());
                assertEquals(ChecksumStatus.VERIFIED, c.summary.checksum());
            }

            j.configSet("rdbcompression", "no");
            List<Capture> plain = saveAndVerify(redis, j);
            for (Capture c : plain) {
                for (KeyRec k : c.keys.values()) {
                    assertTrue(k.rawFirstByte() != 0xC3, "rdbcompression no wrote LZF for " + k.id());
                }
                assertEquals(0xC1, c.key(0, "s:int:12345").rawFirstByte(), "integers are still int-encoded");
                assertEquals(1000, c.key(0, "s:lzf:1000").single().bytes.length);
            }
            // Same content either way.
            assertEquals(compressed.get(0).canonical(false), plain.get(0).canonical(false));
        }
    }

    // ================================================================ lists

    @Test
    void listsAsSmallListpackManyNodesCompressedAndPlainNodes() throws Exception {
        try (LocalRedisServer redis = TestRedis.server()
                .config("rdbcompression", "no") // LZF in the file can then only come from list-compress-depth
                .config("enable-debug-command", "yes")
                .start();
             Jedis j = jedis(redis)) {
            j.rpush(b("l:small"), b("a"), b("1"), b("-2"), b("3.5"), b(""), b("99999999999"), b("007"),
                    b("-9223372036854775808"), allBytes(), b("x".repeat(100)));

            j.configSet("list-max-listpack-size", "4");
            byte[][] many = new byte[1001][];
            for (int i = 0; i < many.length; i++) {
                many[i] = i % 3 == 0 ? b(Integer.toString(i * 7919 - 100000)) : b("item-" + i);
            }
            j.rpush(b("l:many"), many);
            j.lpush(b("l:many"), b("head-1"), b("head-2"));
            j.lset(b("l:many"), 500, b("replaced"));
            j.linsert(b("l:many"), ListPosition.AFTER, b("item-7"), b("inserted"));

            j.configSet("list-compress-depth", "1");
            byte[][] comp = new byte[200][];
            for (int i = 0; i < comp.length; i++) {
                comp[i] = b("compressible-item-" + "z".repeat(40) + "-" + i);
            }
            j.rpush(b("l:compressed"), comp);
            j.configSet("list-compress-depth", "2");
            byte[][] comp2 = new byte[40][];
            for (int i = 0; i < comp2.length; i++) {
                comp2[i] = i % 2 == 0 ? b(Long.toString(1000000000000L + i)) : b("abc".repeat(30) + i);
            }
            j.rpush(b("l:compressed:depth2"), comp2);
            j.configSet("list-compress-depth", "0");
            j.configSet("list-max-listpack-size", "-2");

            // Redis 7 keeps elements >= packed_threshold (1 GiB by default) in PLAIN nodes; lower it.
            j.sendCommand(cmd("DEBUG"), b("QUICKLIST-PACKED-THRESHOLD"), b("100"));
            j.rpush(b("l:plain"), b("small-1"), b("P".repeat(200)), b("small-2"), random(5000, 2),
                    b("small-3"), b("12345"), repeat(b("plain-and-long "), 20000), b("small-4"));
            j.lpush(b("l:plain"), b("Q".repeat(150)));
            j.sendCommand(cmd("DEBUG"), b("QUICKLIST-PACKED-THRESHOLD"), b("1073741824"));

            for (String k : List.of("l:small", "l:many", "l:compressed", "l:plain")) {
                assertTrue(Set.of("quicklist", "listpack").contains(enc(j, k)), k);
            }
            for (Capture c : saveAndVerify(redis, j)) {
                QuicklistShape small = QuicklistShape.of(c.key(0, "l:small").raw.toByteArray());
                assertEquals(1, small.nodes, "one listpack node");
                assertEquals(0, small.plainNodes + small.lzfNodes);
                QuicklistShape manyNodes = QuicklistShape.of(c.key(0, "l:many").raw.toByteArray());
                assertTrue(manyNodes.nodes >= 250, "list-max-listpack-size 4 gives >= 250 nodes: " + manyNodes);
                assertEquals(0, manyNodes.plainNodes + manyNodes.lzfNodes);
                QuicklistShape compressed = QuicklistShape.of(c.key(0, "l:compressed").raw.toByteArray());
                assertTrue(compressed.lzfNodes >= compressed.nodes - 2 && compressed.lzfNodes > 0,
                        "list-compress-depth 1 leaves only the ends uncompressed: " + compressed);
                QuicklistShape compressed2 = QuicklistShape.of(c.key(0, "l:compressed:depth2").raw.toByteArray());
                assertTrue(compressed2.lzfNodes > 0, compressed2.toString());
                QuicklistShape plain = QuicklistShape.of(c.key(0, "l:plain").raw.toByteArray());
                assertEquals(4, plain.plainNodes, "elements of 150, 200, 5000 and 300000 bytes in PLAIN nodes: " + plain);
                assertTrue(plain.nodes > plain.plainNodes);

                // Items of plain nodes are RDB strings: with a tiny chunk size they come in pieces.
                List<Item> items = c.key(0, "l:plain").items;
                if (c.chunkSize == TINY_CHUNK) {
                    assertEquals(200 / TINY_CHUNK + 1, items.get(2).chunks);
                    assertTrue(items.get(7).chunks >= 300000 / TINY_CHUNK);
                }
                assertEquals(1, items.get(1).chunks, "a packed item is delivered whole");
            }
        }
    }

    // ================================================================ sets

    @Test
    void setsAsIntsetAndHashtable() throws Exception {
        try (LocalRedisServer redis = TestRedis.server().start(); Jedis j = jedis(redis)) {
            j.sadd(b("set:intset16"), b("1"), b("2"), b("3"), b("-5"), b("32767"));
            j.sadd(b("set:intset32"), b("1"), b("100000"), b("-2147483648"));
            j.sadd(b("set:intset64"), b("1"), b("9223372036854775807"), b("-9223372036854775808"), b("0"));
            byte[][] ints = new byte[600][]; // above set-max-intset-entries 512
            for (int i = 0; i < ints.length; i++) {
                ints[i] = b(Integer.toString(i * 31 - 5000));
            }
            j.sadd(b("set:ht:ints"), ints);
            byte[][] strs = new byte[200][]; // above set-max-listpack-entries 128 (7.2+)
            for (int i = 0; i < strs.length; i++) {
                strs[i] = i % 10 == 0 ? b(Integer.toString(i)) : b("member-" + i);
            }
            j.sadd(b("set:ht:strings"), strs);
            j.sadd(b("set:ht:binary"), allBytes(), b(""), b("a"), random(70, 3));
            j.sadd(b("set:ht:big"), random(100_000, 4), b("small"), repeat(b("big member "), 10_000));
            j.srem(b("set:ht:strings"), b("member-1"), b("member-2"));

            assertEquals("intset", enc(j, "set:intset16"));
            assertEquals("intset", enc(j, "set:intset64"));
            assertEquals("hashtable", enc(j, "set:ht:ints"));
            assertEquals("hashtable", enc(j, "set:ht:strings"));
            assertEquals("hashtable", enc(j, "set:ht:big"));
            for (Capture c : saveAndVerify(redis, j)) {
                assertEquals(RdbType.SET_INTSET, c.key(0, "set:intset64").key.type());
                assertTrue(c.key(0, "set:intset64").items.stream().allMatch(i -> i.integer), "intset members are integers");
                assertEquals(RdbType.SET, c.key(0, "set:ht:big").key.type());
            }
        }
    }

    @Test
    void setsAsListpackOnRedis72AndLater() throws Exception {
        try (LocalRedisServer probe = TestRedis.server().start()) {
            Assumptions.assumeTrue(atLeast(probe.version(), 7, 2),
                    "set listpack encoding (set-max-listpack-entries) needs Redis 7.2+, server is " + probe.version());
        }
        try (LocalRedisServer redis = TestRedis.server().config("set-max-listpack-entries", "64").start();
             Jedis j = jedis(redis)) {
            j.sadd(b("set:lp"), b("a"), b("b"), b("1"), b("-7"), b(""), allBytes().clone());
            j.sadd(b("set:lp:small"), b("x"));
            byte[][] over = new byte[65][];
            for (int i = 0; i < over.length; i++) {
                over[i] = b("m" + i);
            }
            j.sadd(b("set:ht"), over);
            assertEquals("listpack", enc(j, "set:lp:small"));
            assertEquals("hashtable", enc(j, "set:ht"));
            for (Capture c : saveAndVerify(redis, j)) {
                assertEquals(RdbType.SET_LISTPACK, c.key(0, "set:lp:small").key.type());
            }
        }
    }

    // ================================================================ sorted sets

    @Test
    void sortedSetsAsListpackAndSkiplistWithSpecialScores() throws Exception {
        try (LocalRedisServer redis = TestRedis.server().start(); Jedis j = jedis(redis)) {
            Map<byte[], Double> special = new LinkedHashMap<>();
            special.put(b("one"), 1.0);
            special.put(b("neg"), -2.5);
            special.put(b("tenth"), 0.1);
            special.put(b("huge"), 1.5e300);
            special.put(b("-huge"), -1.5e300);
            special.put(b("tiny"), 1e-300);
            special.put(b("inf"), Double.POSITIVE_INFINITY);
            special.put(b("-inf"), Double.NEGATIVE_INFINITY);
            special.put(b("zero"), 0.0);
            special.put(b("big-int"), 123456789012.0);
            special.put(b("2^53+"), 9007199254740993.0);
            special.put(b("pi"), Math.PI);
            special.put(b("12"), 12.0);
            special.put(new byte[]{0, (byte) 0xFF, 'b', 'i', 'n'}, 7.0);
            j.zadd(b("z:lp"), special);
            j.zadd(b("z:lp:ints"), Map.of(b("a"), 1.0, b("b"), 2.0, b("c"), -3.0));

            j.configSet("zset-max-listpack-entries", "0");
            j.zadd(b("z:sl"), special);
            j.configSet("zset-max-listpack-entries", "128");
            Map<byte[], Double> many = new HashMap<>();
            for (int i = 0; i < 300; i++) {
                many.put(b("m" + i), i % 7 == 0 ? i / 3.0 : -i);
            }
            j.zadd(b("z:sl:many"), many);
            j.zadd(b("z:sl:big"), Map.of(random(200_000, 5), 1.25, b("small"), Double.NEGATIVE_INFINITY));
            j.zincrby(b("z:sl:many"), 0.5, b("m1"));

            assertEquals("listpack", enc(j, "z:lp"));
            assertEquals("skiplist", enc(j, "z:sl"));
            assertEquals("skiplist", enc(j, "z:sl:many"));
            assertEquals("skiplist", enc(j, "z:sl:big"));
            for (Capture c : saveAndVerify(redis, j)) {
                assertEquals(RdbType.ZSET_LISTPACK, c.key(0, "z:lp").key.type());
                assertEquals(RdbType.ZSET_2, c.key(0, "z:sl").key.type());
                List<Double> scores = new ArrayList<>();
                c.key(0, "z:sl").items.stream().filter(i -> i.role == ElementRole.ZSET_SCORE).forEach(i -> scores.add(i.dbl));
                assertTrue(scores.contains(Double.POSITIVE_INFINITY) && scores.contains(Double.NEGATIVE_INFINITY)
                        && scores.contains(1.5e300) && scores.contains(-1.5e300) && scores.contains(1e-300));
            }
        }
    }

    // ================================================================ hashes

    @Test
    void hashesAsListpackAndHashtable() throws Exception {
        try (LocalRedisServer redis = TestRedis.server().start(); Jedis j = jedis(redis)) {
            Map<byte[], byte[]> small = new LinkedHashMap<>();
            small.put(b("name"), b("redback"));
            small.put(b("n"), b("123"));
            small.put(b("neg"), b("-7"));
            small.put(b("big-int"), b("9223372036854775807"));
            small.put(b("empty"), b(""));
            small.put(b("42"), b("integer field"));
            small.put(b("bin"), new byte[]{0, 1, 2, (byte) 0xFF});
            j.hset(b("h:lp"), small);
            j.hdel(b("h:lp"), b("neg"));
            j.hincrBy(b("h:lp"), b("n"), 1);

            j.configSet("hash-max-listpack-entries", "0");
            j.hset(b("h:ht"), small);
            j.configSet("hash-max-listpack-entries", "128");
            Map<byte[], byte[]> many = new LinkedHashMap<>();
            for (int i = 0; i < 1000; i++) {
                many.put(b("field:" + i), i % 2 == 0 ? b(Integer.toString(i)) : b("value-" + i));
            }
            j.hset(b("h:ht:many"), many);
            j.hset(b("h:ht:big"), Map.of(b("big"), random(300_000, 6), random(100, 7), b("big field"),
                    b("text"), repeat(b("compressible "), 10_000)));

            assertEquals("listpack", enc(j, "h:lp"));
            assertEquals("hashtable", enc(j, "h:ht"));
            assertEquals("hashtable", enc(j, "h:ht:many"));
            assertEquals("hashtable", enc(j, "h:ht:big"));
            for (Capture c : saveAndVerify(redis, j)) {
                assertEquals(RdbType.HASH_LISTPACK, c.key(0, "h:lp").key.type());
                assertEquals(RdbType.HASH, c.key(0, "h:ht").key.type());
            }
        }
    }

    // ================================================================ streams

    @Test
    void streamsWithGroupsConsumersPendingDeletionsAndManyNodes() throws Exception {
        try (LocalRedisServer redis = TestRedis.server().config("stream-node-max-entries", "3").start();
             Jedis j = jedis(redis)) {
            long t0 = System.currentTimeMillis();
            populateStreams(j);
            for (Capture c : saveAndVerify(redis, j)) {
                long t1 = System.currentTimeMillis();
                KeyRec s = c.key(0, "st:main");
                assertTrue(s.meta.length() > 10);
                assertEquals(3, s.groups.size());
                assertFalse(s.pending.isEmpty());
                for (RdbVisitor.StreamPending p : s.pending) {
                    assertTrue(p.deliveryTimeMs() >= t0 - 1000 && p.deliveryTimeMs() <= t1 + 1000,
                            "delivery time " + p.deliveryTimeMs());
                }
                for (RdbVisitor.StreamConsumer cons : s.consumers) {
                    assertTrue(cons.seenTimeMs() >= t0 - 1000 && cons.seenTimeMs() <= t1 + 1000,
                            "seen time " + cons.seenTimeMs());
                }
                assertTrue(s.pending.stream().anyMatch(p -> p.deliveryCount() == 2), "XCLAIM raised a delivery count");
                assertEquals(0, c.key(0, "st:empty").elements);
                assertEquals(0, c.key(0, "st:trimmed").elements);
                assertEquals(new RdbVisitor.StreamId(9, 9), c.key(0, "st:trimmed").meta.lastId());
            }
        }
    }

    static void populateStreams(Jedis j) {
        byte[] s = b("st:main");
        for (int i = 1; i <= 25; i++) {
            if (i % 5 == 0) {
                xadd(j, s, i + "-0", "other", "fields", "n", Integer.toString(i));
            } else if (i % 7 == 0) {
                xadd(j, s, i + "-1", "a", Integer.toString(i), "b", "v" + i, "c", "extra");
            } else {
                xadd(j, s, i + "-1", "a", Integer.toString(i), "b", "v" + i);
            }
        }
        call(j, "XDEL", s, "2-1", "4-1", "5-0", "6-1", "13-1");
        call(j, "XGROUP", "CREATE", s, "g1", "0");
        call(j, "XGROUP", "CREATE", s, "g2", "$");
        call(j, "XGROUP", "CREATE", s, "g3", "0");
        call(j, "XREADGROUP", "GROUP", "g1", "alice", "COUNT", "4", "STREAMS", s, ">");
        call(j, "XREADGROUP", "GROUP", "g1", "bob", "COUNT", "3", "STREAMS", s, ">");
        call(j, "XACK", s, "g1", "3-1");
        call(j, "XCLAIM", s, "g1", "bob", "0", "1-1");
        xadd(j, s, "30-0", "late", "entry");
        xadd(j, s, "31-0", "late", "entry2", "x", "12345678901");
        call(j, "XREADGROUP", "GROUP", "g2", "carol", "COUNT", "10", "STREAMS", s, ">");
        call(j, "XGROUP", "CREATECONSUMER", s, "g3", "dave");
        call(j, "XGROUP", "CREATE", "st:empty", "g", "$", "MKSTREAM");
        xadd(j, b("st:trimmed"), "9-9", "f", "v");
        call(j, "XTRIM", "st:trimmed", "MAXLEN", "0");
        byte[] one = b("st:one");
        xadd(j, one, "1700000000000-0", "field", "value");
    }

    // ================================================================ expiries, databases, functions

    @Test
    void expiriesSeveralDatabasesAndAFunctionLibrary() throws Exception {
        try (LocalRedisServer redis = TestRedis.server().start(); Jedis j = jedis(redis)) {
            long far = 4102444800123L; // 2100-01-01, with milliseconds
            long soon = System.currentTimeMillis() + 3_600_000L;
            j.set(b("e:string"), b("v"));
            j.pexpireAt(b("e:string"), far);
            j.rpush(b("e:list"), b("a"), b("b"));
            j.pexpireAt(b("e:list"), soon);
            j.sadd(b("e:set"), b("1"));
            j.expire(b("e:set"), 1000);
            j.set(b("e:none"), b("no expiry"));
            j.select(1);
            j.set(b("db1:a"), b("1"));
            j.hset(b("db1:h"), Map.of(b("f"), b("v")));
            j.pexpireAt(b("db1:h"), far + 1);
            j.select(5);
            j.zadd(b("db5:z"), 1, b("m"));
            j.select(15);
            j.set(b("db15:last"), b("x"));
            j.select(0);
            String lib = "#!lua name=redbacklib\n"
                    + "redis.register_function('echo_first', function(keys, args) return args[1] end)\n"
                    + "redis.register_function{function_name='noop', callback=function() return 1 end, flags={'no-writes'}}\n";
            j.functionLoad(lib);

            for (Capture c : saveAndVerify(redis, j)) {
                assertEquals(far, c.key(0, "e:string").key.expireAtMs());
                assertEquals(soon, c.key(0, "e:list").key.expireAtMs());
                assertEquals(far + 1, c.key(1, "db1:h").key.expireAtMs());
                assertFalse(c.key(0, "e:none").key.hasExpiry());
                assertEquals(List.of(0, 1, 5, 15), c.selects);
                assertEquals(1, c.functions.size());
                assertEquals(lib, new String(c.functions.get(0), StandardCharsets.UTF_8));
            }
        }
    }

    // ================================================================ LFU and LRU

    @Test
    void lfuFrequenciesAreDelivered() throws Exception {
        try (LocalRedisServer redis = TestRedis.server()
                .config("maxmemory-policy", "allkeys-lfu")
                .config("lfu-log-factor", "0") // every access counts
                .config("lfu-decay-time", "0") // and never decays during the test
                .start();
             Jedis j = jedis(redis)) {
            // Not small integers: with maxmemory 0 Redis shares those objects, and their LFU field with them.
            j.set(b("lfu:new"), b("new"));
            j.set(b("lfu:hot"), b("hot"));
            for (int i = 0; i < 10; i++) {
                j.get(b("lfu:hot"));
            }
            j.rpush(b("lfu:list"), b("a"));
            j.restore(b("lfu:restored"), 0, j.dump(b("lfu:new")), RestoreParams.restoreParams().frequency(200));
            for (Capture c : saveAndVerify(redis, j)) {
                assertEquals(200, c.key(0, "lfu:restored").key.lfuFreq());
                assertEquals(15, c.key(0, "lfu:hot").key.lfuFreq(), "5 (new key) + 10 GETs at lfu-log-factor 0");
                assertTrue(c.key(0, "lfu:hot").key.lfuFreq() > c.key(0, "lfu:new").key.lfuFreq(),
                        () -> "new " + c.key(0, "lfu:new").key);
                for (KeyRec k : c.keys.values()) {
                    assertEquals(-1, k.key.idleSeconds(), k.id());
                }
            }
        }
    }

    @Test
    void lruIdleTimesAreDelivered() throws Exception {
        try (LocalRedisServer redis = TestRedis.server().config("maxmemory-policy", "allkeys-lru").start();
             Jedis j = jedis(redis)) {
            j.set(b("lru:fresh"), b("fresh")); // not a shared small integer
            j.zadd(b("lru:z"), 1, b("m"));
            j.restore(b("lru:old"), 0, j.dump(b("lru:fresh")), RestoreParams.restoreParams().idleTime(5000));
            j.restore(b("lru:older"), 0, j.dump(b("lru:z")), RestoreParams.restoreParams().idleTime(86400));
            for (Capture c : saveAndVerify(redis, j)) {
                long old = c.key(0, "lru:old").key.idleSeconds();
                assertTrue(old >= 5000 && old <= 5005, "idle " + old);
                long older = c.key(0, "lru:older").key.idleSeconds();
                assertTrue(older >= 86400 && older <= 86405, "idle " + older);
                assertTrue(c.key(0, "lru:fresh").key.idleSeconds() <= 5, () -> "fresh " + c.key(0, "lru:fresh").key);
                for (KeyRec k : c.keys.values()) {
                    assertEquals(-1, k.key.lfuFreq(), k.id());
                }
            }
        }
    }

    // ================================================================ rdbchecksum no

    @Test
    void aFileSavedWithoutChecksumReadsAsDisabledAndIsStillValid() throws Exception {
        try (LocalRedisServer redis = TestRedis.server().config("rdbchecksum", "no").start();
             Jedis j = jedis(redis)) {
            j.set(b("a"), b("1"));
            j.rpush(b("l"), b("x"), b("y"));
            j.hset(b("h"), Map.of(b("f"), b("v")));
            for (Capture c : saveAndVerify(redis, j)) {
                assertEquals(ChecksumStatus.DISABLED, c.summary.checksum());
                assertEquals(0, c.summary.storedCrc());
            }
            RdbCheckReport report = new RdbCheck(redis.rdbFile(), System.currentTimeMillis()).run();
            assertEquals(RdbCheckReport.Verdict.VALID, report.verdict(), () -> String.valueOf(report.error()));
            assertEquals(ChecksumStatus.DISABLED, report.checksum());
            assertEquals(3, report.keys());
            assertTrue(report.warnings().stream().anyMatch(w -> w.contains("rdbchecksum no")), report.warnings().toString());
        }
    }

    // ================================================================ big values, chunked

    @Test
    void bigValuesAreDeliveredInChunksCompressedOrNot() throws Exception {
        try (LocalRedisServer redis = TestRedis.server().config("rdbcompression", "yes").start();
             Jedis j = jedis(redis)) {
            int big = RdbReader.DEFAULT_CHUNK_SIZE + 1_000_000;
            j.set(b("big:lzf:5m"), compressible(big, 10));
            j.set(b("big:random:5m"), random(big, 11));
            j.set(b("big:lzf:1m"), compressible(1_000_000, 12));
            j.set(b("big:random:1m"), random(1_000_000, 13));
            j.set(b("big:exact-chunk"), random(CHUNK_64K, 14));
            j.set(b("big:chunk+1"), random(CHUNK_64K + 1, 15));
            // Big elements of collections: no DEBUG needed, hashtable/skiplist encodings store them as
            // plain RDB strings, which the reader must also deliver in chunks.
            j.sadd(b("big:set"), random(300_000, 16), compressible(300_000, 17), b("small"));
            j.hset(b("big:hash"), Map.of(compressible(200_000, 18), random(300_000, 19), b("f"), compressible(250_000, 20)));
            j.zadd(b("big:zset"), Map.of(random(150_000, 21), 2.0, b("small"), 1.0));
            j.rpush(b("big:list"), random(300_000, 22), b("small")); // a packed node: the item is delivered whole

            List<Capture> compressed = saveAndVerify(redis, j, RdbReader.DEFAULT_CHUNK_SIZE, CHUNK_64K, TINY_CHUNK);
            assertChunking(compressed);
            Capture byDefault = compressed.get(0);
            assertEquals(0xC3, byDefault.key(0, "big:lzf:5m").rawFirstByte(), "compressible 5 MB value saved as LZF");
            assertEquals(0xC3, byDefault.key(0, "big:lzf:1m").rawFirstByte());
            assertEquals(0x80, byDefault.key(0, "big:random:5m").rawFirstByte(),
                    "random value saved plain with a 32-bit length");

            j.configSet("rdbcompression", "no");
            List<Capture> plain = saveAndVerify(redis, j, RdbReader.DEFAULT_CHUNK_SIZE, CHUNK_64K, TINY_CHUNK);
            assertChunking(plain);
            for (Capture c : plain) {
                for (KeyRec k : c.keys.values()) {
                    assertTrue(k.rawFirstByte() != 0xC3, k.id());
                    for (Item i : k.items) {
                        assertTrue(i.maxPiece <= c.chunkSize || i.chunks == 1,
                                "plain strings come in pieces of at most the chunk size: " + k.id() + " " + i);
                    }
                }
            }
        }
    }

    /**
     * The chunk size is documented as the size strings longer than it are delivered in ("longer
     * ones in chunks of this size"); plain strings honour it, but LZF-compressed ones go through
     * LzfStreamDecoder, which hands on pieces of up to 64 KiB whatever the chunk size.
     */
    @Test
    void lzfStringsArePiecedAtTheChunkSize() throws Exception {
        try (LocalRedisServer redis = TestRedis.server().config("rdbcompression", "yes").start();
             Jedis j = jedis(redis)) {
            j.set(b("lzf"), compressible(100_000, 30));
            for (Capture c : saveAndVerify(redis, j, 16 * 1024)) {
                KeyRec k = c.key(0, "lzf");
                assertEquals(0xC3, k.rawFirstByte());
                assertTrue(k.single().maxPiece <= 16 * 1024, "largest piece " + k.single().maxPiece + " bytes");
            }
        }
    }

    private static void assertChunking(List<Capture> reads) {
        for (Capture c : reads) {
            int cs = c.chunkSize;
            Item lzf5 = c.key(0, "big:lzf:5m").single();
            Item rnd5 = c.key(0, "big:random:5m").single();
            assertTrue(lzf5.chunks >= 2, "5 MB LZF value in chunks at chunk size " + cs);
            assertTrue(rnd5.chunks >= 2, "5 MB random value in chunks at chunk size " + cs);
            Item lzf1 = c.key(0, "big:lzf:1m").single();
            Item rnd1 = c.key(0, "big:random:1m").single();
            Item exact = c.key(0, "big:exact-chunk").single();
            Item plus1 = c.key(0, "big:chunk+1").single();
            if (cs == RdbReader.DEFAULT_CHUNK_SIZE) {
                assertEquals(1, lzf1.chunks, "1 MB is below the default chunk size: whole");
                assertEquals(1, rnd1.chunks);
                assertEquals(1, plus1.chunks);
            } else {
                assertTrue(lzf1.chunks >= 1_000_000 / LZF_STREAM_MAX_PIECE, "1 MB LZF value in chunks at " + cs);
                assertTrue(rnd1.chunks >= 1_000_000 / cs, "1 MB random value in chunks at " + cs);
                assertTrue(plus1.chunks >= 2, "one byte over the chunk size: chunked");
            }
            if (cs >= CHUNK_64K) {
                assertEquals(1, exact.chunks, "exactly the chunk size: whole");
            }
            for (String k : List.of("big:set", "big:hash", "big:zset")) {
                for (Item i : c.key(0, k).items) {
                    if (i.bytes != null && i.bytes.length > cs) {
                        assertTrue(i.chunks >= 2, k + " element of " + i.bytes.length + " bytes in chunks at " + cs);
                    }
                }
            }
            for (KeyRec k : c.keys.values()) {
                for (Item i : k.items) {
                    assertTrue(i.maxPiece <= Math.max(cs, LZF_STREAM_MAX_PIECE) || i.chunks == 1,
                            "piece of " + i.maxPiece + " bytes at chunk size " + cs + " in " + k.id());
                }
            }
        }
    }

    // ================================================================ saving and comparing

    /** SAVE, then read the server's RDB at the default and the tiny chunk size and compare with the server. */
    static List<Capture> saveAndVerify(LocalRedisServer redis, Jedis j) throws Exception {
        return saveAndVerify(redis, j, RdbReader.DEFAULT_CHUNK_SIZE, TINY_CHUNK);
    }

    static List<Capture> saveAndVerify(LocalRedisServer redis, Jedis j, int... chunkSizes) throws Exception {
        assertEquals("OK", j.save());
        Map<String, Long> lruLfu = lruLfuSnapshot(j);
        List<Capture> out = new ArrayList<>();
        for (int cs : chunkSizes) {
            Capture c = read(redis.rdbFile(), cs);
            assertMatchesServer(redis, j, c, lruLfu);
            out.add(c);
        }
        for (int i = 1; i < out.size(); i++) {
            assertEquals(out.get(0).canonical(), out.get(i).canonical(), "the chunk size does not change what is read");
        }
        return out;
    }

    static Capture read(Path rdb, int chunkSize) throws IOException, RdbException {
        Capture c = new Capture(chunkSize);
        long size = Files.size(rdb);
        try (InputStream in = Files.newInputStream(rdb)) {
            RdbReader r = new RdbReader(in, chunkSize);
            RdbSummary s = r.read(c);
            assertEquals(s, c.summary, "end() receives the summary read() returns");
            assertEquals(size, s.endOffset(), "the RDB ends with the file");
            assertEquals(size, r.bytesRead());
        }
        assertEquals(c.keys.size(), c.summary.keys());
        long last = -1;
        for (KeyRec k : c.keys.values()) {
            assertTrue(k.key.offset() > last && k.key.offset() < size, "key offsets increase within the file");
            last = k.key.offset();
        }
        return c;
    }

    /**
     * OBJECT FREQ or OBJECT IDLETIME of every key (db/name), taken right after SAVE: those do not
     * touch the key, but the commands that read values do.
     */
    static Map<String, Long> lruLfuSnapshot(Jedis j) {
        Map<String, Long> m = new HashMap<>();
        String policy = j.configGet("maxmemory-policy").get("maxmemory-policy");
        try {
            for (int db = 0; db < 16; db++) {
                j.select(db);
                for (byte[] k : j.keys(b("*"))) {
                    if (policy.contains("lfu")) {
                        m.put(db + "/" + iso(k), j.objectFreq(k));
                    } else if (policy.contains("lru")) {
                        m.put(db + "/" + iso(k), j.objectIdletime(k));
                    }
                }
            }
        } finally {
            j.select(0);
        }
        return m;
    }

    /** Everything the server holds, compared with what the reader delivered. */
    static void assertMatchesServer(LocalRedisServer redis, Jedis j, Capture c, Map<String, Long> lruLfu) {
        String version = redis.version();
        assertNotNull(c.header);
        assertEquals("REDIS", c.header.magic());
        assertEquals(version, str(c.aux.get("redis-ver")), "aux redis-ver");
        assertEquals("64", str(c.aux.get("redis-bits")));
        int total = 0;
        try {
            for (int db = 0; db < 16; db++) {
                j.select(db);
                Set<String> serverKeys = new TreeSet<>();
                for (byte[] k : j.keys(b("*"))) {
                    serverKeys.add(iso(k));
                }
                Set<String> readKeys = new TreeSet<>();
                for (KeyRec k : c.keys.values()) {
                    if (k.key.db() == db) {
                        readKeys.add(iso(k.key.name()));
                    }
                }
                assertEquals(serverKeys, readKeys, "keys of db " + db + " at chunk size " + c.chunkSize);
                for (String k : serverKeys) {
                    compareKey(j, c.key(db, k), version, lruLfu.get(db + "/" + k));
                }
                total += serverKeys.size();
            }
        } finally {
            j.select(0);
        }
        assertEquals(total, c.summary.keys());
        List<LibraryInfo> libs = j.functionListWithCode();
        assertEquals(libs.size(), c.functions.size(), "function libraries");
        Set<String> codes = new HashSet<>();
        libs.forEach(l -> codes.add(l.getLibraryCode()));
        for (byte[] f : c.functions) {
            assertTrue(codes.contains(new String(f, StandardCharsets.UTF_8)), "library code as FUNCTION LIST gives it");
        }
    }

    private static void compareKey(Jedis j, KeyRec rec, String version, Long lruLfu) {
        byte[] k = rec.key.name();
        String where = rec.id() + " at chunk size " + rec.chunkSize;
        String type = j.type(k);
        String encoding = str(j.objectEncoding(k));
        assertEquals(type, rec.key.type().dataType(), "type of " + where);
        assertEquals(expectedType(type, encoding, version), rec.key.type(), "RDB type of " + where + " (" + encoding + ")");
        long pexp = j.pexpireTime(k);
        assertEquals(pexp == -1 ? RdbKey.NO_EXPIRY : pexp, rec.key.expireAtMs(), "expiry of " + where);
        assertTrue(rec.valueBytes > 0, where);
        String policy = j.configGet("maxmemory-policy").get("maxmemory-policy");
        if (policy.contains("lfu")) {
            assertEquals(lruLfu.intValue(), rec.key.lfuFreq(), "LFU counter of " + where);
        } else if (policy.contains("lru")) {
            long idle = lruLfu;
            assertTrue(Math.abs(idle - rec.key.idleSeconds()) <= 2, "idle " + rec.key.idleSeconds() + " vs " + idle);
        } else {
            assertEquals(-1, rec.key.idleSeconds());
            assertEquals(-1, rec.key.lfuFreq());
        }
        switch (type) {
            case "string" -> {
                assertEquals(1, rec.elements);
                Item v = rec.single();
                assertEquals(ElementRole.STRING_VALUE, v.role);
                assertArrayEquals(j.get(k), v.bytes, where);
            }
            case "list" -> {
                List<byte[]> expected = j.lrange(k, 0, -1);
                assertEquals(expected.size(), rec.elements, where);
                assertEquals(expected.size(), rec.items.size(), where);
                for (int i = 0; i < expected.size(); i++) {
                    Item it = rec.items.get(i);
                    assertEquals(ElementRole.LIST_ITEM, it.role);
                    assertArrayEquals(expected.get(i), it.bytes, where + " item " + i);
                }
            }
            case "set" -> {
                Set<String> expected = new TreeSet<>();
                j.smembers(k).forEach(m -> expected.add(iso(m)));
                List<String> got = new ArrayList<>();
                for (Item it : rec.items) {
                    assertEquals(ElementRole.SET_MEMBER, it.role);
                    got.add(iso(it.bytes));
                }
                assertEquals(expected.size(), got.size(), "no duplicates in " + where);
                assertEquals(expected, new TreeSet<>(got), where);
                assertEquals(expected.size(), rec.elements);
            }
            case "zset" -> {
                List<Tuple> expected = j.zrangeWithScores(k, 0, -1);
                assertEquals(expected.size() * 2, rec.items.size(), where);
                assertEquals(expected.size(), rec.elements);
                Map<String, Double> exp = new TreeMap<>();
                List<String> expOrder = new ArrayList<>();
                for (Tuple t : expected) {
                    exp.put(iso(t.getBinaryElement()), t.getScore());
                    expOrder.add(iso(t.getBinaryElement()));
                }
                Map<String, Double> got = new TreeMap<>();
                List<String> gotOrder = new ArrayList<>();
                for (int i = 0; i < rec.items.size(); i += 2) {
                    Item m = rec.items.get(i);
                    Item s = rec.items.get(i + 1);
                    assertEquals(ElementRole.ZSET_MEMBER, m.role);
                    assertEquals(ElementRole.ZSET_SCORE, s.role);
                    assertNotNull(s.dbl, "scores come as doubles");
                    got.put(iso(m.bytes), s.dbl);
                    gotOrder.add(iso(m.bytes));
                }
                assertEquals(exp, got, where);
                if (rec.key.type() == RdbType.ZSET_LISTPACK) {
                    assertEquals(expOrder, gotOrder, "a listpack holds the sorted set in order");
                }
            }
            case "hash" -> {
                Map<String, String> exp = new TreeMap<>();
                j.hgetAll(k).forEach((f, v) -> exp.put(iso(f), iso(v)));
                Map<String, String> got = new TreeMap<>();
                assertEquals(exp.size() * 2, rec.items.size(), where);
                for (int i = 0; i < rec.items.size(); i += 2) {
                    assertEquals(ElementRole.HASH_FIELD, rec.items.get(i).role);
                    assertEquals(ElementRole.HASH_VALUE, rec.items.get(i + 1).role);
                    got.put(iso(rec.items.get(i).bytes), iso(rec.items.get(i + 1).bytes));
                }
                assertEquals(exp, got, where);
                assertEquals(exp.size(), rec.elements);
            }
            case "stream" -> compareStream(j, rec, where);
            default -> fail("unexpected type " + type);
        }
    }

    @SuppressWarnings("unchecked")
    private static void compareStream(Jedis j, KeyRec rec, String where) {
        byte[] k = rec.key.name();
        // Entries, in order, with their fields in order.
        List<Object> range = j.xrange(k, b("-"), b("+"));
        List<String> expected = new ArrayList<>();
        for (Object o : range) {
            List<Object> e = (List<Object>) o;
            expected.add("id " + iso((byte[]) e.get(0)));
            for (Object fv : (List<Object>) e.get(1)) {
                expected.add(iso((byte[]) fv));
            }
        }
        List<String> got = new ArrayList<>();
        for (int i = 0; i < rec.items.size(); i++) {
            Item it = rec.items.get(i);
            if (it.role == ElementRole.STREAM_ENTRY_ID) {
                got.add("id " + iso(it.bytes));
            } else {
                assertTrue(it.role == ElementRole.STREAM_FIELD || it.role == ElementRole.STREAM_VALUE);
                got.add(iso(it.bytes));
            }
        }
        assertEquals(expected, got, where);
        assertEquals(range.size(), rec.elements, where);

        Map<String, Object> info = flatMap(call(j, "XINFO", "STREAM", k));
        assertNotNull(rec.meta, "stream metadata of " + where);
        assertEquals(((Long) info.get("length")).longValue(), rec.meta.length());
        assertEquals(str(info.get("last-generated-id")), rec.meta.lastId().toString());
        if (info.containsKey("max-deleted-entry-id")) {
            assertEquals(str(info.get("max-deleted-entry-id")), rec.meta.maxDeletedId().toString());
            assertEquals(((Long) info.get("entries-added")).longValue(), rec.meta.entriesAdded().longValue());
            assertEquals(str(info.get("recorded-first-entry-id")), rec.meta.firstId().toString());
        }
        List<Object> groups = (List<Object>) call(j, "XINFO", "GROUPS", k);
        assertEquals(groups.size(), rec.groups.size(), "groups of " + where);
        for (int g = 0; g < groups.size(); g++) {
            Map<String, Object> gi = flatMap(groups.get(g));
            String name = str(gi.get("name"));
            RdbVisitor.StreamGroup rg = rec.groups.stream().filter(x -> iso(x.name()).equals(name)).findFirst()
                    .orElseThrow(() -> new AssertionError("group " + name + " missing in " + where));
            assertEquals(str(gi.get("last-delivered-id")), rg.lastId().toString());
            assertEquals(((Long) gi.get("pending")).longValue(), rg.pendingCount());
            if (gi.containsKey("entries-read")) {
                Object er = gi.get("entries-read");
                assertEquals(er == null ? -1L : (Long) er, rg.entriesRead(), "entries-read of " + name);
            }
            // Pending entries: id, owner, delivery count.
            List<Object> pel = (List<Object>) call(j, "XPENDING", k, name, "-", "+", "1000000");
            Map<String, Long> expPel = new TreeMap<>();
            Map<String, Long> perConsumer = new TreeMap<>();
            for (Object o : pel) {
                List<Object> p = (List<Object>) o;
                expPel.put(str(p.get(0)), (Long) p.get(3));
                perConsumer.merge(str(p.get(1)), 1L, Long::sum);
            }
            Map<String, Long> gotPel = new TreeMap<>();
            rec.pending.stream().filter(p -> iso(p.group()).equals(name))
                    .forEach(p -> gotPel.put(p.id().toString(), p.deliveryCount()));
            assertEquals(expPel, gotPel, "pending entries of group " + name + " in " + where);
            List<Object> consumers = (List<Object>) call(j, "XINFO", "CONSUMERS", k, name);
            Map<String, Long> expCons = new TreeMap<>();
            for (Object o : consumers) {
                Map<String, Object> ci = flatMap(o);
                expCons.put(str(ci.get("name")), (Long) ci.get("pending"));
                assertEquals(perConsumer.getOrDefault(str(ci.get("name")), 0L), ci.get("pending"));
            }
            Map<String, Long> gotCons = new TreeMap<>();
            rec.consumers.stream().filter(x -> iso(x.group()).equals(name))
                    .forEach(x -> gotCons.put(iso(x.name()), x.pendingCount()));
            assertEquals(expCons, gotCons, "consumers of group " + name + " in " + where);
        }
    }

    static RdbType expectedType(String type, String encoding, String version) {
        return switch (type + "/" + encoding) {
            case "string/int", "string/embstr", "string/raw" -> RdbType.STRING;
            case "list/quicklist", "list/listpack" -> RdbType.LIST_QUICKLIST_2;
            case "set/intset" -> RdbType.SET_INTSET;
            case "set/listpack" -> RdbType.SET_LISTPACK;
            case "set/hashtable" -> RdbType.SET;
            case "zset/listpack" -> RdbType.ZSET_LISTPACK;
            case "zset/skiplist" -> RdbType.ZSET_2;
            case "hash/listpack" -> RdbType.HASH_LISTPACK;
            case "hash/hashtable" -> RdbType.HASH;
            case "stream/stream" -> atLeast(version, 7, 2) ? RdbType.STREAM_LISTPACKS_3 : RdbType.STREAM_LISTPACKS_2;
            default -> throw new AssertionError("unexpected " + type + "/" + encoding);
        };
    }

    // ================================================================ the capturing visitor

    /** One delivered logical element: its chunks joined. */
    static final class Item {
        final ElementRole role;
        final byte[] bytes;
        final Double dbl;
        final boolean integer;
        final int chunks;
        final int maxPiece;

        Item(ElementRole role, byte[] bytes, Double dbl, boolean integer, int chunks, int maxPiece) {
            this.role = role;
            this.bytes = bytes;
            this.dbl = dbl;
            this.integer = integer;
            this.chunks = chunks;
            this.maxPiece = maxPiece;
        }

        String canonical() {
            return role + "=" + (dbl != null ? "d:" + Double.doubleToLongBits(dbl) : iso(bytes));
        }

        @Override
        public String toString() {
            return role + "[" + (bytes == null ? dbl : bytes.length + " bytes") + ", " + chunks + " chunk(s)]";
        }
    }

    static final class KeyRec {
        final int chunkSize;
        RdbKey key;
        final List<Item> items = new ArrayList<>();
        long elements = -1;
        long valueBytes = -1;
        RdbVisitor.StreamMeta meta;
        final List<RdbVisitor.StreamGroup> groups = new ArrayList<>();
        final List<RdbVisitor.StreamPending> pending = new ArrayList<>();
        final List<RdbVisitor.StreamConsumer> consumers = new ArrayList<>();
        final ByteArrayOutputStream raw = new ByteArrayOutputStream();
        long rawLength;

        KeyRec(int chunkSize) {
            this.chunkSize = chunkSize;
        }

        String id() {
            return key.db() + "/" + key.printableName();
        }

        Item single() {
            assertEquals(1, items.size(), id());
            return items.get(0);
        }

        int rawFirstByte() {
            return raw.size() == 0 ? -1 : raw.toByteArray()[0] & 0xFF;
        }
    }

    /** Records everything the reader delivers, checking the chunking rules on the way. */
    static final class Capture implements RdbVisitor {
        static final int RAW_KEEP = 2 << 20;
        final int chunkSize;
        RdbHeader header;
        final Map<String, byte[]> aux = new LinkedHashMap<>();
        final List<Integer> selects = new ArrayList<>();
        final List<byte[]> functions = new ArrayList<>();
        final Map<String, KeyRec> keys = new LinkedHashMap<>();
        RdbSummary summary;
        private KeyRec current;
        private ByteArrayOutputStream partial;
        private ElementRole partialRole;
        private long partialTotal;
        private int partialChunks;
        private int partialMaxPiece;

        Capture(int chunkSize) {
            this.chunkSize = chunkSize;
        }

        KeyRec key(int db, String name) {
            KeyRec k = keys.get(db + "/" + name);
            assertNotNull(k, "key " + name + " of db " + db + " was not read");
            return k;
        }

        /** Everything read, as text, to compare reads at different chunk sizes. */
        String canonical() {
            return canonical(true);
        }

        /** withSizes false: leaves out the serialized sizes, which depend on compression. */
        String canonical(boolean withSizes) {
            StringBuilder sb = new StringBuilder();
            for (KeyRec k : keys.values()) {
                sb.append(k.key.db()).append('/').append(iso(k.key.name())).append(' ').append(k.key.type())
                        .append(' ').append(k.key.expireAtMs()).append(' ').append(k.elements).append(' ')
                        .append(withSizes ? k.valueBytes : -1).append(' ').append(k.meta).append(k.groups.size()).append('\n');
                for (Item i : k.items) {
                    sb.append("  ").append(i.canonical()).append('\n');
                }
            }
            return sb.toString();
        }

        @Override
        public void header(RdbHeader h) {
            header = h;
        }

        @Override
        public void aux(byte[] key, byte[] value) {
            aux.put(iso(key), value.clone());
        }

        @Override
        public void function(byte[] code) {
            functions.add(code.clone());
        }

        @Override
        public void selectDb(int db) {
            selects.add(db);
        }

        @Override
        public void startKey(RdbKey key) {
            assertNull(current, "startKey inside a key");
            current = new KeyRec(chunkSize);
            current.key = new RdbKey(key.db(), key.name().clone(), key.type(), key.expireAtMs(), key.idleSeconds(),
                    key.lfuFreq(), key.offset());
        }

        @Override
        public RawValueSink rawValue(RdbKey key) {
            KeyRec rec = current;
            return (b, off, len) -> {
                if (rec.raw.size() < RAW_KEEP) {
                    rec.raw.write(b, off, Math.min(len, RAW_KEEP - rec.raw.size()));
                }
                rec.rawLength += len;
            };
        }

        @Override
        public void element(Element e) {
            assertNotNull(current, "element outside a key");
            if (e.isBytes()) {
                assertTrue(e.length() >= 0 && e.offset() >= 0 && e.offset() + e.length() <= e.array().length);
                if (e.isFirstChunk()) {
                    assertNull(partial, "a new element started before the last one's final chunk");
                    partial = new ByteArrayOutputStream();
                    partialRole = e.role();
                    partialTotal = e.totalLength();
                    partialChunks = 0;
                    partialMaxPiece = 0;
                } else {
                    assertNotNull(partial, "a continuation chunk without a first chunk");
                    assertEquals(partialRole, e.role());
                    assertEquals(partialTotal, e.totalLength());
                }
                if (!(e.isFirstChunk() && e.isLastChunk())) {
                    assertTrue(e.totalLength() > chunkSize, "only strings longer than the chunk size are split ("
                            + e.totalLength() + " <= " + chunkSize + ")");
                    assertTrue(e.length() > 0, "empty chunk");
                }
                partial.write(e.array(), e.offset(), e.length());
                partialChunks++;
                partialMaxPiece = Math.max(partialMaxPiece, e.length());
                assertTrue(partial.size() <= partialTotal, "more bytes than the total length");
                if (e.isLastChunk()) {
                    assertEquals(partialTotal, partial.size(), "chunks add up to the total length");
                    current.items.add(new Item(partialRole, partial.toByteArray(), null, false, partialChunks, partialMaxPiece));
                    partial = null;
                }
            } else {
                assertNull(partial, "an integer inside a chunked string");
                assertTrue(e.isFirstChunk() && e.isLastChunk());
                if (e.isInteger()) {
                    byte[] text = Long.toString(e.integerValue()).getBytes(StandardCharsets.US_ASCII);
                    assertEquals(text.length, e.totalLength());
                    assertArrayEquals(text, e.toBytes());
                    current.items.add(new Item(e.role(), text, null, true, 1, text.length));
                } else {
                    assertTrue(e.isDouble());
                    current.items.add(new Item(e.role(), null, e.doubleValue(), false, 1, 8));
                }
            }
        }

        @Override
        public void streamMeta(StreamMeta meta) {
            current.meta = meta;
        }

        @Override
        public void streamGroup(StreamGroup group) {
            current.groups.add(new StreamGroup(group.name().clone(), group.lastId(), group.entriesRead(), group.pendingCount()));
        }

        @Override
        public void streamPending(StreamPending p) {
            current.pending.add(new StreamPending(p.group().clone(), p.id(), p.deliveryTimeMs(), p.deliveryCount()));
        }

        @Override
        public void streamConsumer(StreamConsumer c) {
            current.consumers.add(new StreamConsumer(c.group().clone(), c.name().clone(), c.seenTimeMs(),
                    c.activeTimeMs(), c.pendingCount()));
        }

        @Override
        public void endKey(RdbKey key, long elements, long valueBytes) {
            assertNotNull(current);
            assertNull(partial, "key ended inside a chunked string");
            assertArrayEquals(current.key.name(), key.name());
            current.elements = elements;
            current.valueBytes = valueBytes;
            assertEquals(valueBytes, current.rawLength, "the raw value sink saw the value's bytes");
            long starting = current.items.stream().filter(i -> i.role.startsElement()).count();
            assertEquals(starting, elements, "element count of " + current.id());
            KeyRec prev = keys.put(current.key.db() + "/" + iso(current.key.name()), current);
            assertNull(prev, "key read twice: " + current.id());
            current = null;
        }

        @Override
        public void end(RdbSummary s) {
            assertNull(current);
            summary = s;
        }
    }

    /** The node layout of a quicklist-v2 value, parsed from its raw bytes. */
    static final class QuicklistShape {
        int nodes;
        int plainNodes;
        int lzfNodes;

        static QuicklistShape of(byte[] raw) {
            QuicklistShape s = new QuicklistShape();
            int[] p = {0};
            long n = len(raw, p);
            s.nodes = (int) n;
            for (int i = 0; i < n; i++) {
                long container = len(raw, p);
                if (container == 1) {
                    s.plainNodes++;
                }
                int h = raw[p[0]] & 0xFF;
                if (h == 0xC3) {
                    p[0]++;
                    long clen = len(raw, p);
                    len(raw, p);
                    p[0] += (int) clen;
                    s.lzfNodes++;
                } else if (h >= 0xC0) {
                    p[0] += 1 + (h == 0xC0 ? 1 : h == 0xC1 ? 2 : 4);
                } else {
                    long l = len(raw, p);
                    p[0] += (int) l;
                }
            }
            assertEquals(raw.length, p[0], "quicklist value parsed to its end");
            return s;
        }

        private static long len(byte[] b, int[] p) {
            int x = b[p[0]++] & 0xFF;
            switch (x >>> 6) {
                case 0:
                    return x & 0x3F;
                case 1:
                    return ((x & 0x3F) << 8) | (b[p[0]++] & 0xFF);
                default:
                    int n = x == 0x80 ? 4 : 8;
                    long v = 0;
                    for (int i = 0; i < n; i++) {
                        v = (v << 8) | (b[p[0]++] & 0xFF);
                    }
                    return v;
            }
        }

        @Override
        public String toString() {
            return nodes + " nodes, " + plainNodes + " plain, " + lzfNodes + " LZF-compressed";
        }
    }

    // ================================================================ helpers

    static Jedis jedis(LocalRedisServer redis) {
        return new Jedis(LocalRedisServer.HOST, redis.port(), 120_000);
    }

    static ProtocolCommand cmd(String name) {
        byte[] raw = b(name);
        return () -> raw;
    }

    /** Sends a command with String/byte[]/number arguments and returns the raw reply. */
    static Object call(Jedis j, String command, Object... args) {
        byte[][] a = new byte[args.length][];
        for (int i = 0; i < args.length; i++) {
            a[i] = args[i] instanceof byte[] bytes ? bytes : b(String.valueOf(args[i]));
        }
        return j.sendCommand(cmd(command), a);
    }

    static void xadd(Jedis j, byte[] key, String id, String... fieldsAndValues) {
        Object[] args = new Object[fieldsAndValues.length + 2];
        args[0] = key;
        args[1] = id;
        System.arraycopy(fieldsAndValues, 0, args, 2, fieldsAndValues.length);
        call(j, "XADD", args);
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> flatMap(Object reply) {
        List<Object> l = (List<Object>) reply;
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i + 1 < l.size(); i += 2) {
            m.put(str(l.get(i)), l.get(i + 1));
        }
        return m;
    }

    static String enc(Jedis j, String key) {
        return str(j.objectEncoding(b(key)));
    }

    static boolean atLeast(String version, int major, int minor) {
        String[] p = version.split("[.-]");
        int ma = Integer.parseInt(p[0]);
        int mi = p.length > 1 ? Integer.parseInt(p[1]) : 0;
        return ma > major || (ma == major && mi >= minor);
    }

    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String str(Object o) {
        return o == null ? null : o instanceof byte[] bytes ? new String(bytes, StandardCharsets.UTF_8) : o.toString();
    }

    /** Bytes as a String one char per byte, for exact comparisons and sorting. */
    static String iso(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    static byte[] random(int n, long seed) {
        byte[] r = new byte[n];
        SplittableRandom rnd = new SplittableRandom(seed);
        for (int i = 0; i < n; i += 8) {
            long v = rnd.nextLong();
            for (int k = 0; k < 8 && i + k < n; k++) {
                r[i + k] = (byte) (v >>> (8 * k));
            }
        }
        return r;
    }

    /** Data LZF compresses well but not trivially: repeated text with varying numbers and random runs. */
    static byte[] compressible(int n, long seed) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(n + 64);
        SplittableRandom rnd = new SplittableRandom(seed);
        int line = 0;
        while (out.size() < n) {
            String s = "line " + line++ + ": the same words again and again, value=" + rnd.nextInt(1000) + "\n";
            out.writeBytes(s.getBytes(StandardCharsets.US_ASCII));
            if (line % 50 == 0) {
                out.writeBytes(random(16, rnd.nextLong()));
            }
        }
        return Arrays.copyOf(out.toByteArray(), n);
    }

    static byte[] repeat(byte[] unit, int times) {
        byte[] r = new byte[unit.length * times];
        for (int i = 0; i < times; i++) {
            System.arraycopy(unit, 0, r, i * unit.length, unit.length);
        }
        return r;
    }

    static byte[] allBytes() {
        byte[] r = new byte[256];
        for (int i = 0; i < 256; i++) {
            r[i] = (byte) i;
        }
        return r;
    }

    /** Fills a server (started with enable-debug-command yes) with every encoding; DamageTest uses it. */
    static void populateEveryEncoding(Jedis j, Consumer<String> log) {
        // strings
        j.set(b("str:int"), b("12345"));
        j.set(b("str:i32"), b("-2147483648"));
        j.set(b("str:embstr"), b("hello"));
        j.set(b("str:raw"), random(120, 100));
        j.set(b("str:lzf"), b("abcabcabc".repeat(40)));
        j.set(b("str:empty"), new byte[0]);
        j.pexpireAt(b("str:raw"), 4102444800123L);
        // lists: one listpack node, many nodes, compressed nodes, plain nodes
        j.rpush(b("list:small"), b("a"), b("1"), b("-70000"), b("x".repeat(70)));
        j.configSet("list-max-listpack-size", "4");
        byte[][] many = new byte[40][];
        for (int i = 0; i < many.length; i++) {
            many[i] = i % 2 == 0 ? b(Integer.toString(i * 1000)) : b("item-" + i);
        }
        j.rpush(b("list:nodes"), many);
        j.configSet("list-compress-depth", "1");
        byte[][] comp = new byte[24][];
        for (int i = 0; i < comp.length; i++) {
            comp[i] = b("compressible-" + "q".repeat(40) + i);
        }
        j.rpush(b("list:compressed"), comp);
        j.configSet("list-compress-depth", "0");
        j.configSet("list-max-listpack-size", "-2");
        j.sendCommand(cmd("DEBUG"), b("QUICKLIST-PACKED-THRESHOLD"), b("100"));
        j.rpush(b("list:plain"), b("s1"), b("P".repeat(150)), b("s2"), b("R".repeat(300)));
        j.sendCommand(cmd("DEBUG"), b("QUICKLIST-PACKED-THRESHOLD"), b("1073741824"));
        // sets
        j.sadd(b("set:intset"), b("1"), b("2"), b("70000"), b("-5000000000"));
        byte[][] members = new byte[150][];
        for (int i = 0; i < members.length; i++) {
            members[i] = b("m" + i);
        }
        j.sadd(b("set:ht"), members);
        j.sadd(b("set:small"), b("a"), b("b"), b("c")); // listpack on 7.2+, hashtable before
        // sorted sets
        j.zadd(b("zset:lp"), Map.of(b("a"), 1.5, b("b"), Double.POSITIVE_INFINITY, b("c"), -1.5e300, b("d"), 3.0));
        Map<byte[], Double> zm = new HashMap<>();
        for (int i = 0; i < 140; i++) {
            zm.put(b("z" + i), i * 0.25);
        }
        zm.put(b("ninf"), Double.NEGATIVE_INFINITY);
        j.zadd(b("zset:sl"), zm);
        // hashes
        j.hset(b("hash:lp"), Map.of(b("f1"), b("v1"), b("f2"), b("22"), b("3"), b("three")));
        Map<byte[], byte[]> hm = new HashMap<>();
        for (int i = 0; i < 140; i++) {
            hm.put(b("field" + i), i % 3 == 0 ? b(Integer.toString(i)) : b("value" + i));
        }
        j.hset(b("hash:ht"), hm);
        // streams
        populateStreams(j);
        // other databases and a function library
        j.select(3);
        j.set(b("db3:key"), b("v"));
        j.expire(b("db3:key"), 100000);
        j.select(0);
        j.functionLoad("#!lua name=damagelib\nredis.register_function('f', function(keys, args) return 1 end)\n");
        log.accept("populated every encoding");
    }
}
