package io.redback.cli;

import static io.redback.cli.Cli.redback;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.redback.redis.LocalRedisServer;
import io.redback.redis.RedisConnection;
import io.redback.testsupport.ServerReleases;
import io.redback.testsupport.TestRedis;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The runbook "is persistence configured sanely?" against real servers with each problem provoked:
 * no persistence, BGSAVE failing into a removed dir, an open default user, a user that may not
 * run CONFIG, save rules against an RPO, world-readable data files; and the backup checks
 * against a repository a real backup wrote.
 */
@io.redback.testsupport.Slow
class DoctorCommandTest {
    @TempDir
    Path tmp;

    private static String uri(LocalRedisServer r) {
        return "redis://127.0.0.1:" + r.port();
    }

    private String password(String pw) throws java.io.IOException {
        Path f = tmp.resolve("pw-" + pw);
        Files.writeString(f, pw);
        return f.toString();
    }

    private static JsonNode check(JsonNode doc, String id) {
        for (JsonNode c : doc.get("checks")) {
            if (c.get("id").asText().equals(id)) {
                return c;
            }
        }
        throw new AssertionError("no check " + id + " in " + doc);
    }

    private static String status(JsonNode doc, String id) {
        return check(doc, id).get("status").asText();
    }

    @Test
    void aServerWithoutPersistenceFailsAsAStoreAndPassesAsACache() throws Exception {
        try (LocalRedisServer redis = TestRedis.server().start()) {
            Cli.Run run = redback("doctor", "--redis", uri(redis), "--json");
            JsonNode doc = run.json();
            assertThat(run.exit()).as(run.err()).isEqualTo(1);
            assertThat(doc.get("verdict").asText()).isEqualTo("fail");
            JsonNode persistence = check(doc, "config.persistence");
            assertThat(persistence.get("status").asText()).isEqualTo("fail");
            assertThat(persistence.get("evidence").get("save").asText()).isEmpty();
            assertThat(persistence.get("evidence").get("appendonly").asText()).isEqualTo("no");
            assertThat(persistence.get("fix").asText()).contains("CONFIG SET appendonly yes");
            for (JsonNode c : doc.get("checks")) {
                assertThat(c.fieldNames()).toIterable().containsExactly("id", "status", "message", "evidence", "fix");
                assertThat(c.get("status").asText()).isIn("ok", "warn", "fail", "skip");
            }
            // the server runs here: the host checks read this host
            String overcommit = Files.readString(Path.of("/proc/sys/vm/overcommit_memory")).trim();
            assertThat(check(doc, "host.overcommit").get("evidence").get("vm.overcommit_memory").asText())
                    .isEqualTo(overcommit);
            assertThat(status(doc, "host.overcommit")).isEqualTo(overcommit.equals("1") ? "ok" : "fail");
            assertThat(check(doc, "host.nofile").get("evidence").get("pid").asLong()).isEqualTo(redis.pid());
            assertThat(status(doc, "host.disk-headroom")).isIn("ok", "warn");
            assertThat(status(doc, "info.last-bgsave")).isEqualTo("ok");
            assertThat(status(doc, "security.protected-mode")).isEqualTo("ok");
            assertThat(doc.get("checks").findValuesAsText("id")).noneMatch(id -> id.startsWith("backup."));

            JsonNode cache = redback("doctor", "--redis", uri(redis), "--profile", "cache", "--json").json();
            assertThat(status(cache, "config.persistence")).isEqualTo("ok");
            assertThat(status(cache, "config.maxmemory-policy")).isEqualTo("warn");

            Cli.Run text = redback("doctor", "--redis", uri(redis));
            assertThat(text.out()).contains("FAIL  config.persistence", "fix:  CONFIG SET appendonly yes")
                    .containsPattern("FAIL: \\d+ failed");
        }
    }

