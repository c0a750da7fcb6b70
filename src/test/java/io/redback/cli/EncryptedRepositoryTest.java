package io.redback.cli;

import static io.redback.cli.Cli.redback;
import static org.assertj.core.api.Assertions.assertThat;

import io.redback.cli.Cli.Run;
import io.redback.redis.LocalRedisServer;
import io.redback.storage.Storage;
import io.redback.storage.s3.TestS3;
import io.redback.testsupport.Datasets;
import io.redback.testsupport.TestRedis;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

/**
 * An encrypted repository end to end, on a folder and on S3: init --encrypt, backup, list, show,
 * restore to a folder that a fresh redis-server loads to the same digest, check --read-data;
 * nothing of a known key or value stored anywhere; a missing or wrong password refused in one
 * line with exit 2 and nothing written; a tampered object found by check and named.
 */
@io.redback.testsupport.Slow
class EncryptedRepositoryTest {
    private static final String KEY = "session:needle-4f1c9e";
    private static final String VALUE = "token-plaintext-canary-8b2d7a";
    private static final String PASSWORD = "correct horse battery staple";

    @TempDir
    Path tmp;

    private static Map<String, String> env(Map<String, String> base, String password) {
        Map<String, String> env = new HashMap<>(base);
        env.put(RepoPasswordOptions.ENV, password);
        return env;
    }

