package io.redback.cli;

import static io.redback.cli.Cli.redback;
import io.redback.cli.Cli.Run;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.redback.redis.LocalRedisServer;
import io.redback.storage.Storage;
import io.redback.storage.s3.TestS3;
import io.redback.testsupport.Datasets;
import io.redback.testsupport.TestRedis;
import java.io.ByteArrayInputStream;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

/**
 * The backup commands end to end against real servers and a file repository: backup (sync and
 * bgsave), list, show, restore into a directory that a fresh redis-server loads to the same
 * DEBUG DIGEST, refusals, damage detection, prune dry run, and one-line connection errors.
 */
@io.redback.testsupport.Slow
class BackupCommandsTest {
    @TempDir
    Path tmp;

    private static String[] args(String... a) {
        return a;
    }

    @Test
    void backupListShowRestoreGivesTheSameData() throws Exception {
        String repo = tmp.resolve("repo").toString();
        try (LocalRedisServer source = Datasets.server().config("repl-diskless-sync-delay", "0").start();
             Jedis j = Datasets.jedis(source)) {
            Datasets.everyType(j, 2_000);
            j.set("soon-gone", "x");
            j.pexpire("soon-gone", 1); // expired before the restore: --start must allow for it
            String digestBefore = null;
            String uri = "redis://127.0.0.1:" + source.port();
            String name = "127.0.0.1-" + source.port();

            Run first = redback("backup", "--redis", uri, "--repo", repo, "-q");
            assertThat(first.exit()).as(first.err()).isZero();
            assertThat(first.err()).contains("created a new repository");
            assertThat(first.out()).contains("snapshot ", "keys", "stored", "MB/s", "ratio");
            Thread.sleep(5); // time must pass: the 1 ms TTL
            assertThat(j.exists("soon-gone")).as("expired, and now deleted from the source too").isFalse();
            digestBefore = Datasets.digest(source);

            Run second = redback("backup", "--redis", uri, "--repo", repo, "--method", "bgsave",
                    "--rdb-file", source.rdbFile().toString(), "--json");
            assertThat(second.exit()).as(second.err()).isZero();
            assertThat(second.err()).doesNotContain("created");
            JsonNode m = second.json();
            assertThat(m.get("method").asText()).isEqualTo("bgsave");
            assertThat(m.get("source").asText()).isEqualTo(name);
            assertThat(m.get("verdict").asText()).isEqualTo("valid");
            String bgsaveId = m.get("id").asText();

            Run list = redback("list", "--repo", repo);
            assertThat(list.exit()).as(list.err()).isZero();
            assertThat(list.out()).contains("ID", "SOURCE", name, "sync", "bgsave", "2 snapshot(s)");
            JsonNode listed = redback("list", "--repo", repo, "--json", "--name", name).json();
            assertThat(listed).hasSize(2);
            String newest = listed.get(0).get("id").asText();
            String syncId = listed.get(1).get("id").asText();
            // Ids order by time to the second, then by their random suffix (two backups may share a
            // second; millisecond ids are on the list for the next change to the id format).
            assertThat(newest).as("newest first").isGreaterThan(syncId);
            assertThat(List.of(newest, syncId)).contains(bgsaveId);
            syncId = newest.equals(bgsaveId) ? syncId : newest;

            Run show = redback("show", "latest", "--repo", repo, "--json");
            assertThat(show.exit()).as(show.err()).isZero();
            assertThat(show.json().get("id").asText()).isEqualTo(newest);
            assertThat(show.json().get("sha256Raw").asText()).hasSize(64);
            Run showText = redback("show", bgsaveId, "--repo", repo);
            assertThat(showText.exit()).as(showText.err()).isZero();
            assertThat(showText.out()).contains("sha256Stored", "db 0");

            for (String id : List.of(syncId, "latest")) {
                Path dir = tmp.resolve("restore-" + id);
                Run restore = redback("restore", "--snapshot", id, "--to-dir", dir.toString(), "--repo", repo, "-q");
                assertThat(restore.exit()).as(restore.err()).isZero();
                assertThat(restore.out()).contains("redis-server --dir", "--dbfilename dump.rdb", "verified");
                assertThat(dir.resolve("dump.rdb.tmp")).doesNotExist();
                try (LocalRedisServer restored = TestRedis.server().config("enable-debug-command", "yes")
                        .rdb(dir.resolve("dump.rdb")).start()) {
                    assertThat(Datasets.digest(restored)).as("DEBUG DIGEST of " + id).isEqualTo(digestBefore);
                }
                Run again = redback("restore", "--snapshot", id, "--to-dir", dir.toString(), "--repo", repo);
                assertThat(again.exit()).isEqualTo(2);
                assertThat(again.err()).contains("already exists", "--force");
            }

            Path started = tmp.resolve("started");
            Run withStart = redback("restore", "--snapshot", syncId, "--to-dir", started.toString(), "--repo", repo,
                    "--start", "-q");
            assertThat(withStart.exit()).as(withStart.out() + withStart.err()).isZero();
            assertThat(withStart.out()).contains("started a throwaway redis-server", "keys loaded", "stopped");

            Run plain = redback("restore", "--from-rdb", started.resolve("dump.rdb").toString(), "--to-dir",
                    tmp.resolve("plain").toString());
            assertThat(plain.exit()).as(plain.err()).isZero();
            assertThat(Files.mismatch(started.resolve("dump.rdb"), tmp.resolve("plain").resolve("dump.rdb"))).isEqualTo(-1);
        }
    }

