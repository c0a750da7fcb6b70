package io.redback.cli;

import static io.redback.cli.Cli.redback;
import static org.assertj.core.api.Assertions.assertThat;

import io.redback.cli.Cli.Run;
import io.redback.rdb.RdbCheck;
import io.redback.rdb.RdbCheckReport;
import io.redback.redis.LocalRedisServer;
import io.redback.storage.s3.TestS3;
import io.redback.testsupport.Datasets;
import io.redback.testsupport.TestRedis;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every fixture RDB the test redis-server can load (valid, no module data, an RDB version it
 * reads) goes through the command line and an S3 repository and back: loaded into a fresh
 * server, backed up with {@code --method sync} and with {@code --method bgsave}, each restored
 * with {@code --snapshot latest} (which must be the backup just taken, milliseconds after the
 * previous one), and loaded into another fresh server, whose DEBUG DIGEST and functions must be
 * the source's. One S3Proxy serves the whole class; each fixture has its own prefix.
 */
@io.redback.testsupport.Slow
class FixtureRoundTripOnS3Test {
    private static final String BUCKET = "fixtures";
    private static TestS3 s3;

    @TempDir
    Path tmp;

    @BeforeAll
    static void startS3() throws Exception {
        s3 = TestS3.start();
        s3.createBucket(BUCKET);
    }

    @AfterAll
    static void stopS3() {
        if (s3 != null) {
            s3.close();
        }
    }

    /** The fixture RDBs this redis-server loads, by path under the fixtures folder. */
    static Stream<String> loadableFixtures() throws IOException {
        Path root = Cli.fixture("/fixtures");
        int readable;
        try (LocalRedisServer probe = TestRedis.server().start()) {
            readable = newestRdbVersionRead(probe.version());
        }
        List<String> found;
        try (Stream<Path> files = Files.walk(root)) {
            found = files.filter(p -> p.getFileName().toString().endsWith(".rdb"))
                    .filter(p -> !p.toString().contains("appendonlydir"))
                    .filter(p -> loadable(p, readable))
                    .map(p -> root.relativize(p).toString())
                    .sorted()
                    .toList();
        }
        assertThat(found).as("fixtures redis-server %s loads", readable)
                .contains("redis-7.0.15-debian/dump.rdb", "redis-tests/encodings.rdb");
        return found.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("loadableFixtures")
    void syncAndBgsaveBackupsOnS3RestoreToTheSameDigest(String fixture) throws Exception {
        String name = fixture.replaceAll("\\.rdb$", "").replaceAll("[^A-Za-z0-9._-]", "-");
        String repo = "s3://" + BUCKET + "/" + name + "?endpoint=" + s3.endpoint();
        Map<String, String> env = s3.env();
        try (LocalRedisServer source = Datasets.server().config("repl-diskless-sync-delay", "0")
                .rdb(Cli.fixture("/fixtures/" + fixture)).start()) {
            String digest = Datasets.digest(source);
            List<String> functions = Datasets.functions(source);
            for (String method : List.of("sync", "bgsave")) {
                Run backup = redback(env, "backup", "--redis", "redis://127.0.0.1:" + source.port(), "--method", method,
                        "--name", name, "--repo", repo, "--json");
                assertThat(backup.exit()).as(method + ": " + backup.err()).isZero();
                String id = backup.json().get("id").asText();
                assertThat(backup.json().get("method").asText()).isEqualTo(method);

                Path dir = tmp.resolve(method);
                Run restore = redback(env, "restore", "--snapshot", "latest", "--to-dir", dir.toString(), "--repo", repo,
                        "-q");
                assertThat(restore.exit()).as(method + ": " + restore.err()).isZero();
                assertThat(restore.out()).as("latest is the backup just taken").contains("restored snapshot " + id + " ");
                try (LocalRedisServer restored = Datasets.server().rdb(dir.resolve("dump.rdb")).start()) {
                    assertThat(Datasets.digest(restored)).as(method + " DEBUG DIGEST").isEqualTo(digest);
                    assertThat(Datasets.functions(restored)).as(method + " functions").isEqualTo(functions);
                }
            }
        }
    }

    /** A valid RDB without module data, of a version the server reads. */
    private static boolean loadable(Path rdb, int newestVersionRead) {
        try {
            int version = rdbVersion(rdb);
            if (version < 1 || version > newestVersionRead) {
                return false;
            }
            RdbCheckReport report = new RdbCheck(rdb, System.currentTimeMillis()).run();
            return report.verdict() == RdbCheckReport.Verdict.VALID && report.modules().isEmpty();
        } catch (IOException e) {
            return false;
        }
    }

    private static int rdbVersion(Path rdb) throws IOException {
        byte[] header = new byte[9];
        try (InputStream in = Files.newInputStream(rdb)) {
            if (in.readNBytes(header, 0, 9) != 9) {
                return -1;
            }
        }
        String text = new String(header, StandardCharsets.US_ASCII);
        return text.matches("REDIS\\d{4}") ? Integer.parseInt(text.substring(5)) : -1;
    }

    /** The newest RDB version a Redis release reads (Valkey reports the Redis version it is compatible with). */
    private static int newestRdbVersionRead(String redisVersion) {
        String[] parts = redisVersion.split("\\.");
        int major = Integer.parseInt(parts[0]);
        int minor = parts.length > 1 ? Integer.parseInt(parts[1]) : 0;
        int release = major * 100 + minor;
        if (release >= 704) {
            return 12;
        }
        if (release >= 702) {
            return 11;
        }
        if (release >= 700) {
            return 10;
        }
        return release >= 500 ? 9 : 8;
    }
}
