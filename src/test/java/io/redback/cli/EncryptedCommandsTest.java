package io.redback.cli;

import static io.redback.cli.Cli.redback;
import static org.assertj.core.api.Assertions.assertThat;

import io.redback.cli.Cli.Run;
import io.redback.redis.LocalRedisServer;
import io.redback.storage.s3.TestS3;
import io.redback.testsupport.Datasets;
import io.redback.testsupport.StreamProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

/**
 * Every command that reads a streamed source, on an encrypted repository: a real {@code redback
 * stream} (its own JVM) ships a redis-server that takes writes, a FLUSHALL and writes after it;
 * then log, status, restore --into a live server, undo (plan, then --apply), verify, drill,
 * compact and check --repo --read-data all work with the password. On S3: stream and a
 * point-in-time restore, and the key commands (rotate too).
 */
@io.redback.testsupport.Slow
class EncryptedCommandsTest {
    private static final String PASSWORD = "stream secret";

    @TempDir
    Path tmp;

    private static Map<String, String> env(Map<String, String> base) {
        Map<String, String> env = new HashMap<>(base);
        env.put(RepoPasswordOptions.ENV, PASSWORD);
        return env;
    }

    @Test
    void keyCommandsWaitForNoOneAndChangeNothingWhileTheRepositoryIsLocked() throws Exception {
        Path dir = tmp.resolve("locked");
        String repo = dir.toString();
        Map<String, String> env = env(Map.of());
        env.put(KeyCommand.NEW_ENV, "second");
        assertThat(redback(env, "init", "--encrypt", "--repo", repo).exit()).isZero();
        try (io.redback.storage.Storage raw = new io.redback.storage.file.FileStorage(dir)) {
            String id = io.redback.repo.Repository.readConfig(raw).orElseThrow().id();
            io.redback.repo.Repository repository = io.redback.repo.Repository.open(
                    io.redback.storage.crypt.EncryptedStorage.unlock(raw, id, PASSWORD.toCharArray()));
            try (io.redback.repo.RepositoryLock prune = repository.lockExclusive("prune", java.time.Clock.systemUTC(),
                    n -> { })) {
                for (String[] cmd : new String[][] {{"add"}, {"rotate"}, {"passwd"}}) {
                    Run refused = redback(env, "key", cmd[0], "--repo", repo);
                    assertThat(refused.exit()).as(cmd[0]).isEqualTo(2);
                    assertThat(refused.err()).as(cmd[0]).contains("is locked by prune");
                }
                Run list = redback(env, "key", "list", "--repo", repo, "--json");
                assertThat(list.json()).as("one slot, one master key: nothing changed").hasSize(1);
                assertThat(list.json().get(0).get("masterKeys").asInt()).isEqualTo(1);
            }
            Run added = redback(env, "key", "add", "--repo", repo);
            assertThat(added.exit()).as(added.err()).isZero();
            assertThat(repository.locks()).as("the key command's lock is gone with it").isEmpty();
        }
    }

    @Test
    void everyStreamCommandWorksOnAnEncryptedFolderRepository() throws Exception {
        String repo = tmp.resolve("repo").toString();
        Map<String, String> env = env(Map.of());
        assertThat(redback(env, "init", "--encrypt", "--repo", repo).exit()).isZero();
        try (LocalRedisServer source = Datasets.server().config("repl-diskless-sync-delay", "0").start();
             LocalRedisServer target = Datasets.server().start();
             Jedis j = Datasets.jedis(source)) {
            String live = "redis://127.0.0.1:" + source.port();
            String before;
            try (StreamProcess stream = StreamProcess.start(tmp.resolve("stream"), env, "--redis", live, "--name",
                    "src", "--repo", repo, "--spool", tmp.resolve("spool").toString(), "--flush-interval", "200ms")) {
                for (int i = 1; i <= 5; i++) {
                    j.set("user:" + i, "name-" + i);
                }
                j.hset("profile:1", Map.of("a", "1", "b", "2"));
                before = Datasets.digest(source);
                Thread.sleep(1500);
                j.flushAll();
                j.set("user:1", "renamed");
                j.set("fresh", "x");
                Thread.sleep(1500);
                assertThat(stream.stop()).as(stream.errors()).isZero();
            }

            Run log = redback(env, "log", "--name", "src", "--repo", repo, "--grep", "FLUSHALL");
            assertThat(log.exit()).as(log.err()).isZero();
            assertThat(log.out()).contains("FLUSHALL", "redback undo");
            Run status = redback(env, "status", "--repo", repo);
            assertThat(status.exit()).as(status.out() + status.err()).isZero();
            assertThat(status.out()).contains("src");

            Run into = redback(env, "restore", "--name", "src", "--before", "FLUSHALL", "--into",
                    "redis://127.0.0.1:" + target.port(), "--repo", repo, "-q");
            assertThat(into.exit()).as(into.err() + into.out()).isZero();
            assertThat(Datasets.digest(target)).as("the state just before the FLUSHALL").isEqualTo(before);

            Run verify = redback(env, "verify", "--redis", live, "--name", "src", "--repo", repo, "-q");
            assertThat(verify.exit()).as(verify.out() + verify.err()).isZero();

            Run drill = redback(env, "drill", "--repo", repo, "--name", "src", "--assert", "GET fresh == x", "-q");
            assertThat(drill.exit()).as(drill.out() + drill.err()).isZero();

            long keysBefore = j.dbSize();
            Run plan = redback(env, "undo", "--name", "src", "--before", "FLUSHALL", "--into", live, "--repo", repo,
                    "-q");
            assertThat(plan.exit()).as(plan.err() + plan.out()).isZero();
            assertThat(plan.out()).contains("undo plan: FLUSHALL", "dry run: nothing was written");
            assertThat(j.dbSize()).isEqualTo(keysBefore);
            Run apply = redback(env, "undo", "--name", "src", "--before", "FLUSHALL", "--into", live, "--repo", repo,
                    "--apply", "--lossy", "skip-key", "-q");
            assertThat(apply.exit()).as(apply.err() + apply.out()).isZero();
            assertThat(j.get("user:1")).isEqualTo("renamed");
            assertThat(j.get("user:3")).isEqualTo("name-3");
            assertThat(j.hget("profile:1", "b")).isEqualTo("2");

            Run compact = redback(env, "compact", "--repo", repo);
            assertThat(compact.exit()).as(compact.out() + compact.err()).isZero();
            Run check = redback(env, "check", "--repo", repo, "--read-data");
            assertThat(check.exit()).as(check.out() + check.err()).isZero();
            Run after = redback(env, "restore", "--name", "src", "--before", "FLUSHALL", "--to-dir",
                    tmp.resolve("after-compact").toString(), "--repo", repo, "-q");
            assertThat(after.exit()).as("still restorable after compact: " + after.err()).isZero();

            Run wrong = redback(Map.of(RepoPasswordOptions.ENV, "nope"), "log", "--name", "src", "--repo", repo);
            assertThat(wrong.exit()).isEqualTo(2);
            assertThat(wrong.err()).contains("wrong password");
        }
    }

