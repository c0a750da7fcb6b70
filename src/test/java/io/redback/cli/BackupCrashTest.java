package io.redback.cli;

import static io.redback.cli.Cli.redback;
import io.redback.cli.Cli.Run;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.redback.redis.LocalRedisServer;
import io.redback.testsupport.Datasets;
import io.redback.testsupport.TestRedis;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

/**
 * SIGKILL of the backup process (a separate JVM) at points spread over a backup's duration, and
 * once right after it prints the new snapshot's id: after each kill the repository still lists,
 * every listed snapshot is whole (show and a verified restore), the source drops the killed
 * replica, and after all of them a normal backup succeeds, restores and prune works.
 */
@io.redback.testsupport.Slow
class BackupCrashTest {
    private static final int BULK_KEYS = 600_000;

    @TempDir
    Path tmp;

    /** What one child backup did: its exit (-1 if killed), whether it was killed, its output. */
    record Child(int exit, boolean killed, long aliveMs, String out, String err) {
    }

    @Test
    void sigkillAtManyPointsLeavesAValidRepositoryAndTheNextBackupSucceeds() throws Exception {
        long t0 = System.nanoTime();
        Path repoDir = tmp.resolve("repo");
        String repo = repoDir.toString();
        try (LocalRedisServer source = Datasets.server().config("repl-diskless-sync-delay", "0").start();
             Jedis j = Datasets.jedis(source)) {
            Datasets.everyType(j, BULK_KEYS);
            String uri = "redis://127.0.0.1:" + source.port();
            String digest = Datasets.digest(source);

            Run init = redback("init", "--repo", repo);
            assertThat(init.exit()).as(init.err()).isZero();

            // A first complete backup in a child JVM measures how long one takes.
            Child timing = backup(uri, repo, -1, false);
            assertThat(timing.exit()).as(timing.err()).isZero();
            long fullMs = timing.aliveMs();
            Set<String> expected = new LinkedHashSet<>(ids(repo));
            assertThat(expected).hasSize(1);
            assertWhole(repo, expected, digest, "after the timing backup");

            // Kill points spread over the backup's duration, from JVM start-up to the manifest write.
            // Half of them in time since the start, half in time since the source saw the replica
            // (negative below), so that several land while the RDB streams in.
            List<Long> points = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                points.add(Math.max(30, fullMs * (2 * i + 1) / 8));
            }
            for (long after : List.of(0L, 80L, 250L, 500L)) {
                points.add(-1 - after);
            }
            List<String> report = new ArrayList<>();
            for (long point : points) {
                Child c = point >= 0 ? backup(uri, repo, point, false) : backupKilledAfterReplica(uri, repo, -1 - point);
                String at = point >= 0 ? point + " ms" : (-1 - point) + " ms after the replica appeared";
                report.add(at + ": " + (c.killed() ? "killed(" + phase + ", " + leftovers(repoDir) + " leftover files)"
                        : "exit " + c.exit()));
                Set<String> now = new LinkedHashSet<>(ids(repo));
                assertThat(now).as("snapshots listed after a kill at " + at).containsAll(expected);
                assertThat(now.size() - expected.size()).as("at most the killed backup's snapshot is new").isBetween(0, 1);
                if (!c.killed()) {
                    assertThat(c.exit()).as(c.err()).isZero();
                }
                Set<String> added = new LinkedHashSet<>(now);
                added.removeAll(expected);
                assertWhole(repo, added, digest, "after a kill at " + at);
                expected = now;
                awaitNoReplica(j, "after a kill at " + at);
            }

            // Right after the child prints its snapshot id (the manifest is written by then).
            Child printed = backup(uri, repo, -1, true);
            report.add("on print:" + (printed.killed() ? "killed" : "exit " + printed.exit()));
            Set<String> now = new LinkedHashSet<>(ids(repo));
            assertThat(now).containsAll(expected);
            Set<String> added = new LinkedHashSet<>(now);
            added.removeAll(expected);
            assertThat(added).as("the snapshot the child printed is listed: " + printed.out()).hasSize(1);
            assertThat(printed.out()).contains("snapshot " + added.iterator().next());
            assertWhole(repo, added, digest, "after a kill on print");
            awaitNoReplica(j, "after a kill on print");

            // A normal backup after all the kills succeeds and restores; prune works.
            Child last = backup(uri, repo, -1, false);
            assertThat(last.exit()).as(last.err()).isZero();
            Set<String> afterLast = new LinkedHashSet<>(ids(repo));
            afterLast.removeAll(now);
            assertThat(afterLast).hasSize(1);
            assertWhole(repo, afterLast, digest, "the final backup");
            Run prune = redback("prune", "--repo", repo, "--keep-last", "1");
            assertThat(prune.exit()).as(prune.out() + prune.err()).isZero();
            assertThat(ids(repo)).containsExactlyElementsOf(afterLast);
            assertWhole(repo, afterLast, digest, "after prune");
            awaitNoReplica(j, "at the end");

            List<String> garbage;
            try (var files = Files.walk(repoDir)) {
                garbage = files.filter(Files::isRegularFile).map(f -> repoDir.relativize(f).toString())
                        .filter(f -> !f.equals("config.json") && !afterLast.stream().anyMatch(f::contains)).toList();
            }
            System.out.printf("BackupCrashTest: full backup %d ms in a child JVM; kill points %s; "
                            + "left after prune (garbage younger than a day stays): %s; %.1f s in all%n",
                    fullMs, report, garbage, (System.nanoTime() - t0) / 1e9);
        }
    }

    private static List<String> ids(String repo) throws IOException {
        Run list = redback("list", "--repo", repo, "--json");
        assertThat(list.exit()).as(list.err()).isZero();
        List<String> ids = new ArrayList<>();
        for (JsonNode s : list.json()) {
            ids.add(s.get("id").asText());
        }
        return ids;
    }

    /** Each snapshot shows, restores verified, and the restored RDB holds the source's data. */
    private void assertWhole(String repo, Set<String> ids, String digest, String when)
            throws Exception {
        for (String id : ids) {
            Run show = redback("show", id, "--repo", repo, "--json");
            assertThat(show.exit()).as(when + ": show " + id + ": " + show.err()).isZero();
            JsonNode m = show.json();
            assertThat(m.path("verdict").asText()).as(when + ": " + m).isEqualTo("valid");
            long keys = 0;
            for (JsonNode db : m.path("keys")) {
                for (JsonNode perType : db) {
                    keys += perType.asLong();
                }
            }
            assertThat(keys).as(when + ": keys of " + m).isGreaterThanOrEqualTo(BULK_KEYS);
            Path dir = tmp.resolve("restore-" + id);
            Run restore = redback("restore", "--snapshot", id, "--to-dir", dir.toString(), "--repo", repo,
                    "--force", "-q");
            assertThat(restore.exit()).as(when + ": restore " + id + ": " + restore.err()).isZero();
            assertThat(restore.out()).as(when).contains("verified");
            assertThat(dir.resolve("dump.rdb")).as(when).exists();
            assertThat(dir.resolve("dump.rdb.tmp")).as(when).doesNotExist();
            Run check = redback("check", "--json", dir.resolve("dump.rdb").toString());
            assertThat(check.exit()).as(when + ": check " + id + ": " + check.out() + check.err()).isZero();
            assertThat(check.json().path("verdict").asText()).as(when).isEqualTo("valid");
            try (LocalRedisServer restored = TestRedis.server().config("enable-debug-command", "yes")
                    .rdb(dir.resolve("dump.rdb")).start()) {
                assertThat(Datasets.digest(restored)).as(when + ": DEBUG DIGEST of " + id).isEqualTo(digest);
            }
        }
    }

    /** The source forgets the killed replica: connected_slaves back to 0 within a few seconds. */
    private static void awaitNoReplica(Jedis j, String when) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        String slaves = null;
        while (System.nanoTime() < deadline) {
            slaves = j.info("replication").lines().filter(l -> l.startsWith("connected_slaves:"))
                    .findFirst().orElse("connected_slaves:?").trim();
            if (slaves.equals("connected_slaves:0")) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError(when + ": the source still has a replica after 10 s: " + slaves);
    }

    /**
     * Runs {@code redback backup} in a child JVM; kills it with SIGKILL {@code killAtMs} after the
     * start (if not negative), or right after it prints its snapshot line when {@code killOnPrint}.
     */
    private String phase = "";

    /** A child backup killed {@code delayMs} after the source first lists it as a replica. */
    private Child backupKilledAfterReplica(String uri, String repo, long delayMs) throws Exception {
        replicaDelayMs = delayMs;
        try {
            return backup(uri, repo, 60_000, false);
        } finally {
            replicaDelayMs = -1;
        }
    }

    private long replicaDelayMs = -1;

    private Child backup(String uri, String repo, long killAtMs, boolean killOnPrint) throws Exception {
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xms16m", "-XX:+UseSerialGC", "-cp", classpath(), "io.redback.cli.Main",
                "backup", "--redis", uri, "--repo", repo, "--name", "crash", "-q");
        Path err = Files.createTempFile(tmp, "child", ".err");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(err.toFile());
        Path outFile = null;
        if (!killOnPrint) {
            outFile = Files.createTempFile(tmp, "child", ".out");
            pb.redirectOutput(outFile.toFile());
        }
        long start = System.nanoTime();
        Process p = pb.start();
        StringBuilder out = new StringBuilder();
        boolean killed = false;
        try {
            if (killOnPrint) {
                CountDownLatch seen = new CountDownLatch(1);
                Thread reader = new Thread(() -> {
                    try (BufferedReader r = new BufferedReader(
                            new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                        for (String line; (line = r.readLine()) != null; ) {
                            synchronized (out) {
                                out.append(line).append('\n');
                            }
                            if (line.startsWith("snapshot ")) {
                                p.destroyForcibly();
                                seen.countDown();
                            }
                        }
                    } catch (IOException ignored) {
                        // the pipe breaks when the child is killed
                    }
                    seen.countDown();
                }, "backup-child-stdout");
                reader.setDaemon(true);
                reader.start();
                assertThat(seen.await(60, TimeUnit.SECONDS)).as("the child printed its snapshot id").isTrue();
                p.waitFor(10, TimeUnit.SECONDS);
                reader.join(5_000);
                killed = true;
            } else if (killAtMs >= 0) {
                if (replicaDelayMs >= 0) {
                    while (p.isAlive() && replicaState(uri).equals("no replica")) {
                        Thread.sleep(5);
                    }
                    killAtMs = replicaDelayMs;
                }
                if (!p.waitFor(killAtMs, TimeUnit.MILLISECONDS)) {
                    phase = replicaState(uri);
                    p.destroyForcibly();
                    killed = true;
                }
            }
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("child JVM finished: " + cmd).isTrue();
        } finally {
            if (p.isAlive()) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
        long aliveMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        String stdout;
        synchronized (out) {
            stdout = outFile != null ? Files.readString(outFile, StandardCharsets.UTF_8) : out.toString();
        }
        return new Child(killed ? -1 : p.exitValue(), killed, aliveMs, stdout,
                Files.readString(err, StandardCharsets.UTF_8));
    }

    /** The source's view of its replicas at the moment of a kill (slave0's state, or none). */
    private static String replicaState(String uri) {
        int port = Integer.parseInt(uri.substring(uri.lastIndexOf(':') + 1));
        try (Jedis j = new Jedis(LocalRedisServer.HOST, port, 2_000)) {
            return j.info("replication").lines().filter(l -> l.startsWith("slave0:")).findFirst()
                    .map(l -> l.replaceAll(".*state=([^,]+).*", "$1")).orElse("no replica");
        }
    }

    /** Garbage a kill left: temporaries, tmp/ objects, and files of snapshot folders with no manifest. */
    private static long leftovers(Path repoDir) throws IOException {
        try (var files = Files.walk(repoDir)) {
            return files.filter(Files::isRegularFile).filter(f -> {
                String rel = repoDir.relativize(f).toString();
                if (rel.contains(".tmp-") || rel.startsWith("tmp" + File.separator)) {
                    return true;
                }
                return rel.contains(File.separator + "snapshots" + File.separator)
                        && !Files.exists(f.resolveSibling("manifest.json"));
            }).count();
        }
    }

    /** target/classes and the test JVM's classpath (test classes and every dependency). */
    private static String classpath() {
        return Path.of("target", "classes").toAbsolutePath() + File.pathSeparator + System.getProperty("java.class.path");
    }
}
