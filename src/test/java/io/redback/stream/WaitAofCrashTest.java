package io.redback.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.redback.cli.Main;
import io.redback.redis.LocalRedisServer;
import io.redback.redis.RedisConnection;
import io.redback.repo.Repository;
import io.redback.repo.Timeline;
import io.redback.storage.file.FileStorage;
import io.redback.testsupport.ServerReleases;
import io.redback.testsupport.StreamProcess;
import io.redback.testsupport.TestRedis;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The rack loses power: {@code redback stream} (a JVM of its own) and its source are SIGKILLed at
 * the same moment while clients write batches of SETs, each followed by {@code WAITAOF 0 1}.
 * redback is started again on its spool (the source stays dead) and stopped with SIGTERM, which
 * ships what the spool holds; a restore to the end of the timeline must hold every write that a
 * WAITAOF confirmed. With {@code --durable-at repository} the spool is deleted before the
 * restart (the host is lost too), and still every confirmed write is there. With
 * {@code --ack-when spooled} the same holds for plain {@code WAIT 1}: an ACK covers only what the
 * spool holds fsync'd.
 */
@io.redback.testsupport.Slow
class WaitAofCrashTest {
    private static final int CLIENTS = 4;
    private static final int BATCH = 20;
    private static final long LOAD_MS = 2500;

    @TempDir
    Path temp;

    @ParameterizedTest(name = "{0}, --durable-at {1}")
    @CsvSource({"redis-7.2.6, spool", "redis-7.4.1, spool", "valkey-8.0.1, spool",
            "redis-7.2.6, repository", "redis-7.4.1, repository", "valkey-8.0.1, repository"})
    void everyConfirmedWriteSurvivesAKillOfRedbackAndTheSource(String release, String durableAt) throws Exception {
        crashAndRestore(() -> ServerReleases.server(release), durableAt, "received", "WAITAOF");
    }

    @Test
    void everyWaitThatReturnedSurvivesAKillWithAckWhenSpooled() throws Exception {
        crashAndRestore(TestRedis::server, "spool", "spooled", "WAIT");
    }

    private void crashAndRestore(Supplier<LocalRedisServer.Builder> server, String durableAt, String ackWhen, String waitCommand)
            throws Exception {
        Path repoDir = temp.resolve("repo");
        Path spool = temp.resolve("spool");
        Map<String, String> confirmed = new ConcurrentHashMap<>();
        try (LocalRedisServer source = server.get().config("repl-diskless-sync-delay", "0").start()) {
            String[] options = {"--redis", "redis://" + source.host() + ":" + source.port(), "--repo",
                    repoDir.toString(), "--name", "src", "--spool", spool.toString(), "--durable-at", durableAt,
                    "--ack-when", ackWhen};
            try (StreamProcess stream = StreamProcess.start(temp.resolve("run1"), Map.of(), options)) {
                AtomicBoolean writing = new AtomicBoolean(true);
                List<Thread> clients = new ArrayList<>();
                for (int i = 0; i < CLIENTS; i++) {
                    int client = i;
                    Thread t = new Thread(() -> write(source, client, writing, confirmed, waitCommand), "client-" + i);
                    t.start();
                    clients.add(t);
                }
                Thread.sleep(LOAD_MS); // the clients write for a while: the crash comes mid-flight
                // The same moment for both: nothing runs in either after this.
                ProcessHandle.of(source.pid()).ifPresent(ProcessHandle::destroyForcibly);
                stream.kill();
                writing.set(false);
                for (Thread t : clients) {
                    t.join();
                }
            }
        }
        assertThat(confirmed).as(waitCommand + "-confirmed writes before the kill").hasSizeGreaterThan(CLIENTS * BATCH);

        if (durableAt.equals("repository")) {
            deleteTree(spool); // the host is lost with its disk
        }
        try (StreamProcess again = StreamProcess.launch(temp.resolve("run2"), Map.of(), options(repoDir, spool, durableAt))) {
            // It loaded its spool and found the source gone; SIGTERM ships what the spool holds.
            again.awaitEvent("disconnected", Duration.ofSeconds(60));
            assertThat(again.stop()).as("exit code after SIGTERM").isZero();
        }

        Path restored = temp.resolve("restored");
        long end;
        try (FileStorage storage = new FileStorage(repoDir)) {
            List<Timeline> timelines = Repository.open(storage).timelines().of("src");
            assertThat(timelines).hasSize(1);
            assertThat(timelines.get(0).gaps()).isEmpty();
            end = timelines.get(0).restorableOffset();
        }
        restore(repoDir, end, restored);
        try (LocalRedisServer replay = server.get().dir(restored).config("appendonly", "yes")
                .config("appenddirname", "appendonlydir").start();
             RedisConnection c = replay.connect()) {
            List<String> missing = new ArrayList<>();
            for (Map.Entry<String, String> w : confirmed.entrySet()) {
                Object value = c.call("GET", w.getKey());
                if (!(value instanceof byte[] b) || !new String(b).equals(w.getValue())) {
                    missing.add(w.getKey());
                }
            }
            assertThat(missing).as(waitCommand + "-confirmed writes missing from the restore (of %d)", confirmed.size())
                    .isEmpty();
        }
    }

    private static String[] options(Path repoDir, Path spool, String durableAt) {
        // The source is gone: the address of a port nothing listens on.
        return new String[] {"--redis", "redis://127.0.0.1:1", "--repo", repoDir.toString(), "--name", "src",
                "--spool", spool.toString(), "--durable-at", durableAt};
    }

    /** Batches of SETs, each followed by WAITAOF 0 1 (or WAIT 1); a batch counts once it says 1. */
    private static void write(LocalRedisServer source, int client, AtomicBoolean writing, Map<String, String> confirmed,
                              String waitCommand) {
        try (RedisConnection c = source.connect()) {
            for (int n = 0; writing.get(); n++) {
                Map<String, String> batch = new java.util.HashMap<>();
                for (int i = 0; i < BATCH; i++) {
                    String key = "c" + client + ":" + n + ":" + i;
                    String value = "v" + n + "." + i;
                    c.call("SET", key, value);
                    batch.put(key, value);
                }
                long replicas = waitCommand.equals("WAIT") ? (Long) c.call("WAIT", "1", "1000")
                        : (Long) ((List<?>) c.call("WAITAOF", "0", "1", "1000")).get(1);
                if (replicas == 1) {
                    confirmed.putAll(batch);
                }
            }
        } catch (IOException | RuntimeException e) {
            // The source was killed.
        }
    }

    private static void restore(Path repoDir, long offset, Path dir) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        picocli.CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int exit = cl.execute("restore", "--repo", repoDir.toString(), "--name", "src", "--offset",
                Long.toString(offset), "--to-dir", dir.toString(), "--quiet");
        assertThat(exit).as("restore: %s %s", out, err).isZero();
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
