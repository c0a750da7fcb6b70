package io.redback.cli;

import static io.redback.cli.Cli.redback;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.redback.cli.Cli.Run;
import io.redback.redis.LocalRedisServer;
import io.redback.storage.s3.TestS3;
import io.redback.testsupport.Datasets;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

/**
 * What a user sees when the repository cannot take a backup: a bucket that does not exist and a
 * full disk each give one line saying what to do and exit 2, and nothing half-written is left
 * behind; and what {@code list} says about the data an interrupted backup left.
 */
@io.redback.testsupport.Slow
class BackupFailuresTest {
    /** A tmpfs this small takes config.json but not the 2 MiB of random bytes everyType writes. */
    private static final String FULL_DISK_SIZE = "512k";

    @TempDir
    Path tmp;

    @Test
    void aMissingBucketIsOneLineAndExit2() throws Exception {
        try (TestS3 s3 = TestS3.start();
             LocalRedisServer source = Datasets.server().config("repl-diskless-sync-delay", "0").start()) {
            s3.createBucket("exists");
            String repo = "s3://no-such-bucket/redis?endpoint=" + s3.endpoint();
            String uri = "redis://127.0.0.1:" + source.port();
            for (String[] args : List.of(
                    new String[] {"backup", "--redis", uri, "--repo", repo, "-q"},
                    new String[] {"init", "--repo", repo},
                    new String[] {"list", "--repo", repo},
                    new String[] {"restore", "--snapshot", "latest", "--to-dir", tmp.resolve("out").toString(),
                            "--repo", repo})) {
                Run r = redback(s3.env(), args);
                assertThat(r.exit()).as(args[0] + ": " + r.err()).isEqualTo(2);
                assertThat(r.err().lines().count()).as(args[0] + ": " + r.err()).isEqualTo(1);
                assertThat(r.err()).as(args[0]).startsWith("redback " + args[0] + ": ")
                        .contains("bucket 'no-such-bucket' does not exist at " + s3.endpoint(),
                                "create it or fix the repository URL");
            }
            assertThat(tmp.resolve("out").resolve("dump.rdb")).doesNotExist();
        }
    }

    /**
     * ENOSPC for real, without root: the backup runs in a child JVM inside a user and mount
     * namespace (unshare -rm, as an unprivileged user may where user namespaces are enabled)
     * with a tiny tmpfs mounted over the repository folder. The storage-level test feeds the
     * JDK's error text to FileErrors; this one makes the kernel produce it.
     */
    @Test
    void aFullDiskIsOneLineAndExit2AndLeavesNoTemporaries() throws Exception {
        Path repoDir = Files.createDirectories(tmp.resolve("repo"));
        assumeTrue(canMountTmpfs(repoDir), "unshare -rm with a tmpfs mount is not available here (user namespaces "
                + "disabled?): the full-disk test needs it to fill a file system without root");
        try (LocalRedisServer source = Datasets.server().config("repl-diskless-sync-delay", "0").start();
             Jedis j = Datasets.jedis(source)) {
            Datasets.everyType(j, 0);
            String script = String.join("\n",
                    "mount -t tmpfs -o size=" + FULL_DISK_SIZE + " tmpfs \"$REPO\" || exit 97",
                    "\"$JAVA\" -cp \"$CP\" io.redback.cli.Main backup --redis \"$SOURCE\" --repo \"$REPO\" -q "
                            + ">\"$OUT/backup.out\" 2>\"$OUT/backup.err\"",
                    "echo $? >\"$OUT/backup.exit\"",
                    "\"$JAVA\" -cp \"$CP\" io.redback.cli.Main list --repo \"$REPO\" >\"$OUT/list.out\" 2>\"$OUT/list.err\"",
                    "echo $? >\"$OUT/list.exit\"",
                    "find \"$REPO\" -type f | sed \"s|^$REPO/||\" | sort >\"$OUT/files\"");
            ProcessBuilder pb = new ProcessBuilder("unshare", "--user", "--map-root-user", "--mount", "sh", "-c", script)
                    .redirectErrorStream(true).redirectOutput(tmp.resolve("unshare.log").toFile());
            pb.environment().putAll(Map.of("REPO", repoDir.toString(), "OUT", tmp.toString(),
                    "JAVA", Path.of(System.getProperty("java.home"), "bin", "java").toString(), "CP", classpath(),
                    "SOURCE", "redis://127.0.0.1:" + source.port()));
            Process p = pb.start();
            try {
                assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("the child backup finished").isTrue();
            } finally {
                p.destroyForcibly();
            }
            assertThat(p.exitValue()).as(Files.readString(tmp.resolve("unshare.log"))).isZero();

            String err = read("backup.err");
            assertThat(read("backup.exit").strip()).as(err).isEqualTo("2");
            List<String> errors = err.lines().filter(l -> !l.contains("created a new repository")).toList();
            assertThat(errors).as(err).hasSize(1);
            assertThat(errors.get(0)).startsWith("redback backup: ").contains("no space left on device while writing "
                    + "sources/", "dump.rdb.zst to " + repoDir + ": free space or choose another repository");
            assertThat(read("list.exit").strip()).as(read("list.err")).isEqualTo("0");
            assertThat(read("list.out")).contains("no snapshots").doesNotContain("leftover");
            assertThat(read("files").lines()).as("nothing but the repository's config is left").containsExactly("config.json");
        }
    }