    @Test
    void aDamagedStoredObjectIsDetectedAndNothingIsPutInPlace() throws Exception {
        String repo = tmp.resolve("repo").toString();
        try (LocalRedisServer source = Datasets.server().config("repl-diskless-sync-delay", "0").start();
             Jedis j = Datasets.jedis(source)) {
            Datasets.everyType(j, 500);
            Run b = redback("backup", "--redis", "redis://127.0.0.1:" + source.port(), "--repo", repo, "--name", "c1", "-q");
            assertThat(b.exit()).as(b.err()).isZero();
        }
        Path object;
        try (Stream<Path> files = Files.walk(tmp.resolve("repo"))) {
            object = files.filter(p -> p.getFileName().toString().equals("dump.rdb.zst")).findFirst().orElseThrow();
        }
        byte[] bytes = Files.readAllBytes(object);
        bytes[bytes.length / 2] ^= 0x5a;
        Files.write(object, bytes);
        Path dir = tmp.resolve("out");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("dump.rdb"), "old");
        Run r = redback("restore", "--snapshot", "latest", "--to-dir", dir.toString(), "--repo", repo, "--force");
        assertThat(r.exit()).as(r.out() + r.err()).isEqualTo(1);
        assertThat(r.err()).contains("damaged", "SHA-256", "nothing was restored");
        assertThat(r.err().lines().count()).isEqualTo(1);
        assertThat(Files.readString(dir.resolve("dump.rdb"))).isEqualTo("old");
        assertThat(dir.resolve("dump.rdb.tmp")).doesNotExist();
    }

    @Test
    void pruneDryRunSaysWhatGoesAndWhyTheRestStays() throws Exception {
        String repo = tmp.resolve("repo").toString();
        assertThat(redback("init", "--repo", repo).exit()).isZero();
        Run twice = redback("init", "--repo", repo);
        assertThat(twice.exit()).isEqualTo(2);
        assertThat(twice.err()).contains("already exists");
        List<String> ids = new ArrayList<>();
        try (LocalRedisServer source = Datasets.server().config("repl-diskless-sync-delay", "0").start();
             Jedis j = Datasets.jedis(source)) {
            j.set("a", "1");
            for (int i = 0; i < 3; i++) {
                Run b = redback("backup", "--redis", "redis://127.0.0.1:" + source.port(), "--repo", repo,
                        "--name", "p", "--compress", "none", "--json");
                assertThat(b.exit()).as(b.err()).isZero();
                assertThat(b.err()).isEmpty();
                ids.add(b.json().get("id").asText());
            }
        }
        ids.sort(null); // ids in the same second order by their random suffix: the greatest is the newest
        Run dry = redback("prune", "--keep-last", "1", "--dry-run", "--repo", repo);
        assertThat(dry.exit()).as(dry.err()).isZero();
        assertThat(dry.out()).contains("dry run", "keep   p/" + ids.get(2) + "  (last 1", "forget p/" + ids.get(0),
                "would remove", "1 snapshot(s) kept, 2 forgotten");
        assertThat(redback("list", "--repo", repo, "--json").json()).as("a dry run deletes nothing").hasSize(3);

        JsonNode report = redback("prune", "--keep-last", "2", "--repo", repo, "--json").json();
        assertThat(report.get("dryRun").asBoolean()).isFalse();
        JsonNode left = redback("list", "--repo", repo, "--json").json();
        assertThat(left).hasSize(2);
        assertThat(left.get(1).get("id").asText()).isEqualTo(ids.get(1));
    }

    @Test
    void wrongPasswordAndUnreachableHostAreOneLineAndExit2() throws Exception {
        String repo = tmp.resolve("repo").toString();
        try (LocalRedisServer source = TestRedis.server().start(); Jedis j = new Jedis("127.0.0.1", source.port())) {
            j.configSet("requirepass", "right");
            try {
            Path pw = tmp.resolve("pw");
            Files.writeString(pw, "wrong\n");
            for (String method : new String[] {"sync", "bgsave"}) {
                Run r = redback("backup", "--redis", "redis://127.0.0.1:" + source.port(), "--password-file",
                        pw.toString(), "--method", method, "--repo", repo);
                assertThat(r.exit()).isEqualTo(2);
                // Said at the first login: no repository is created for a backup that cannot log in.
                assertThat(r.err().lines().count()).as(r.err()).isEqualTo(1);
                assertThat(r.err()).containsIgnoringCase("password").endsWith("nothing was written\n");
                assertThat(redback("list", "--repo", repo).err()).contains("no redback repository");
            }
            } finally {
                j.auth("right");
                j.configSet("requirepass", "");
            }
        }
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Run r = redback("backup", "--redis", "redis://127.0.0.1:" + port, "--repo", repo);
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err().lines().count()).as(r.err()).isEqualTo(1);
        assertThat(r.err()).startsWith("redback backup: ").contains("127.0.0.1:" + port);
        Run none = redback("list", "--repo", tmp.resolve("nothing").toString());
        assertThat(none.exit()).isEqualTo(2);
        assertThat(none.err()).contains("no redback repository");
    }

    @Test
    void backupAndRestoreThroughS3() throws Exception {
        try (TestS3 s3 = TestS3.start();
             LocalRedisServer source = Datasets.server().config("repl-diskless-sync-delay", "0").start();
             Jedis j = Datasets.jedis(source)) {
            s3.createBucket("backups");
            Map<String, String> s3env = s3.env();
            {
                Datasets.everyType(j, 300);
                String digest = Datasets.digest(source);
                String repo = "s3://backups/redis?endpoint=" + s3.endpoint();
                Run b = redback(s3env, "backup", "--redis", "redis://127.0.0.1:" + source.port(), "--repo", repo, "-q");
                assertThat(b.exit()).as(b.err()).isZero();
                assertThat(b.err()).contains("created a new repository at s3://backups/redis");
                assertThat(redback(s3env, "list", "--repo", repo, "--json").json()).hasSize(1);
                Path dir = tmp.resolve("from-s3");
                Run r = redback(s3env, "restore", "--snapshot", "latest", "--to-dir", dir.toString(), "--repo", repo, "-q");
                assertThat(r.exit()).as(r.err()).isZero();
                try (LocalRedisServer restored = Datasets.server().rdb(dir.resolve("dump.rdb")).start()) {
                    assertThat(Datasets.digest(restored)).isEqualTo(digest);
                }
                try (Storage plain = s3.url("backups", "plain").open()) {
                    byte[] rdb = Files.readAllBytes(dir.resolve("dump.rdb"));
                    plain.put("dump.rdb", new ByteArrayInputStream(rdb), rdb.length);
                }
                Path fromRdb = tmp.resolve("plain-from-s3");
                Run p = redback(s3env, "restore", "--from-rdb", "s3://backups/plain/dump.rdb?endpoint=" + s3.endpoint(),
                        "--to-dir", fromRdb.toString());
                assertThat(p.exit()).as(p.err()).isZero();
                assertThat(Files.mismatch(dir.resolve("dump.rdb"), fromRdb.resolve("dump.rdb"))).isEqualTo(-1);
            }
        }
    }
}