    @Test
    void aBgsaveFailingIntoARemovedDirIsFoundInInfoOnTheHostAndInTheLog() throws Exception {
        Path gone = tmp.resolve("gone");
        Files.createDirectories(gone);
        try (LocalRedisServer redis = TestRedis.server().config("save", "3600 1")
                .config("enable-protected-configs", "yes").start();
             RedisConnection c = redis.connect()) {
            c.call("SET", "k", "v");
            c.call("CONFIG", "SET", "dir", gone.toString());
            Files.delete(gone);
            c.call("BGSAVE");
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (!"err".equals(c.info("persistence").get("rdb_last_bgsave_status"))) {
                assertThat(System.nanoTime()).as("BGSAVE fails").isLessThan(deadline);
                Thread.sleep(20);
            }
            Cli.Run run = redback("doctor", "--redis", uri(redis), "--json");
            assertThat(run.exit()).as(run.err()).isEqualTo(1);
            JsonNode doc = run.json();
            JsonNode bgsave = check(doc, "info.last-bgsave");
            assertThat(bgsave.get("status").asText()).isEqualTo("fail");
            assertThat(bgsave.get("evidence").get("rdb_last_bgsave_status").asText()).isEqualTo("err");
            assertThat(bgsave.get("evidence").get("rdb_changes_since_last_save").asLong()).isPositive();
            JsonNode disk = check(doc, "host.disk-headroom");
            assertThat(disk.get("status").asText()).isEqualTo("fail");
            assertThat(disk.get("message").asText()).contains("data dir no longer exists");
            assertThat(disk.get("fix").asText()).contains("CONFIG SET dir");
            // LocalRedisServer logs to a file in its own dir, given as an absolute path
            JsonNode log = check(doc, "log.errors");
            assertThat(log.get("status").asText()).isEqualTo("warn");
            assertThat(log.get("evidence").get("found").get("rdb-open-failed").get("count").asLong()).isPositive();
            assertThat(log.get("evidence").get("found").get("bgsave-error").get("last").asText()).matches(
                    "\\d{1,2} \\w{3} \\d{4} \\d{2}:\\d{2}:\\d{2}.*");
            assertThat(status(doc, "config.persistence")).isEqualTo("ok");
        }
    }

    @Test
    void anOpenDefaultUserFailsAndAUserWithoutConfigGetsThoseChecksSkippedWithTheReason() throws Exception {
        try (LocalRedisServer redis = TestRedis.server().start(); RedisConnection c = redis.connect()) {
            JsonNode open = redback("doctor", "--redis", uri(redis), "--json").json();
            assertThat(status(open, "security.default-user")).isEqualTo("fail");
            assertThat(check(open, "security.default-user").get("evidence").get("flags").toString()).contains("nopass");
            JsonNode dangerous = check(open, "security.dangerous-commands");
            assertThat(dangerous.get("status").asText()).isEqualTo("warn");
            assertThat(dangerous.get("evidence").get("reachableByDefaultUser").toString())
                    .contains("FLUSHALL", "FLUSHDB", "CONFIG").doesNotContain("DEBUG"); // enable-debug-command no
            assertThat(dangerous.get("fix").asText()).contains("ACL SETUSER default", "-flushall");

            c.call("ACL", "SETUSER", "monitor", "on", ">s3cret", "+@all", "-config", "-acl");
            c.call("ACL", "SETUSER", "default", "on", ">other", "-@all", "+ping", "+auth");
            Cli.Run run = redback("doctor", "--redis", "redis://monitor@127.0.0.1:" + redis.port(), "--password-file",
                    password("s3cret"), "--json");
            assertThat(run.exit()).as(run.err()).isIn(0, 1);
            JsonNode doc = run.json();
            for (String id : new String[]{"config.persistence", "config.appendfsync", "config.maxmemory-policy",
                    "config.repl-backlog"}) {
                assertThat(status(doc, id)).as(id).isEqualTo("skip");
                assertThat(check(doc, id).get("message").asText()).as(id).contains("may not run CONFIG GET", "NOPERM");
            }
            assertThat(status(doc, "host.disk-headroom")).isEqualTo("skip");
            assertThat(status(doc, "info.last-bgsave")).isEqualTo("ok");
            assertThat(status(doc, "security.default-user")).isEqualTo("skip");
            assertThat(check(doc, "security.default-user").get("message").asText()).contains("ACL GETUSER");
        }
    }

    @Test
    void saveRulesAreJudgedAgainstTheRpoAndWorldReadableFilesAreFound() throws Exception {
        try (LocalRedisServer redis = TestRedis.server().config("save", "3600 1").start();
             RedisConnection c = redis.connect()) {
            c.call("SET", "k", "v");
            c.call("SAVE");
            Files.setPosixFilePermissions(redis.rdbFile(), PosixFilePermissions.fromString("rw-r--r--"));
            JsonNode doc = redback("doctor", "--redis", uri(redis), "--rpo", "5m", "--json").json();
            JsonNode rpo = check(doc, "config.rdb-save-vs-rpo");
            assertThat(rpo.get("status").asText()).isEqualTo("fail");
            assertThat(rpo.get("message").asText()).contains("3600 s", "300 s");
            assertThat(rpo.get("fix").asText()).contains("CONFIG SET save \"300 1\"");
            JsonNode perms = check(doc, "files.permissions");
            assertThat(perms.get("status").asText()).isEqualTo("warn");
            assertThat(perms.get("evidence").get("worldReadable").toString()).contains("dump.rdb");
            assertThat(perms.get("fix").asText()).contains("chmod 0660");

            c.call("CONFIG", "SET", "save", "60 1");
            Files.setPosixFilePermissions(redis.rdbFile(), PosixFilePermissions.fromString("rw-rw----"));
            JsonNode fixed = redback("doctor", "--redis", uri(redis), "--rpo", "5m", "--json").json();
            assertThat(status(fixed, "config.rdb-save-vs-rpo")).isEqualTo("ok");
            assertThat(status(fixed, "files.permissions")).isEqualTo("ok");
            assertThat(status(fixed, "info.unsaved-changes")).isEqualTo("ok");
        }
    }

