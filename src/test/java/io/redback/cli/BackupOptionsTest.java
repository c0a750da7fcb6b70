package io.redback.cli;

import static io.redback.cli.Cli.redback;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.redback.cli.Cli.Run;
import io.redback.redis.LocalRedisServer;
import io.redback.testsupport.Datasets;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

/**
 * Backup and restore options end to end on a file repository: the compression levels and
 * {@code none} (manifest field, object name, restore), a manifest whose key counts were edited
 * (restore refuses, exit 1), and an ACL user given in the URI with its password from the
 * environment (with replication rights it backs up; without, one line says what to grant).
 */
@io.redback.testsupport.Slow
class BackupOptionsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void everyCompressionRoundTripsAndNamesItsObject() throws Exception {
        Path repoDir = tmp.resolve("repo");
        String repo = repoDir.toString();
        try (LocalRedisServer source = Datasets.server().config("repl-diskless-sync-delay", "0").start();
             Jedis j = Datasets.jedis(source)) {
            Datasets.everyType(j, 20_000);
            String digest = Datasets.digest(source);
            Map<String, Long> stored = new HashMap<>();
            long rawSize = -1;
            for (String compression : List.of("zstd:1", "zstd:19", "none")) {
                Run b = redback("backup", "--redis", "redis://127.0.0.1:" + source.port(), "--repo", repo, "--name", "c",
                        "--compress", compression, "--json");
                assertThat(b.exit()).as(compression + ": " + b.err()).isZero();
                JsonNode m = b.json();
                String id = m.get("id").asText();
                assertThat(m.get("compression").asText()).isEqualTo(compression);
                String object = "sources/c/snapshots/" + id + "/" + (compression.equals("none") ? "dump.rdb" : "dump.rdb.zst");
                assertThat(m.get("object").asText()).isEqualTo(object);
                assertThat(repoDir.resolve(object)).exists();
                assertThat(Files.size(repoDir.resolve(object))).isEqualTo(m.get("storedSize").asLong());
                JsonNode onDisk = JSON.readTree(repoDir.resolve("sources/c/snapshots/" + id + "/manifest.json").toFile());
                assertThat(onDisk.get("compression").asText()).isEqualTo(compression);
                rawSize = m.get("rawSize").asLong();
                stored.put(compression, m.get("storedSize").asLong());

                Path dir = tmp.resolve("restore-" + compression.replace(':', '-'));
                Run r = redback("restore", "--snapshot", id, "--to-dir", dir.toString(), "--repo", repo, "-q");
                assertThat(r.exit()).as(compression + ": " + r.err()).isZero();
                try (LocalRedisServer restored = Datasets.server().rdb(dir.resolve("dump.rdb")).start()) {
                    assertThat(Datasets.digest(restored)).as(compression).isEqualTo(digest);
                }
            }
            assertThat(stored.get("none")).as("none stores the RDB as it is").isEqualTo(rawSize);
            assertThat(stored.get("zstd:19")).isLessThanOrEqualTo(stored.get("zstd:1")).isLessThan(rawSize);
        }
    }

    @Test
    void aManifestWhoseKeyCountsWereEditedIsRefusedBeforeAnythingIsStarted() throws Exception {
        Path repoDir = tmp.resolve("repo");
        String repo = repoDir.toString();
        String id;
        try (LocalRedisServer source = Datasets.server().config("repl-diskless-sync-delay", "0").start();
             Jedis j = Datasets.jedis(source)) {
            Datasets.everyType(j, 100);
            Run b = redback("backup", "--redis", "redis://127.0.0.1:" + source.port(), "--repo", repo, "--name", "c",
                    "--json");
            assertThat(b.exit()).as(b.err()).isZero();
            id = b.json().get("id").asText();
        }
        // Only the key counts change: the sizes and SHA-256s still match the data object.
        Path manifest = repoDir.resolve("sources/c/snapshots/" + id + "/manifest.json");
        ObjectNode m = (ObjectNode) JSON.readTree(manifest.toFile());
        ObjectNode db0 = (ObjectNode) m.get("keys").get("0");
        long strings = db0.get("string").asLong();
        db0.put("string", strings + 5);
        JSON.writerWithDefaultPrettyPrinter().writeValue(manifest.toFile(), m);

        Path dir = tmp.resolve("out");
        Run r = redback("restore", "--snapshot", "latest", "--to-dir", dir.toString(), "--repo", repo, "--start", "-q");
        assertThat(r.exit()).as(r.out() + r.err()).isEqualTo(1);
        assertThat(r.err().lines().count()).as(r.err()).isEqualTo(1);
        assertThat(r.err()).startsWith("redback restore: ").contains("the manifest says", "string=" + strings,
                "string=" + (strings + 5), "nothing was restored");
        assertThat(r.out()).doesNotContain("started a throwaway redis-server");
        assertThat(dir.resolve("dump.rdb")).doesNotExist();
        assertThat(dir.resolve("dump.rdb.tmp")).doesNotExist();
    }

    @Test
    void anAclUserFromTheUriWithItsPasswordInTheEnvironment() throws Exception {
        String repo = tmp.resolve("repo").toString();
        try (LocalRedisServer source = Datasets.server().config("repl-diskless-sync-delay", "0").start();
             Jedis j = Datasets.jedis(source)) {
            Datasets.everyType(j, 100);
            String digest = Datasets.digest(source);
            // Exactly what the docs say a sync backup needs: +psync +replconf. PING and INFO are refused to
            // this user, which the handshake tolerates (the version comes from the RDB's aux fields).
            j.aclSetUser("backup", "on", ">s3cret", "resetkeys", "-@all", "+psync", "+replconf");
            j.aclSetUser("reader", "on", ">r3ad", "~*", "-@all", "+@read", "+ping", "+info");
            Map<String, String> env = Map.of("REDIS_PASSWORD", "s3cret", "READER_PASSWORD", "r3ad");

            // A separate JVM with the variables in its real environment, as a user's shell sets them
            // (--password-env reads the process environment, not the one Cli.redback passes in).
            Run b = child(env, "backup", "--redis", "redis://backup@127.0.0.1:" + source.port(), "--password-env",
                    "REDIS_PASSWORD", "--repo", repo, "--name", "c", "--json");
            assertThat(b.exit()).as(b.err()).isZero();
            assertThat(b.json().get("sourceAddress").asText()).isEqualTo("127.0.0.1:" + source.port());
            assertThat(b.json().get("redisVersion").asText()).isEqualTo(source.version());
            assertThat(b.out()).doesNotContain("s3cret");
            Path dir = tmp.resolve("out");
            Run r = redback("restore", "--snapshot", "latest", "--to-dir", dir.toString(), "--repo", repo, "-q");
            assertThat(r.exit()).as(r.err()).isZero();
            try (LocalRedisServer restored = Datasets.server().rdb(dir.resolve("dump.rdb")).start()) {
                assertThat(Datasets.digest(restored)).isEqualTo(digest);
            }

            Run denied = child(env, "backup", "--redis", "redis://reader@127.0.0.1:" + source.port(),
                    "--password-env", "READER_PASSWORD", "--repo", repo, "--name", "c");
            assertThat(denied.exit()).as(denied.err()).isEqualTo(2);
            assertThat(denied.err().lines().count()).as(denied.err()).isEqualTo(1);
            assertThat(denied.err()).startsWith("redback backup: ").contains("user 'reader'",
                    "lacks the replication permissions", "grant +psync +replconf +sync or use --method bgsave")
                    .doesNotContain("r3ad");
            assertThat(redback("list", "--repo", repo, "--json").json()).as("the refused backup stored nothing").hasSize(1);
        }
    }

    /** redback in a child JVM with env added to its process environment. */
    private Run child(Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xms16m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", classpath(), "io.redback.cli.Main"));
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile(tmp, "child", ".out");
        Path err = Files.createTempFile(tmp, "child", ".err");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().putAll(env);
        Process p = pb.start();
        try {
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("child JVM finished: " + cmd).isTrue();
        } finally {
            p.destroyForcibly();
        }
        return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    /** target/classes and the test JVM's classpath (test classes and every dependency). */
    private static String classpath() {
        return Path.of("target", "classes").toAbsolutePath() + File.pathSeparator + System.getProperty("java.class.path");
    }
}
