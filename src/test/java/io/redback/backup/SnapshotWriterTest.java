package io.redback.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.luben.zstd.ZstdInputStream;
import io.redback.bytes.Sha256;
import io.redback.rdb.RdbException;
import io.redback.redis.LocalRedisServer;
import io.redback.redis.RedisConnection;
import io.redback.redis.RedisUri;
import io.redback.redis.ReplicaSync;
import io.redback.repo.Compression;
import io.redback.repo.SnapshotManifest.Method;
import io.redback.storage.Storage;
import io.redback.storage.file.FileStorage;
import io.redback.testsupport.Datasets;
import io.redback.testsupport.TestRedis;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import redis.clients.jedis.Jedis;

/**
 * "Take a snapshot, restore it into a fresh server, get the same data": for every dataset
 * this redis-server can load (the release fixtures of its RDB version or older, and a dataset
 * of every type written here), by diskless sync, disk-based sync and BGSAVE, into a real
 * {@link FileStorage}.
 */
@io.redback.testsupport.Slow
class SnapshotWriterTest {
    @TempDir
    Path dir;

    /** A fixture release folder, or "jedis" for the dataset written by {@link Datasets#everyType}. */
    static Stream<String> datasets() throws IOException, URISyntaxException {
        int loadable = rdbVersionOfTestServer();
        List<String> out = new ArrayList<>();
        try (Stream<Path> releases = Files.list(fixtures())) {
            releases.filter(p -> Files.exists(p.resolve("dump.rdb")))
                    .filter(p -> rdbVersion(p.resolve("dump.rdb")) <= loadable)
                    .map(p -> p.getFileName().toString()).sorted().forEach(out::add);
        }
        assertThat(out).as("the redis-7.0.15-debian fixture loads into redis-server 7.0").isNotEmpty();
        out.add("jedis");
        return out.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("datasets")
    void everyMethodStoresAnRdbThatRestoresToTheSameData(String dataset) throws Exception {
        LocalRedisServer.Builder builder = Datasets.server().config("repl-diskless-sync-delay", "0");
        if (!dataset.equals("jedis")) {
            builder.rdb(fixtures().resolve(dataset).resolve("dump.rdb"));
        }
        try (LocalRedisServer source = builder.start();
             Jedis j = Datasets.jedis(source);
             Storage storage = new FileStorage(dir.resolve("repo"))) {
            if (dataset.equals("jedis")) {
                Datasets.everyType(j, 20_000);
            }
            String digest = Datasets.digest(source);
            Map<String, String> keyspace = Datasets.keyspace(source);
            List<String> functions = Datasets.functions(source);
            assertThat(functions).isNotEmpty();
            RedisUri uri = RedisUri.parse("redis://127.0.0.1:" + source.port());

            for (String method : List.of("diskless", "disk", "bgsave")) {
                String key = "sources/test/snapshots/" + dataset + "-" + method + "/dump.rdb.zst";
                List<double[]> progress = new ArrayList<>();
                SnapshotWriter writer = new SnapshotWriter(storage, Compression.zstd(3),
                        (bytes, total, mbs) -> progress.add(new double[] {bytes, total, mbs}));
                SnapshotResult r;
                if (method.equals("bgsave")) {
                    r = writer.write(key, BgsaveSnapshot.take(uri, source.rdbFile()));
                    assertThat(r.method()).isEqualTo(Method.BGSAVE);
                } else {
                    j.configSet("repl-diskless-sync", method.equals("diskless") ? "yes" : "no");
                    try (ReplicaSync sync = ReplicaSync.start(uri)) {
                        assertThat(sync.diskless()).isEqualTo(method.equals("diskless"));
                        r = writer.write(key, sync);
                    }
                    assertThat(r.method()).isEqualTo(Method.SYNC);
                    // The first replica makes the source start a new history: read its id afterwards.
                    assertThat(r.replicationId()).isEqualTo(field(j.info("replication"), "master_replid"));
                    assertThat(r.replicationOffset()).isNotNull();
                    assertThat(r.serverVersion()).isEqualTo(source.version());
                }
                String what = dataset + " by " + method;
                assertThat(r.key()).isEqualTo(key);
                assertThat(r.rdbVersion()).as(what).isEqualTo(10);
                assertThat(r.rdbFormat()).isEqualTo("REDIS0010");
                assertThat(r.redisVersion()).isEqualTo(source.version());
                assertThat(r.checksum()).isEqualTo("verified");
                assertThat(r.storedSize()).as("zstd shrinks an RDB").isLessThan(r.rawSize());
                assertThat(r.finishedAt()).isAfterOrEqualTo(r.startedAt());
                assertThat(countsPerDb(r)).as(what).isEqualTo(keysPerDb(keyspace));
                assertThat(r.keysWithExpiry()).as(what).isEqualTo(expiresTotal(keyspace));
                assertThat(progress).isNotEmpty();
                assertThat(progress.get(progress.size() - 1)[0]).isEqualTo(r.rawSize());

                byte[] rdb = restoredBytes(storage, r);
                if (method.equals("bgsave")) {
                    assertThat(rdb).as("the stored RDB is the file BGSAVE wrote").isEqualTo(Files.readAllBytes(source.rdbFile()));
                }
                Path file = dir.resolve(dataset + "-" + method + ".rdb");
                Files.write(file, rdb);
                try (LocalRedisServer restored = Datasets.server().rdb(file).start()) {
                    assertThat(Datasets.digest(restored)).as("DEBUG DIGEST after restoring " + what).isEqualTo(digest);
                    assertThat(Datasets.keyspace(restored)).as(what).isEqualTo(keyspace);
                    assertThat(Datasets.functions(restored)).as(what).isEqualTo(functions);
                }
                awaitNoReplicas(source);
            }
        }
    }

    @Test
    void withoutCompressionTheObjectIsThePlainRdb() throws Exception {
        try (LocalRedisServer source = Datasets.server().config("repl-diskless-sync-delay", "0").start();
             Jedis j = Datasets.jedis(source);
             Storage storage = new FileStorage(dir.resolve("repo"))) {
            Datasets.everyType(j, 100);
            SnapshotResult r;
            try (ReplicaSync sync = ReplicaSync.start(RedisUri.parse("redis://127.0.0.1:" + source.port()))) {
                r = new SnapshotWriter(storage, Compression.NONE, (b, t, m) -> { }).write("s/dump.rdb", sync);
            }
            assertThat(r.compression()).isEqualTo(Compression.NONE);
            assertThat(r.storedSize()).isEqualTo(r.rawSize());
            assertThat(r.sha256Stored()).isEqualTo(r.sha256Raw());
            assertThat(restoredBytes(storage, r)).hasSize((int) r.rawSize());
        }
    }

    @Test
    void aDamagedOrTruncatedRdbIsNeverStored() throws Exception {
        byte[] rdb = Files.readAllBytes(fixtures().resolve("redis-7.0.15-debian").resolve("dump.rdb"));
        try (Storage storage = new FileStorage(dir.resolve("repo"))) {
            SnapshotWriter writer = new SnapshotWriter(storage, Compression.zstd(1), (b, t, m) -> { });

            byte[] damaged = rdb.clone();
            damaged[rdb.length / 2] ^= 0x5a;
            assertThatThrownBy(() -> writer.write("s/damaged.zst", new ByteArrayInputStream(damaged), damaged.length,
                    Method.IMPORT)).isInstanceOf(RdbException.class);

            byte[] truncated = java.util.Arrays.copyOf(rdb, rdb.length - 100);
            assertThatThrownBy(() -> writer.write("s/truncated.zst", new ByteArrayInputStream(truncated), -1, Method.IMPORT))
                    .isInstanceOfSatisfying(RdbException.class, e -> assertThat(e.kind()).isEqualTo(RdbException.Kind.TRUNCATED));

            byte[] trailing = java.util.Arrays.copyOf(rdb, rdb.length + 3);
            assertThatThrownBy(() -> writer.write("s/trailing.zst", new ByteArrayInputStream(trailing), -1, Method.IMPORT))
                    .isInstanceOf(IOException.class).hasMessageContaining("3 byte(s) follow the end of the RDB");

            assertThat(storage.list("")).as("nothing stored, no temporaries left").isEmpty();

            // The same bytes undamaged are stored, to show the failures above were the damage.
            SnapshotResult ok = writer.write("s/ok.zst", new ByteArrayInputStream(rdb), rdb.length, Method.IMPORT);
            assertThat(ok.sha256Raw()).isEqualTo(sha256(rdb));
            assertThat(storage.list("")).extracting(Storage.ObjectInfo::key).containsExactly("s/ok.zst");
        }
    }

    @Test
    void aStorageThatCannotWriteIsReportedAsTheCause() throws Exception {
        Path notAFolder = Files.writeString(dir.resolve("file"), "x");
        byte[] rdb = Files.readAllBytes(fixtures().resolve("redis-7.0.15-debian").resolve("dump.rdb"));
        try (Storage storage = new FileStorage(notAFolder.resolve("repo"))) {
            SnapshotWriter writer = new SnapshotWriter(storage, Compression.zstd(1), (b, t, m) -> { });
            assertThatThrownBy(() -> writer.write("s/dump.rdb.zst", new ByteArrayInputStream(rdb), rdb.length, Method.IMPORT))
                    .isInstanceOf(IOException.class)
                    .hasMessageStartingWith("cannot store the snapshot object s/dump.rdb.zst in " + storage.describe());
        }
    }

    @Test
    void aLargeRdbStreamsThroughInBoundedMemory() throws Exception {
        // Far more than the pipe holds, so the reader, the compressor and the storage run together.
        try (LocalRedisServer source = Datasets.server().config("repl-diskless-sync-delay", "0").start();
             Jedis j = Datasets.jedis(source);
             Storage storage = new FileStorage(dir.resolve("repo"))) {
            j.sendCommand(() -> "DEBUG".getBytes(), "POPULATE".getBytes(), "300000".getBytes(), "k".getBytes(),
                    "100".getBytes());
            SnapshotResult r;
            try (ReplicaSync sync = ReplicaSync.start(RedisUri.parse("redis://127.0.0.1:" + source.port()))) {
                r = new SnapshotWriter(storage, Compression.zstd(3), (b, t, m) -> { }).write("big.zst", sync);
            }
            assertThat(r.rawSize()).isGreaterThan(2L * SnapshotWriter.PIPE_BYTES);
            assertThat(r.keys()).isEqualTo(300_000);
            assertThat(sha256(restoredBytes(storage, r))).isEqualTo(r.sha256Raw());
        }
    }

    /** The stored object, checked against the result's size and hash, decompressed and checked again. */
    static byte[] restoredBytes(Storage storage, SnapshotResult r) throws IOException {
        byte[] stored;
        try (InputStream in = storage.get(r.key())) {
            stored = in.readAllBytes();
        }
        assertThat(stored).hasSize((int) r.storedSize());
        assertThat(sha256(stored)).isEqualTo(r.sha256Stored());
        byte[] raw;
        if (r.compression().equals(Compression.NONE)) {
            raw = stored;
        } else {
            try (InputStream in = new ZstdInputStream(new ByteArrayInputStream(stored))) {
                raw = in.readAllBytes();
            }
        }
        assertThat(raw).hasSize((int) r.rawSize());
        assertThat(sha256(raw)).isEqualTo(r.sha256Raw());
        return raw;
    }

    static String sha256(byte[] b) {
        return Sha256.of(b);
    }

    private static Map<Integer, Long> countsPerDb(SnapshotResult r) {
        Map<Integer, Long> out = new TreeMap<>();
        r.keysPerDbAndType().forEach((db, types) -> out.put(db, types.values().stream().mapToLong(Long::longValue).sum()));
        return out;
    }

    private static Map<Integer, Long> keysPerDb(Map<String, String> keyspace) {
        Map<Integer, Long> out = new TreeMap<>();
        keyspace.forEach((db, v) -> out.put(Integer.parseInt(db.substring(2)), Long.parseLong(v.replaceAll("keys=(\\d+).*", "$1"))));
        return out;
    }

    private static long expiresTotal(Map<String, String> keyspace) {
        return keyspace.values().stream().mapToLong(v -> Long.parseLong(v.replaceAll(".*expires=(\\d+).*", "$1"))).sum();
    }

    private static String field(String info, String name) {
        return info.lines().filter(l -> l.startsWith(name + ":")).findFirst().orElseThrow().substring(name.length() + 1).trim();
    }

    static void awaitNoReplicas(LocalRedisServer redis) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        try (RedisConnection c = redis.connect()) {
            while (!"0".equals(c.info("replication").get("connected_slaves"))) {
                assertThat(System.nanoTime()).as("connected_slaves back to 0 within 2 s").isLessThan(deadline);
                Thread.sleep(10);
            }
        }
    }

    static Path fixtures() throws URISyntaxException {
        return Path.of(SnapshotWriterTest.class.getResource("/fixtures").toURI());
    }

    private static int rdbVersion(Path rdb) {
        try (InputStream in = Files.newInputStream(rdb)) {
            byte[] header = in.readNBytes(9);
            return new String(header, 0, 5, java.nio.charset.StandardCharsets.US_ASCII).equals("REDIS")
                    ? Integer.parseInt(new String(header, 5, 4, java.nio.charset.StandardCharsets.US_ASCII)) : Integer.MAX_VALUE;
        } catch (IOException | NumberFormatException e) {
            return Integer.MAX_VALUE;
        }
    }

    /** The RDB version the test redis-server writes, which is the newest it loads. */
    private static int rdbVersionOfTestServer() throws IOException {
        try (LocalRedisServer redis = TestRedis.server().start(); RedisConnection c = redis.connect()) {
            c.call("SAVE");
            return rdbVersion(redis.rdbFile());
        }
    }
}