    @Test
    void warningsExitZeroUnlessFailOnWarn() throws Exception {
        try (LocalRedisServer redis = TestRedis.server().start(); RedisConnection c = redis.connect()) {
            c.call("CONFIG", "SET", "requirepass", "pw");
            String pw = password("pw");
            Cli.Run run = redback("doctor", "--redis", uri(redis), "--password-file", pw, "--profile", "cache", "--json");
            JsonNode doc = run.json();
            assertThat(status(doc, "config.maxmemory-policy")).isEqualTo("warn");
            String verdict = doc.get("verdict").asText();
            assertThat(verdict).isIn("warn", "fail"); // fail only from this host's own settings
            Cli.Run strict = redback("doctor", "--redis", uri(redis), "--password-file", pw, "--profile", "cache",
                    "--fail-on", "warn");
            if (verdict.equals("warn")) {
                assertThat(run.exit()).isZero();
                assertThat(strict.exit()).isEqualTo(1);
            } else {
                assertThat(run.exit()).isEqualTo(1);
                assertThat(strict.exit()).isEqualTo(1);
            }
        }
    }

    @Test
    void backupChecksReadTheRepository() throws Exception {
        String repo = tmp.resolve("repo").toString();
        try (LocalRedisServer redis = TestRedis.server().start(); RedisConnection c = redis.connect()) {
            c.call("SET", "k", "v");
            assertThat(redback("init", "--repo", repo).exit()).isZero();
            JsonNode none = redback("doctor", "--redis", uri(redis), "--repo", repo, "--name", "src", "--json").json();
            assertThat(status(none, "backup.snapshot-age")).isEqualTo("fail");
            assertThat(check(none, "backup.snapshot-age").get("fix").asText()).contains("redback backup");

            assertThat(redback("backup", "--redis", uri(redis), "--repo", repo, "--name", "src", "-q").exit()).isZero();
            JsonNode doc = redback("doctor", "--redis", uri(redis), "--repo", repo, "--name", "src", "--rpo", "1h",
                    "--json").json();
            assertThat(status(doc, "backup.snapshot-age")).isEqualTo("ok");
            assertThat(check(doc, "backup.snapshot-age").get("evidence").get("ageSeconds").asLong()).isLessThan(60);
            assertThat(status(doc, "backup.stream-lag")).isEqualTo("skip");
            assertThat(status(doc, "backup.gaps")).isEqualTo("skip");
            JsonNode noDrill = check(doc, "backup.last-drill");
            assertThat(noDrill.get("status").asText()).isEqualTo("warn");
            assertThat(noDrill.get("message").asText()).contains("no restore drill recorded for src");
            assertThat(noDrill.get("fix").asText()).contains("redback drill --name src --repo");
            assertThat(status(redback("doctor", "--redis", uri(redis), "--repo", repo, "--name", "src", "--profile",
                    "cache", "--json").json(), "backup.last-drill")).isEqualTo("ok");

            // a drill recorded: doctor says what status says
            Cli.Run drill = redback("drill", "--repo", repo, "--name", "src", "-q");
            assertThat(drill.exit()).as(drill.err() + drill.out()).isZero();
            JsonNode lastDrill = redback("status", "--repo", repo, "--json").json().get("sources").get(0)
                    .get("lastDrill");
            JsonNode drilled = redback("doctor", "--redis", uri(redis), "--repo", repo, "--name", "src",
                    "--json").json();
            JsonNode ok = check(drilled, "backup.last-drill");
            assertThat(ok.fieldNames()).toIterable().containsExactly("id", "status", "message", "evidence", "fix");
            assertThat(ok.get("status").asText()).isEqualTo("ok");
            assertThat(ok.get("message").asText()).contains("the newest drill passed", lastDrill.get("id").asText(),
                    "RTO");
            assertThat(ok.get("evidence").get("drill").asText()).isEqualTo(lastDrill.get("id").asText());
            assertThat(ok.get("evidence").get("rtoSeconds").asDouble()).isEqualTo(lastDrill.get("rtoSeconds")
                    .asDouble());

            // the same --drill-max-age as status: overdue there, a warning here
            assertThat(redback("status", "--repo", repo, "--drill-max-age", "1ms", "--json").json().get("sources")
                    .get(0).get("drillOverdue").asBoolean()).isTrue();
            Cli.Run overdue = redback("doctor", "--redis", uri(redis), "--repo", repo, "--name", "src",
                    "--drill-max-age", "1ms");
            assertThat(overdue.out()).containsPattern("WARN +backup\\.last-drill +the newest drill passed .* ago")
                    .contains("--drill-max-age");
            assertThat(redback("doctor", "--redis", uri(redis), "--repo", repo, "--name", "src",
                    "--drill-max-age", "soon").exit()).isEqualTo(2);
        }
    }