    @Test
    void streamAndPointInTimeRestoreAndKeysOnAnEncryptedS3Repository() throws Exception {
        try (TestS3 s3 = TestS3.start();
             LocalRedisServer source = Datasets.server().config("repl-diskless-sync-delay", "0").start();
             Jedis j = Datasets.jedis(source)) {
            s3.createBucket("crypt");
            String repo = "s3://crypt/enc?endpoint=" + s3.endpoint();
            Map<String, String> env = env(s3.env());
            assertThat(redback(env, "init", "--encrypt", "--repo", repo).exit()).isZero();
            String live = "redis://127.0.0.1:" + source.port();
            String before;
            try (StreamProcess stream = StreamProcess.start(tmp.resolve("stream"), env, "--redis", live, "--name",
                    "src", "--repo", repo, "--spool", tmp.resolve("spool").toString(), "--flush-interval", "200ms")) {
                j.set("a", "1");
                j.rpush("list", "x", "y");
                before = Datasets.digest(source);
                Thread.sleep(1500);
                j.flushAll();
                j.set("b", "2");
                Thread.sleep(1500);
                assertThat(stream.stop()).as(stream.errors()).isZero();
            }
            Path dir = tmp.resolve("restored");
            Run restore = redback(env, "restore", "--name", "src", "--before", "FLUSHALL", "--to-dir", dir.toString(),
                    "--repo", repo, "-q");
            assertThat(restore.exit()).as(restore.err() + restore.out()).isZero();
            LocalRedisServer.Builder server = Datasets.server().dir(dir);
            if (Files.isDirectory(dir.resolve("appendonlydir"))) {
                server.config("appendonly", "yes").config("appenddirname", "appendonlydir");
            }
            try (LocalRedisServer restored = server.start()) {
                assertThat(Datasets.digest(restored)).isEqualTo(before);
            }

            Map<String, String> add = new HashMap<>(env);
            add.put(KeyCommand.NEW_ENV, "second");
            Run added = redback(add, "key", "add", "--repo", repo);
            assertThat(added.exit()).as(added.err()).isZero();
            Map<String, String> second = new HashMap<>(s3.env());
            second.put(RepoPasswordOptions.ENV, "second");
            Run list = redback(second, "key", "list", "--repo", repo);
            assertThat(list.exit()).as(list.err()).isZero();
            assertThat(list.out().lines()).hasSize(3);
            Run listJson = redback(second, "key", "list", "--repo", repo, "--json");
            assertThat(listJson.exit()).as(listJson.err()).isZero();
            assertThat(listJson.json()).hasSize(2);
            assertThat(listJson.json().get(0).get("kdf").asText()).isEqualTo("scrypt");
            assertThat(listJson.out()).doesNotContain("wrapped", "salt", "nonce");
            Run log = redback(second, "log", "--name", "src", "--repo", repo);
            assertThat(log.exit()).as(log.err()).isZero();
            assertThat(log.out()).contains("FLUSHALL");

            // a rotation: refused while a slot does not open with the password, then new objects use the new key
            Run refused = redback(env, "key", "rotate", "--repo", repo);
            assertThat(refused.exit()).isEqualTo(2);
            String secondSlot = added.out().strip().replace("added key slot ", "");
            assertThat(refused.err()).contains(secondSlot, "redback key remove").doesNotContain("\n ");
            assertThat(redback(env, "key", "remove", secondSlot, "--repo", repo).exit()).isZero();
            Run rotate = redback(env, "key", "rotate", "--repo", repo);
            assertThat(rotate.exit()).as(rotate.err()).isZero();
            assertThat(rotate.out()).contains("rotated the master key", "master key 1");
            assertThat(redback(env, "key", "list", "--repo", repo).out()).containsPattern("p=1 +2");
            Run backup = redback(env, "backup", "--redis", live, "--name", "src", "--repo", repo, "-q");
            assertThat(backup.exit()).as(backup.err()).isZero();
            Run check = redback(env, "check", "--repo", repo, "--read-data");
            assertThat(check.exit()).as("objects of before and after the rotation: " + check.out() + check.err()).isZero();
            Run again = redback(env, "restore", "--name", "src", "--before", "FLUSHALL", "--to-dir",
                    tmp.resolve("after-rotation").toString(), "--repo", repo, "-q");
            assertThat(again.exit()).as(again.err()).isZero();
        }
    }
}
