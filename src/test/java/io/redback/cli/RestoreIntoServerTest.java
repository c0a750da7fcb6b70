package io.redback.cli;

import static io.redback.cli.Cli.redback;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.redback.cli.Cli.Run;
import io.redback.redis.LocalRedisServer;
import io.redback.redis.RedisConnection;
import io.redback.testsupport.Datasets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import redis.clients.jedis.Jedis;

/**
 * {@code restore --into}: the runbook "put the backup back into the running server" done by
 * redback. Every fixture the test server loads, restored into an empty server, gives the DEBUG
 * DIGEST (TTLs included) and the functions of a server that loaded the file; conflicts follow
 * the policy; filters choose keys and databases; expiry is absolute.
 */
@io.redback.testsupport.Slow
class RestoreIntoServerTest {
    @TempDir
    Path tmp;

    /** One empty target for all fixtures (flushed between them): starting servers is the slow part. */
    private static LocalRedisServer target;

    @BeforeAll
    static void startTarget() throws Exception {
        target = Datasets.server().start();
    }

    @AfterAll
    static void stopTarget() {
        if (target != null) {
            target.close();
        }
    }

    static Stream<String> loadableFixtures() throws Exception {
        return FixtureRoundTripOnS3Test.loadableFixtures();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("loadableFixtures")
    void everyFixtureRestoredIntoAnEmptyServerEqualsTheServerThatLoadedIt(String fixture) throws Exception {
        try (RedisConnection c = target.connect()) {
            c.call("FLUSHALL");
            c.call("FUNCTION", "FLUSH");
            c.call("CONFIG", "RESETSTAT");
        }
        Path rdb = Cli.fixture("/fixtures/" + fixture);
        try (LocalRedisServer loaded = Datasets.server().rdb(rdb).start()) {
            String digest = Datasets.digest(loaded);
            long keys = totalKeys(loaded);
            Run run = redback("restore", "--from-rdb", rdb.toString(), "--into", uri(target), "--json", "-q");
            assertThat(run.exit()).as(run.err() + run.out()).isZero();
            try (RedisConnection c = target.connect()) {
                assertThat(c.info("commandstats")).as("an empty database cannot conflict: no EXISTS")
                        .doesNotContainKey("cmdstat_exists");
            }
            JsonNode j = run.json();
            assertThat(j.get("outcome").asText()).isEqualTo("restored");
            assertThat(j.get("restored").asLong()).as("keys the loader kept").isEqualTo(keys);
            assertThat(j.get("failed").asLong()).isZero();
            assertThat(Datasets.digest(target)).as(fixture + " DEBUG DIGEST").isEqualTo(digest);
            assertThat(Datasets.functions(target)).as("functions").isEqualTo(Datasets.functions(loaded));
        }
    }

    /** With --big-key-size 1 every value that can goes in batches to a temporary key: every encoding the reader knows. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("loadableFixtures")
    void everyFixtureRestoredInBatchesEqualsTheServerThatLoadedIt(String fixture) throws Exception {
        try (RedisConnection c = target.connect()) {
            c.call("FLUSHALL");
            c.call("FUNCTION", "FLUSH");
        }
        Path rdb = Cli.fixture("/fixtures/" + fixture);
        try (LocalRedisServer loaded = Datasets.server().rdb(rdb).start()) {
            String digest = Datasets.digest(loaded);
            long keys = totalKeys(loaded);
            Run run = redback("restore", "--from-rdb", rdb.toString(), "--into", uri(target), "--big-key-size", "1",
                    "--json", "-q");
            assertThat(run.exit()).as(run.err() + run.out()).isZero();
            JsonNode j = run.json();
            assertThat(j.get("restored").asLong()).as("keys the loader kept").isEqualTo(keys);
            assertThat(j.get("failed").asLong()).isZero();
            java.util.Set<String> lossy = new java.util.HashSet<>();
            j.get("lossyKeys").forEach(k -> {
                assertThat(k.get("reason").asText()).contains("-0");
                lossy.add(k.get("key").asText());
            });
            if (lossy.isEmpty()) {
                assertThat(Datasets.digest(target)).as(fixture + " DEBUG DIGEST").isEqualTo(digest);
            }
            // Key by key: every value but the lossy ones (scores of -0) equal, expiry included.
            try (RedisConnection l = loaded.connect(); RedisConnection c = target.connect()) {
                for (Object k : (java.util.List<?>) l.call("KEYS", "*")) {
                    String name = new String((byte[]) k, java.nio.charset.StandardCharsets.UTF_8);
                    if (!lossy.contains(name)) {
                        assertThat(c.call("DEBUG", "DIGEST-VALUE", k)).as(fixture + " " + name)
                                .isEqualTo(l.call("DEBUG", "DIGEST-VALUE", k));
                        assertThat(c.callLong("PEXPIRETIME", k)).isEqualTo(l.callLong("PEXPIRETIME", k));
                    }
                }
            }
            try (RedisConnection c = target.connect()) {
                assertThat((java.util.List<?>) c.call("KEYS", "*redback-tmp*")).isEmpty();
            }
        }
    }

    @Test
    void aSnapshotGoesBackIntoTheServerItCameFromAfterAFlushall() throws Exception {
        String repo = tmp.resolve("repo").toString();
        try (LocalRedisServer source = Datasets.server().config("repl-diskless-sync-delay", "0").start();
             Jedis j = Datasets.jedis(source)) {
            Datasets.everyType(j, 1_000);
            String digest = Datasets.digest(source);
            Run backup = redback("backup", "--redis", uri(source), "--repo", repo, "-q");
            assertThat(backup.exit()).as(backup.err()).isZero();
            j.flushAll();
            j.functionFlush();

            Run run = redback("restore", "--snapshot", "latest", "--repo", repo, "--into", uri(source), "-q");
            assertThat(run.exit()).as(run.err() + run.out()).isZero();
            assertThat(run.out()).contains("restored snapshot ", " 0 failed", "1 library(ies) loaded");
            assertThat(Datasets.digest(source)).as("the data as backed up, TTLs absolute").isEqualTo(digest);
            assertThat(j.pexpireTime("str:ttl")).as("the absolute deadline").isEqualTo(Datasets.FAR_FUTURE_MS);
        }
    }

    @Test
    void conflictsFollowThePolicy() throws Exception {
        try (LocalRedisServer source = Datasets.server().start(); Jedis s = Datasets.jedis(source)) {
            s.set("a", "from-backup");
            s.set("b", "from-backup");
            s.rpush("list", "1", "2");
            long deadline = System.currentTimeMillis() + 500;
            s.psetex("dies-soon", 500, "x");
            Path rdb = save(source);
            Thread.sleep(Math.max(0, deadline + 50 - System.currentTimeMillis())); // time must pass: dies-soon's TTL
            try (LocalRedisServer live = Datasets.server().start(); Jedis l = Datasets.jedis(live)) {
                l.set("a", "written-since");
                l.rpush("list", "9");

                Run fail = redback("restore", "--from-rdb", rdb.toString(), "--into", uri(live), "--json", "-q");
                assertThat(fail.exit()).as(fail.err()).isEqualTo(1);
                assertThat(fail.json().get("outcome").asText()).isEqualTo("refused");
                assertThat(fail.json().get("conflicts").asLong()).isEqualTo(2);
                assertThat(fail.json().get("expired").asLong()).as("its deadline passed: not sent").isEqualTo(1);
                assertThat(keysOf(fail.json().get("conflictKeys"))).containsExactlyInAnyOrder("a", "list");
                assertThat(fail.err()).contains("already exist", "nothing was written");
                assertThat(l.dbSize()).as("nothing written").isEqualTo(2);
                assertThat(l.exists("b")).isFalse();

                Run dry = redback("restore", "--from-rdb", rdb.toString(), "--into", uri(live), "--dry-run",
                        "--on-conflict", "replace", "--json", "-q");
                assertThat(dry.exit()).as(dry.err()).isZero();
                assertThat(dry.json().get("outcome").asText()).isEqualTo("planned");
                assertThat(dry.json().get("planned").asLong()).isEqualTo(3);
                assertThat(dry.json().get("conflicts").asLong()).isEqualTo(2);
                assertThat(l.exists("b")).as("a dry run writes nothing").isFalse();

                Run skip = redback("restore", "--from-rdb", rdb.toString(), "--into", uri(live), "--on-conflict",
                        "skip", "--json", "-q");
                assertThat(skip.exit()).as(skip.err()).isZero();
                assertThat(skip.json().get("restored").asLong()).isEqualTo(1);
                assertThat(skip.json().get("skipped").asLong()).isEqualTo(2);
                assertThat(keysOf(skip.json().get("skippedKeys"))).containsExactlyInAnyOrder("a", "list");
                assertThat(l.get("a")).as("the target's kept").isEqualTo("written-since");
                assertThat(l.lrange("list", 0, -1)).as("never a merge").containsExactly("9");
                assertThat(l.get("b")).isEqualTo("from-backup");

                Run replace = redback("restore", "--from-rdb", rdb.toString(), "--into", uri(live), "--on-conflict",
                        "replace", "--json", "-q");
                assertThat(replace.exit()).as(replace.err()).isZero();
                assertThat(replace.json().get("restored").asLong()).isEqualTo(3);
                assertThat(l.get("a")).isEqualTo("from-backup");
                assertThat(l.lrange("list", 0, -1)).containsExactly("1", "2");
                assertThat(l.exists("dies-soon")).as("expired keys stay dead").isFalse();
            }
        }
    }

    @Test
    void filtersChooseKeysTypesAndDatabases() throws Exception {
        try (LocalRedisServer source = Datasets.server().start(); Jedis s = Datasets.jedis(source)) {
            Datasets.everyType(s, 0);
            Path rdb = save(source);
            Path list = tmp.resolve("keys.txt");
            Files.writeString(list, "str:small\r\nlist:small\n\nno-such-key\n");
            try (LocalRedisServer live = Datasets.server().start(); Jedis l = Datasets.jedis(live)) {
                Run globs = redback("restore", "--from-rdb", rdb.toString(), "--into", uri(live), "--db", "0",
                        "--key", "hash:*", "--key", "set:*", "--exclude-key", "*:big", "--json", "-q");
                assertThat(globs.exit()).as(globs.err()).isZero();
                assertThat(l.keys("*")).containsExactlyInAnyOrder("hash:small", "set:small", "set:intset");
                assertThat(Datasets.functions(live)).as("a narrowed restore leaves functions alone").isEmpty();
                l.flushAll();

                Run types = redback("restore", "--from-rdb", rdb.toString(), "--into", uri(live), "--type", "zset",
                        "--type", "stream", "-q");
                assertThat(types.exit()).as(types.err()).isZero();
                assertThat(l.keys("*")).containsExactlyInAnyOrder("zset:small", "zset:big", "stream:events");
                l.flushAll();

                Run map = redback("restore", "--from-rdb", rdb.toString(), "--into", uri(live), "--db", "7",
                        "--db-map", "7:3", "--json", "-q");
                assertThat(map.exit()).as(map.err()).isZero();
                assertThat(map.json().get("plannedPerDb").get("3").asLong()).isEqualTo(1);
                l.select(3);
                assertThat(l.get("db7:key")).isEqualTo("v");
                assertThat(l.pexpireTime("db7:key")).isEqualTo(Datasets.FAR_FUTURE_MS);
                l.flushAll();
                l.select(0);

                Run keys = redback("restore", "--from-rdb", rdb.toString(), "--into", uri(live), "--keys-from",
                        list.toString(), "--json", "-q");
                assertThat(keys.exit()).as(keys.err()).isZero();
                assertThat(l.keys("*")).containsExactlyInAnyOrder("str:small", "list:small");
            }
        }
    }

    /**
     * Newer releases' data into Redis 7.0.15: keys of types 7.0 reads go in as they are (the payload
     * says RDB 10), each with the value digest the newer release recorded (DEBUG DIGEST-VALUE of these
     * types is the same across releases); without a filter, the listpack sets and v3 streams that 7.0
     * cannot read go re-encoded, and 7.4's hashes with field TTLs make the restore refuse (--lossy fail)
     * before anything is written, naming them.
     */
    @ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"redis-7.2.6", "valkey-8.0.1", "redis-7.4.1"})
    void newerReleasesDataGoesIntoRedis70ForTheTypesItReads(String release) throws Exception {
        try (RedisConnection c = target.connect()) {
            c.call("FLUSHALL");
            c.call("FUNCTION", "FLUSH");
        }
        Path rdb = Cli.fixture("/fixtures/" + release + "/dump.rdb");
        Run all = redback("restore", "--from-rdb", rdb.toString(), "--into", uri(target), "--json", "-q");
        if (release.equals("redis-7.4.1")) {
            // Hashes with field TTLs: 7.0 cannot keep them, and --lossy fail (the default) refuses.
            assertThat(all.exit()).as(all.err()).isEqualTo(1);
            assertThat(all.json().get("outcome").asText()).isEqualTo("refused");
            assertThat(all.json().get("lossy").asLong()).isPositive();
            assertThat(all.err()).contains("with something lost", "hfe:", "nothing was written");
            assertThat(Datasets.keyspace(target)).as("nothing written").isEmpty();
        } else {
            // Listpack sets and v3 streams, which 7.0 cannot read as they are, go re-encoded.
            assertThat(all.exit()).as(all.err() + all.out()).isZero();
            assertThat(all.json().get("failed").asLong()).isZero();
            try (RedisConnection c = target.connect()) {
                c.call("FLUSHALL");
                c.call("FUNCTION", "FLUSH");
            }
        }

        List<String> types = release.equals("redis-7.4.1") ? List.of("string", "list", "zset")
                : List.of("string", "list", "zset", "hash");
        List<String> args = new ArrayList<>(List.of("restore", "--from-rdb", rdb.toString(), "--into", uri(target),
                "--json", "-q"));
        types.forEach(t -> args.addAll(List.of("--type", t)));
        Run run = redback(args.toArray(String[]::new));
        assertThat(run.exit()).as(run.err() + run.out()).isZero();
        long now = System.currentTimeMillis();
        long compared = 0;
        // The same dataset (gen.py) as recorded by 7.0.15 itself: a sorted set's digest formats scores as the
        // release does (7.2 changed it), so 7.0's own digest is what a faithful restore into 7.0 gives.
        java.util.Map<String, String> on70 = new java.util.HashMap<>();
        for (String line : Files.readAllLines(Cli.fixture("/fixtures/redis-7.0.15-debian/keys.tsv"))) {
            String[] f = line.split("\\t");
            on70.put(f[0] + " " + f[1], f[6]);
        }
        try (RedisConnection c = target.connect()) {
            for (String line : Files.readAllLines(Cli.fixture("/fixtures/" + release + "/keys.tsv"))) {
                String[] f = line.split("\t");
                long expireAt = Long.parseLong(f[4]);
                if (!types.contains(f[2]) || (expireAt >= 0 && expireAt <= now)) {
                    continue;
                }
                c.call("SELECT", f[0]);
                Object digest = c.call("DEBUG", "DIGEST-VALUE", f[1]);
                Object first = digest instanceof List<?> l ? l.get(0) : digest;
                assertThat(first instanceof byte[] b ? new String(b, java.nio.charset.StandardCharsets.UTF_8)
                        : String.valueOf(first)).as(release + " db " + f[0] + " " + f[1])
                        .isEqualTo(on70.getOrDefault(f[0] + " " + f[1], f[6]));
                assertThat(c.callLong("PEXPIRETIME", f[1])).isEqualTo(expireAt);
                compared++;
            }
        }
        assertThat(run.json().get("restored").asLong()).isEqualTo(compared).isGreaterThan(30);
    }

    @Test
    void usageErrorsAreOneLine() throws Exception {
        Run both = redback("restore", "--from-rdb", "x.rdb", "--into", "redis://127.0.0.1:1", "--to-dir", "d");
        assertThat(both.exit()).isEqualTo(2);
        assertThat(both.err()).contains("--to-dir DIR (files) or --into URI");
        Run filterWithoutInto = redback("restore", "--from-rdb", "x.rdb", "--to-dir", tmp.toString(), "--key", "a*");
        assertThat(filterWithoutInto.exit()).isEqualTo(2);
        assertThat(filterWithoutInto.err()).contains("go with --into");
        Path rdb = tmp.resolve("empty.rdb");
        try (LocalRedisServer source = Datasets.server().start()) {
            Files.copy(save(source), rdb);
        }
        Run refused = redback("restore", "--from-rdb", rdb.toString(), "--into", "redis://127.0.0.1:1", "-q");
        assertThat(refused.exit()).isEqualTo(2);
        assertThat(refused.err()).startsWith("redback restore: ").contains("127.0.0.1:1");
        Run badSize = redback("restore", "--from-rdb", rdb.toString(), "--into", "redis://127.0.0.1:1",
                "--big-key-size", "lots", "-q");
        assertThat(badSize.exit()).isEqualTo(2);
        assertThat(badSize.err().strip()).isEqualTo("redback restore: --big-key-size 'lots' is not a size: use e.g. 16MiB, "
                + "1GiB, 65536");
    }

    // ------------------------------------------------------------------ helpers

    private Path save(LocalRedisServer server) throws Exception {
        try (RedisConnection c = server.connect()) {
            c.call("SAVE");
        }
        Path copy = Files.createTempFile(tmp, "dump-", ".rdb");
        Files.copy(server.rdbFile(), copy, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        return copy;
    }

    static String uri(LocalRedisServer server) {
        return "redis://127.0.0.1:" + server.port();
    }

    static List<String> keysOf(JsonNode refs) {
        List<String> out = new ArrayList<>();
        refs.forEach(r -> out.add(r.get("key").asText()));
        return out;
    }

    static long totalKeys(LocalRedisServer server) throws Exception {
        long n = 0;
        for (String v : Datasets.keyspace(server).values()) {
            n += Long.parseLong(v.replaceAll("^keys=(\\d+).*", "$1"));
        }
        return n;
    }
}
