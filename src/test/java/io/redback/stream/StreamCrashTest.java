package io.redback.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.redback.redis.LocalRedisServer;
import io.redback.repo.Repository;
import io.redback.repo.Timeline;
import io.redback.storage.file.FileStorage;
import io.redback.testsupport.Datasets;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

/**
 * {@code redback stream} in a child JVM, SIGKILLed three times while a client writes without
 * pause (with a WAIT now and then, so that the group commit journals the open segment), then
 * restarted on the same spool (its journal spooled first): the stream resumes its timeline every time
 * (PSYNC continue from the spool's durable offset), no offset goes missing, and SIGTERM stops it
 * cleanly with everything in the repository. The replayed timeline equals the source.
 */
@io.redback.testsupport.Slow
class StreamCrashTest {
    @TempDir
    Path temp;

    @Test
    void sigkillAndRestartLosesNoWrite() throws Exception {
        Path repoDir = temp.resolve("repo");
        Path spool = temp.resolve("spool");
        try (LocalRedisServer source = Datasets.server().config("repl-diskless-sync-delay", "0")
                // Enough backlog to cover the restarts below; see docs: size it for redback's downtime.
                .config("repl-backlog-size", "64mb").start()) {
            String uri = "redis://" + source.host() + ":" + source.port();
            AtomicBoolean writing = new AtomicBoolean(true);
            AtomicLong written = new AtomicLong();
            Thread writer = new Thread(() -> {
                try (Jedis j = Datasets.jedis(source)) {
                    for (long i = 0; writing.get(); i++) {
                        j.set("k" + (i % 5000), "v" + i);
                        j.incr("counter");
                        if (i % 100 == 0) {
                            j.select((int) (i / 100 % 4));
                        }
                        if (i % 40 == 0) {
                            j.waitReplicas(1, 100); // a GETACK: the group commit journals the open segment
                        }
                        written.incrementAndGet();
                    }
                }
            }, "writer");
            writer.start();
            try {
                for (int round = 0; round < 3; round++) {
                    Process p = stream(uri, repoDir, spool, round);
                    awaitOutput(round, round == 0 ? "started:" : "continuing timeline");
                    Thread.sleep(700 + 300L * round); // the stream runs under load for a while: kill it mid-flight
                    p.destroyForcibly();
                    assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
                }
                writing.set(false);
                writer.join();
                Process last = stream(uri, repoDir, spool, 3);
                awaitOutput(3, "continuing timeline");
                long target = RunningStream.masterOffset(source);
                try (FileStorage storage = new FileStorage(repoDir)) {
                    Repository repo = Repository.open(storage);
                    RunningStream.await("the repository reaches " + target, () -> restorable(repo) >= target);
                    last.destroy(); // SIGTERM: a clean stop
                    assertThat(last.waitFor(30, TimeUnit.SECONDS)).isTrue();
                    assertThat(last.exitValue()).isZero();
                    assertThat(Files.readString(temp.resolve("out3"))).contains("stopped: received up to offset");

                    List<Timeline> timelines = repo.timelines().of("crash");
                    assertThat(timelines).as("every restart continued the one timeline").hasSize(1);
                    assertThat(timelines.get(0).gaps()).isEmpty();
                    assertThat(written.get()).isGreaterThan(100);
                    assertThat(Replay.digest(repo, timelines.get(0), temp)).isEqualTo(Datasets.digest(source));
                }
            } finally {
                writing.set(false);
                writer.join();
                if (child != null) {
                    child.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            }
        }
    }

    private Process child;

    private long restorable(Repository repo) {
        try {
            List<Timeline> t = repo.timelines().of("crash");
            return t.isEmpty() ? -1 : t.get(t.size() - 1).restorableOffset();
        } catch (java.io.IOException e) {
            return -1;
        }
    }

    private Process stream(String uri, Path repo, Path spool, int round) throws Exception {
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xms16m", "-XX:+UseSerialGC", "-cp",
                Path.of("target", "classes").toAbsolutePath() + File.pathSeparator + System.getProperty("java.class.path"),
                "io.redback.cli.Main", "stream", "--redis", uri, "--repo", repo.toString(), "--name", "crash",
                "--spool", spool.toString(), "--flush-interval", "200ms");
        child = new ProcessBuilder(cmd).redirectOutput(temp.resolve("out" + round).toFile())
                .redirectError(temp.resolve("err" + round).toFile()).start();
        return child;
    }

    private void awaitOutput(int round, String text) throws Exception {
        Path out = temp.resolve("out" + round);
        try {
            awaitText(out, round, text);
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "\nstdout:\n" + Files.readString(out) + "\nstderr:\n"
                    + Files.readString(temp.resolve("err" + round)), e);
        }
    }

    private void awaitText(Path out, int round, String text) throws Exception {
        RunningStream.await("'" + text + "' in the output of run " + round, () -> {
            try {
                return Files.exists(out) && Files.readString(out).contains(text);
            } catch (java.io.IOException e) {
                return false;
            }
        });
    }
}