    @Test
    void aofWritesFailingOnAFullDiskAreFound() throws Exception {
        // The data dir is a 1 MiB tmpfs mounted in the server's own user and mount namespace (so its
        // log there is not visible to doctor, outside).
        Path dir = Files.createDirectories(tmp.resolve("full"));
        Path aofDir = dir;
        Path wrapper = tmp.resolve("redis-server-on-full-disk");
        Files.writeString(wrapper, "#!/bin/sh\nexec unshare --user --map-root-user --mount sh -c "
                + "'mount -t tmpfs -o size=1m tmpfs \"$0\" && exec \"$@\"' '" + aofDir + "' '" + TestRedis.binary()
                + "' \"$@\"\n");
        Files.setPosixFilePermissions(wrapper, PosixFilePermissions.fromString("rwx------"));
        Process probe = new ProcessBuilder("unshare", "--user", "--map-root-user", "--mount", "sh", "-c",
                "mount -t tmpfs -o size=1m tmpfs '" + aofDir + "'").redirectErrorStream(true).start();
        org.junit.jupiter.api.Assumptions.assumeTrue(probe.waitFor() == 0,
                "user namespaces with tmpfs mounts are not allowed here");
        try (LocalRedisServer redis = LocalRedisServer.builder().binary(wrapper).dir(dir).config("appendonly", "yes")
                .start(); RedisConnection c = redis.connect()) {
            byte[] value = new byte[64 * 1024];
            long deadline = System.nanoTime() + 20_000_000_000L;
            while (!"err".equals(c.info("persistence").get("aof_last_write_status"))) {
                assertThat(System.nanoTime()).as("the AOF fills the tmpfs").isLessThan(deadline);
                try {
                    c.call("SET", "k" + System.nanoTime(), value);
                } catch (io.redback.redis.RedisErrorReply e) {
                    Thread.sleep(20); // MISCONF: writes are refused once the AOF cannot be written
                }
            }
            JsonNode doc = redback("doctor", "--redis", uri(redis), "--json").json();
            JsonNode write = check(doc, "info.aof-last-write");
            assertThat(write.get("status").asText()).isEqualTo("fail");
            assertThat(write.get("evidence").get("aof_last_write_status").asText()).isEqualTo("err");
            assertThat(write.get("fix").asText()).contains("free space");
            assertThat(status(doc, "config.appendfsync")).isEqualTo("ok");
            assertThat(status(doc, "config.aof-timestamps")).isEqualTo("warn");
            assertThat(status(doc, "config.aof-rewrite")).isEqualTo("ok");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"redis-7.4.1", "valkey-8.0.1"})
    void newerReleasesAreCheckedTheSameWay(String release) throws Exception {
        try (LocalRedisServer redis = ServerReleases.server(release).config("appendonly", "yes").start()) {
            Cli.Run run = redback("doctor", "--redis", uri(redis), "--json");
            assertThat(run.exit()).as(run.err()).isEqualTo(1);
            JsonNode doc = run.json();
            assertThat(status(doc, "config.persistence")).isEqualTo("ok");
            assertThat(status(doc, "info.aof-last-write")).isEqualTo("ok");
            assertThat(status(doc, "info.aof-rewrite")).isEqualTo("ok");
            assertThat(status(doc, "security.default-user")).isEqualTo("fail");
            assertThat(status(doc, "security.dangerous-commands")).isEqualTo("warn");
            assertThat(check(doc, "host.nofile").get("evidence").get("pid").asLong()).isEqualTo(redis.pid());
        }
    }

    @Test
    void anUnreachableServerExitsTwo() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Cli.Run run = redback("doctor", "--redis", "redis://127.0.0.1:" + port);
        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err()).startsWith("redback doctor: ").contains(Integer.toString(port));
        assertThat(redback("doctor", "--redis", "redis://127.0.0.1:" + port, "--rpo", "soon").exit()).isEqualTo(2);
    }
}
