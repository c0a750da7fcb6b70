package io.redback.restore;

import static org.assertj.core.api.Assertions.assertThat;

import io.redback.redis.LocalRedisServer;
import io.redback.redis.RedisConnection;
import io.redback.testsupport.Datasets;
import io.redback.testsupport.ServerReleases;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import redis.clients.jedis.Jedis;

/**
 * The digest of a served key, from its DUMP payload and PTTL, equals the server's own
 * DEBUG DIGEST-VALUE for every key of every type (fractional scores and TTLs included), on the
 * redis-server the tests use and on the newer releases the test support can build.
 */
@io.redback.testsupport.Slow
class ServedDigestTest {
    @Test
    void everyTypeOnTheTestServerDigestsAsDebugDigestValue() throws Exception {
        try (LocalRedisServer redis = Datasets.server().start()) {
            assertEqualToDebugDigest(redis);
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"redis-7.2.6", "redis-7.4.1", "valkey-8.0.1"})
    void newerReleasesDigestAsDebugDigestValue(String release) throws Exception {
        try (LocalRedisServer redis = ServerReleases.server(release).config("enable-debug-command", "yes").start()) {
            assertEqualToDebugDigest(redis);
        }
    }

    @Test
    void aPayloadWhoseChecksumIsWrongIsRefused() throws Exception {
        try (LocalRedisServer redis = Datasets.server().start(); RedisConnection c = redis.connect()) {
            c.call("SET", "k", "value");
            byte[] payload = (byte[]) c.call("DUMP", "k");
            payload[2] ^= 1;
            ServedDigest d = new ServedDigest(KeyDigest.ScoreFormat.forVersion(redis.version()));
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> d.ofPayload(payload, false))
                    .hasMessageContaining("CRC64");
            assertThat(d.of(c, "missing".getBytes(StandardCharsets.UTF_8))).isNull();
        }
    }

    private static void assertEqualToDebugDigest(LocalRedisServer redis) throws Exception {
        try (Jedis j = Datasets.jedis(redis)) {
            Datasets.everyType(j, 20);
            j.select(0);
            j.zadd("zset:fractions", java.util.Map.of("a", 0.1, "b", 1.0 / 3, "c", 1e-5, "d", 1.5e17, "e", -2.5));
            j.rpush("list:ttl", "x", "y");
            j.pexpire("list:ttl", 3_600_000);
        }
        ServedDigest served = new ServedDigest(KeyDigest.ScoreFormat.forVersion(redis.version()));
        Set<String> types = new TreeSet<>();
        int compared = 0;
        try (RedisConnection c = redis.connect()) {
            for (int db = 0; db < 16; db++) {
                c.call("SELECT", db);
                String cursor = "0";
                do {
                    List<?> reply = (List<?>) c.call("SCAN", cursor, "COUNT", 1000);
                    cursor = new String((byte[]) reply.get(0), StandardCharsets.US_ASCII);
                    for (Object o : (List<?>) reply.get(1)) {
                        byte[] key = (byte[]) o;
                        String type = String.valueOf(c.call("TYPE", key));
                        String expected = String.valueOf(((List<?>) c.call("DEBUG", "DIGEST-VALUE", key)).get(0));
                        assertThat(KeyDigest.hex(served.of(c, key)))
                                .as("digest of %s (%s) in db %d on %s", new String(key, StandardCharsets.UTF_8), type,
                                        db, redis.version())
                                .isEqualTo(expected);
                        types.add(type);
                        compared++;
                    }
                } while (!cursor.equals("0"));
            }
        }
        assertThat(types).contains("string", "list", "set", "zset", "hash", "stream");
        assertThat(compared).isGreaterThan(20);
    }
}