    @Test
    void listMentionsWhatAnInterruptedBackupLeft() throws Exception {
        Path repoDir = tmp.resolve("repo");
        String repo = repoDir.toString();
        try (LocalRedisServer source = Datasets.server().config("repl-diskless-sync-delay", "0").start();
             Jedis j = Datasets.jedis(source)) {
            j.set("k", "v");
            for (int i = 0; i < 2; i++) {
                Run b = redback("backup", "--redis", "redis://127.0.0.1:" + source.port(), "--repo", repo, "--name", "c1",
                        "-q");
                assertThat(b.exit()).as(b.err()).isZero();
            }
        }
        Run clean = redback("list", "--repo", repo);
        assertThat(clean.out()).contains("2 snapshot(s)").doesNotContain("leftover");

        // A crash between the data object and the manifest: remove the newest snapshot's manifest.
        Path manifest;
        try (Stream<Path> files = Files.walk(repoDir)) {
            manifest = files.filter(f -> f.getFileName().toString().equals("manifest.json")).max(Path::compareTo)
                    .orElseThrow();
        }
        Files.delete(manifest);
        Run list = redback("list", "--repo", repo);
        assertThat(list.exit()).as(list.err()).isZero();
        assertThat(list.out()).contains("1 snapshot(s)")
                .containsPattern("note: 1 leftover object \\(\\d+ B\\) in snapshot folders without a manifest, from "
                        + "interrupted backups \\(or one still running\\); `redback prune` removes them once they are a "
                        + "day old");
        assertThat(redback("list", "--repo", repo, "--json").out()).as("--json stays an array of manifests")
                .doesNotContain("leftover");
    }

    private String read(String name) throws IOException {
        return Files.readString(tmp.resolve(name), StandardCharsets.UTF_8);
    }

    /** Whether this machine lets us mount a tmpfs over dir in a new user and mount namespace. */
    private static boolean canMountTmpfs(Path dir) {
        try {
            Process p = new ProcessBuilder("unshare", "--user", "--map-root-user", "--mount", "sh", "-c",
                    "mount -t tmpfs -o size=64k tmpfs \"$0\"", dir.toString())
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return false;
            }
            return p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** target/classes and the test JVM's classpath (test classes and every dependency). */
    private static String classpath() {
        return Path.of("target", "classes").toAbsolutePath() + File.pathSeparator + System.getProperty("java.class.path");
    }
}