    @Test
    void anEncryptedFolderRepositoryBacksUpRestoresAndChecksAndStoresNoPlaintext() throws Exception {
        Path repoDir = tmp.resolve("repo");
        String repo = repoDir.toString();
        Map<String, String> env = env(Map.of(), PASSWORD);
        roundTrip(env, repo);

        // nothing of the data in any stored byte (compression off, so that the check means something)
        try (Stream<Path> files = Files.walk(repoDir)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                String text = new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1);
                assertThat(text).as(f.toString()).doesNotContain(KEY).doesNotContain(VALUE);
            }
        }
        String config = Files.readString(repoDir.resolve("config.json"));
        assertThat(config).contains("\"formatVersion\" : 2", "\"mode\" : \"required\"", "AES-256-GCM");

        // a missing password: one line, exit 2
        Run missing = redbackWithout(RepoPasswordOptions.ENV, "list", "--repo", repo);
        assertThat(missing.exit()).isEqualTo(2);
        assertThat(missing.err().strip()).contains("is encrypted", "REDBACK_REPO_PASSWORD").doesNotContain("\n");

        // a wrong password: one line, exit 2, nothing written
        List<String> before = listing(repoDir);
        try (LocalRedisServer source = Datasets.server().config("repl-diskless-sync-delay", "0").start()) {
            Run wrong = redback(env(Map.of(), "not it"), "backup", "--redis", "redis://127.0.0.1:" + source.port(),
                    "--repo", repo, "-q");
            assertThat(wrong.exit()).isEqualTo(2);
            assertThat(wrong.err().strip()).contains("wrong password").doesNotContain("\n");
        }
        assertThat(listing(repoDir)).isEqualTo(before);

        // the password from a file and from a command
        Path pwFile = tmp.resolve("pw");
        Files.writeString(pwFile, PASSWORD + "\n");
        Run fromFile = redbackWithout(RepoPasswordOptions.ENV, "list", "--repo", repo, "--repo-password-file",
                pwFile.toString());
        assertThat(fromFile.exit()).as(fromFile.err()).isZero();
        Run fromCommand = redbackWithout(RepoPasswordOptions.ENV, "list", "--repo", repo, "--repo-password-command",
                "cat " + pwFile);
        assertThat(fromCommand.exit()).as(fromCommand.err()).isZero();
        assertThat(fromCommand.out()).contains("1 snapshot(s)");

        // a byte changed in the snapshot's data: check finds it and names the object
        Path data;
        try (Stream<Path> files = Files.walk(repoDir.resolve("sources"))) {
            data = files.filter(f -> f.getFileName().toString().startsWith("dump.rdb")).findFirst().orElseThrow();
        }
        byte[] b = Files.readAllBytes(data);
        b[b.length / 2] ^= 1;
        Files.write(data, b);
        Run check = redback(env, "check", "--repo", repo, "--read-data");
        assertThat(check.exit()).as(check.out() + check.err()).isEqualTo(1);
        assertThat(check.out() + check.err()).contains(repoDir.relativize(data).toString().replace('\\', '/'));
        Path out = tmp.resolve("out");
        Files.createDirectories(out);
        Files.writeString(out.resolve("dump.rdb"), "old");
        Run restore = redback(env, "restore", "--snapshot", "latest", "--to-dir", out.toString(), "--repo", repo, "--force");
        assertThat(restore.exit()).as(restore.out() + restore.err()).isEqualTo(1);
        assertThat(restore.err()).contains("is damaged", "fails authentication", "nothing was restored");
        assertThat(restore.err().lines().count()).isEqualTo(1);
        assertThat(Files.readString(out.resolve("dump.rdb"))).isEqualTo("old");
    }

    @Test
    void anEncryptedS3RepositoryBacksUpRestoresAndChecks() throws Exception {
        try (TestS3 s3 = TestS3.start()) {
            s3.createBucket("crypt");
            String repo = "s3://crypt/enc?endpoint=" + s3.endpoint();
            roundTrip(env(s3.env(), PASSWORD), repo);
            try (Storage raw = s3.url("crypt", "enc").open()) {
                for (Storage.ObjectInfo o : raw.list("")) {
                    try (InputStream in = raw.get(o.key())) {
                        String text = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
                        assertThat(text).as(o.key()).doesNotContain(KEY).doesNotContain(VALUE);
                    }
                }
            }
            Run wrong = redback(env(s3.env(), "nope"), "list", "--repo", repo);
            assertThat(wrong.exit()).isEqualTo(2);
            assertThat(wrong.err()).contains("wrong password");
        }
    }

    @Test
    void keySlotsAddChangeAndRemovePasswordsButNeverTheLast() throws Exception {
        String repo = tmp.resolve("keys").toString();
        Run noPassword = redbackWithout(RepoPasswordOptions.ENV, "init", "--encrypt", "--repo", repo);
        assertThat(noPassword.exit()).isEqualTo(2);
        assertThat(noPassword.err().strip()).contains("REDBACK_REPO_PASSWORD").doesNotContain("\n");
        assertThat(tmp.resolve("keys").resolve("config.json")).doesNotExist();
        Run failing = redbackWithout(RepoPasswordOptions.ENV, "init", "--encrypt", "--repo", repo,
                "--repo-password-command", "false");
        assertThat(failing.exit()).isEqualTo(2);
        assertThat(failing.err()).contains("--repo-password-command false exited with 1");
        assertThat(redback(env(Map.of(), "first"), "init", "--encrypt", "--repo", repo).exit()).isZero();
        Run list = redback(Map.of(), "key", "list", "--repo", repo);
        assertThat(list.exit()).as(list.err()).isZero();
        assertThat(list.out().lines()).hasSize(2);
        assertThat(list.out()).contains("scrypt N=32768 r=8 p=1");

        Map<String, String> add = new HashMap<>(env(Map.of(), "first"));
        add.put(KeyCommand.NEW_ENV, "second");
        Run added = redback(add, "key", "add", "--repo", repo);
        assertThat(added.exit()).as(added.err()).isZero();
        String secondSlot = added.out().strip().replace("added key slot ", "");
        assertThat(redback(env(Map.of(), "second"), "list", "--repo", repo).exit()).isZero();
        assertThat(redback(env(Map.of(), "first"), "list", "--repo", repo).exit()).isZero();

        Map<String, String> change = new HashMap<>(env(Map.of(), "first"));
        change.put(KeyCommand.NEW_ENV, "third");
        Run passwd = redback(change, "key", "passwd", "--repo", repo);
        assertThat(passwd.exit()).as(passwd.err()).isZero();
        assertThat(passwd.out()).contains("changed the password");
        Run old = redback(env(Map.of(), "first"), "list", "--repo", repo);
        assertThat(old.exit()).isEqualTo(2);
        assertThat(old.err()).contains("wrong password");
        assertThat(redback(env(Map.of(), "third"), "list", "--repo", repo).exit()).isZero();

        Run wrongRemove = redback(env(Map.of(), "nope"), "key", "remove", secondSlot, "--repo", repo);
        assertThat(wrongRemove.exit()).isEqualTo(2);
        Run removed = redback(env(Map.of(), "third"), "key", "remove", secondSlot, "--repo", repo);
        assertThat(removed.exit()).as(removed.err()).isZero();
        assertThat(redback(env(Map.of(), "second"), "list", "--repo", repo).exit()).isEqualTo(2);
        String last = redback(Map.of(), "key", "list", "--repo", repo).out().lines().skip(1).findFirst().orElseThrow()
                .split(" ")[0];
        Run lastRemove = redback(env(Map.of(), "third"), "key", "remove", last, "--repo", repo);
        assertThat(lastRemove.exit()).isEqualTo(2);
        assertThat(lastRemove.err()).contains("the last one");
    }

    private void roundTrip(Map<String, String> env, String repo) throws Exception {
        try (LocalRedisServer source = TestRedis.server().start()) {
            Run first = redback(env, "backup", "--redis", "redis://127.0.0.1:" + source.port(), "--repo", repo, "-q");
            assertThat(first.exit()).as("a first backup with a password creates no unencrypted repository").isEqualTo(2);
            assertThat(first.err()).contains("redback init --encrypt");
        }
        Run init = redback(env, "init", "--encrypt", "--repo", repo);
        assertThat(init.exit()).as(init.err()).isZero();
        assertThat(init.out()).contains("created encrypted repository", "format 2");
        try (LocalRedisServer source = Datasets.server().config("repl-diskless-sync-delay", "0").start();
             Jedis j = Datasets.jedis(source)) {
            Datasets.everyType(j, 500);
            j.set(KEY, VALUE.repeat(3));
            String digest = Datasets.digest(source);
            String uri = "redis://127.0.0.1:" + source.port();
            Run backup = redback(env, "backup", "--redis", uri, "--repo", repo, "--compress", "none", "-q");
            assertThat(backup.exit()).as(backup.err()).isZero();
            Run list = redback(env, "list", "--repo", repo);
            assertThat(list.exit()).as(list.err()).isZero();
            assertThat(list.out()).contains("1 snapshot(s)");
            Run show = redback(env, "show", "latest", "--repo", repo);
            assertThat(show.exit()).as(show.err()).isZero();
            Path dir = tmp.resolve("restored-" + Math.abs(repo.hashCode()));
            Run restore = redback(env, "restore", "--snapshot", "latest", "--to-dir", dir.toString(), "--repo", repo, "-q");
            assertThat(restore.exit()).as(restore.err()).isZero();
            try (LocalRedisServer restored = TestRedis.server().config("enable-debug-command", "yes")
                    .rdb(dir.resolve("dump.rdb")).start()) {
                assertThat(Datasets.digest(restored)).isEqualTo(digest);
            }
            Run check = redback(env, "check", "--repo", repo, "--read-data");
            assertThat(check.exit()).as(check.out() + check.err()).isZero();

            Run again = redback(env, "backup", "--redis", uri, "--repo", repo, "--compress", "none", "-q");
            assertThat(again.exit()).as(again.err()).isZero();
            Run prune = redback(env, "prune", "--keep-last", "1", "--repo", repo);
            assertThat(prune.exit()).as(prune.out() + prune.err()).isZero();
            assertThat(redback(env, "list", "--repo", repo).out()).contains("1 snapshot(s)");
            Run status = redback(env, "status", "--repo", repo);
            assertThat(status.exit()).as(status.out() + status.err()).isZero();
        }
    }

    private static Run redbackWithout(String variable, String... args) {
        Map<String, String> env = new HashMap<>(System.getenv());
        env.remove(variable);
        env.put(io.redback.redis.RedisServerBinary.ENV_VAR, TestRedis.binary().toString());
        java.io.StringWriter out = new java.io.StringWriter();
        java.io.StringWriter err = new java.io.StringWriter();
        picocli.CommandLine cl = Main.commandLine(env);
        cl.setOut(new java.io.PrintWriter(out, true));
        cl.setErr(new java.io.PrintWriter(err, true));
        return new Run(cl.execute(args), out.toString(), err.toString());
    }

    private static List<String> listing(Path dir) throws IOException {
        List<String> all = new ArrayList<>();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.sorted().toList()) {
                all.add(dir.relativize(f) + " " + (Files.isRegularFile(f) ? Files.size(f) + " "
                        + Files.getLastModifiedTime(f) : "dir"));
            }
        }
        return all;
    }
}
