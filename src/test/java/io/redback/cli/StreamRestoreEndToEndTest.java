package io.redback.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.redback.cli.Cli.Run;
import io.redback.redis.LocalRedisServer;
import io.redback.redis.RedisConnection;
import io.redback.storage.s3.TestS3;
import io.redback.testsupport.Datasets;
import io.redback.testsupport.StreamProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The recovery runbook end to end, with nothing simulated: a real {@code redback stream} (its own
 * JVM, stopped with SIGTERM) ships a real redis-server while a workload runs in phases, each
 * ending in a wall-clock second of its own: several databases, MULTI/EXEC, a function library
 * loaded, replaced and called (FCALL writes), absolute expiries a day away, keys whose short
 * deadline has passed by the time of the restore, a 3 MiB string and a hash of 50,000 fields, and
 * in the last phase a FLUSHALL by accident with writes after it. Every write also goes to a
 * reference redis-server, whose DEBUG DIGEST, keys per database and functions are recorded at the
 * end of each phase and just before the FLUSHALL. {@code redback restore --at} the second each
 * phase ended in, and {@code --before FLUSHALL}, run through the command line; each result (the
 * multi-part appendonlydir, once a dump.rdb) started in a fresh redis-server must equal the
 * reference at that cut, and the short-lived keys must stay dead and be counted as expired. The
 * same from a file repository and from an S3 one.
 */
@io.redback.testsupport.Slow
class StreamRestoreEndToEndTest {
    private static final String SOURCE = "cache-1";
    private static final long DAY_MS = 86_400_000L;
    /** Long enough that these keys live past the end of their phase, short enough to be dead at restore time. */
    private static final long SHORT_LIFE_MS = 5_000;
    private static final int SHORT_DB = 2;
    private static final String[] SHORT_KEYS = {"short:1", "short:2", "short:3"};
    private static final long WAIT_TIMEOUT_MS = 30_000;
    private static final long REPOSITORY_WAIT_MS = 60_000;

    private static final String LIBRARY_V1 = """
            #!lua name=visits
            redis.register_function('visit', function(keys, args)
              redis.call('HINCRBY', keys[1], args[1], 1)
              return redis.call('INCR', keys[2])
            end)
            """;
    // Version 2 also remembers the last page: a restore before it must bring back version 1.
    private static final String LIBRARY_V2 = """
            #!lua name=visits
            redis.register_function('visit', function(keys, args)
              redis.call('HINCRBY', keys[1], args[1], 1)
              redis.call('HSET', keys[1], 'last', args[1])
              return redis.call('INCR', keys[2])
            end)
            """;

    @TempDir
    Path tmp;

    private LocalRedisServer source;
    private LocalRedisServer reference;
    private Twin twin;
    private String repo;
    private Map<String, String> env;
    private long shortDeadline;

    /** The reference's data at a cut: what a restore to that cut must reproduce. */
    private record Expected(String cut, String digest, Map<String, String> keyspace, List<String> functions) {
    }

    /** A phase of the workload: the wall-clock second its writes reached redback in, and the data after it. */
    private record Phase(long second, Expected expected) {
        String at() {
            return Instant.ofEpochSecond(second).toString();
        }
    }

    @Test
    void restoresEachSecondAndTheMomentBeforeAFlushallFromAFileRepository() throws Exception {
        streamTheWorkloadThenRestore(tmp.resolve("repo").toString(), Map.of());
    }

    @Test
    void restoresEachSecondAndTheMomentBeforeAFlushallFromAnS3Repository() throws Exception {
        try (TestS3 s3 = TestS3.start()) {
            s3.createBucket("backups");
            streamTheWorkloadThenRestore("s3://backups/redis?endpoint=" + s3.endpoint(), s3.env());
        }
    }

    @Test
    void restoresEachSecondFromAnEncryptedRepositoryThatStoresNoPlaintext() throws Exception {
        Path dir = tmp.resolve("encrypted");
        Map<String, String> withPassword = Map.of("REDBACK_REPO_PASSWORD", "stream secret");
        Run init = Cli.redback(withPassword, "init", "--encrypt", "--repo", dir.toString());
        assertThat(init.exit()).as(init.err()).isZero();
        streamTheWorkloadThenRestore(dir.toString(), withPassword);
        try (Stream<Path> files = java.nio.file.Files.walk(dir)) {
            for (Path f : files.filter(java.nio.file.Files::isRegularFile).toList()) {
                String text = new String(java.nio.file.Files.readAllBytes(f), java.nio.charset.StandardCharsets.ISO_8859_1);
                assertThat(text).as(f.toString()).doesNotContain("register_function").doesNotContain("HINCRBY");
            }
        }
    }

    private void streamTheWorkloadThenRestore(String repoUrl, Map<String, String> repoEnv) throws Exception {
        repo = repoUrl;
        env = repoEnv;
        try (LocalRedisServer src = Datasets.server().config("repl-diskless-sync-delay", "0").start();
             LocalRedisServer ref = Datasets.server().start();
             Twin t = new Twin(src, ref)) {
            source = src;
            reference = ref;
            twin = t;
            preload();
            assertThat(Datasets.digest(source)).as("the reference starts with the source's data")
                    .isEqualTo(Datasets.digest(reference));
            try (StreamProcess stream = StreamProcess.start(tmp.resolve("stream"), env, "--redis",
                    source.uri().toString(), "--name", SOURCE, "--repo", repo, "--spool",
                    tmp.resolve("spool").toString(), "--flush-interval", "200ms", "--segment-size", "1MiB")) {
                Phase first = firstPhase();
                Phase second = secondPhase();
                Phase third = thirdPhase();
                Expected beforeFlushall = lastPhaseWithAFlushall();
                // The short-lived keys, the only writes the reference did not get, went with the FLUSHALL.
                assertThat(Datasets.digest(source)).as("the reference got every write the source got")
                        .isEqualTo(Datasets.digest(reference));
                // Otherwise a restore to the wrong cut could pass unnoticed.
                assertThat(Stream.of(first.expected(), second.expected(), third.expected(), beforeFlushall)
                        .map(Expected::digest)).as("the reference's digests at the four cuts").doesNotHaveDuplicates();

                awaitShortDeadline();
                restoreTheFirstPhaseAndCountTheExpiredKeys(first);
                restoreAsAnRdb(second);
                restoreAsAnAof(third);
                restoreBeforeTheFlushall(beforeFlushall);

                assertThat(stream.stop()).as("exit code of redback stream on SIGTERM; stderr: " + stream.errors())
                        .isZero();
                JsonNode stopped = stream.events().get(stream.events().size() - 1);
                assertThat(stopped.path("event").asText()).as("the stream's last event").isEqualTo("stopped");
                assertThat(stopped.path("committedOffset").asLong()).as("offset the repository holds when stopped: "
                        + stopped).isEqualTo(stopped.path("receivedOffset").asLong());
            }
        }
    }

    // ------------------------------------------------------------------ the workload

    /** Data in the base snapshot the stream starts with: the restores replay the log on top of it. */
    private void preload() throws IOException {
        twin.write("SET", "greeting", "hello");
        twin.write("HSET", "user:1", "name", "ada", "lang", "en");
        twin.write("RPUSH", "queue", "a", "b", "c");
        twin.write("SET", "login:1", "l", "PXAT", Long.toString(System.currentTimeMillis() + DAY_MS));
        twin.write("SELECT", "3");
        twin.write("DEBUG", "POPULATE", "2000", "pre", "32");
        twin.write("SELECT", "0");
    }

    /** Several databases, a function loaded and called, a transaction, a 3 MiB string, far and short expiries. */
    private Phase firstPhase() throws IOException, InterruptedException {
        twin.write("INCRBY", "counter", "5");
        twin.write("FUNCTION", "LOAD", LIBRARY_V1);
        twin.write("FCALL", "visit", "2", "hits", "visits", "home");
        twin.write("SET", "big:blob", randomBytes(3 << 20, 1));
        twin.write("MULTI");
        twin.write("INCR", "counter");
        twin.write("LPUSH", "queue", "d");
        twin.write("HSET", "user:1", "visits", "1");
        twin.write("EXEC");
        twin.write("SELECT", "1");
        twin.write("SADD", "tags", "a", "b", "c");
        twin.write("ZADD", "board", "1", "alice", "2", "bob");
        twin.write("SET", "token:1", "t", "PXAT", Long.toString(System.currentTimeMillis() + DAY_MS));
        twin.write("SET", "cache:1", "v");
        twin.write("EXPIREAT", "cache:1", Long.toString(System.currentTimeMillis() / 1000 + DAY_MS / 1000));
        writeShortLivedKeys();
        return endPhase("the end of phase 1");
    }

    /**
     * Keys that live past their phase but are dead by restore time. Only the source gets them:
     * the reference holds what a restore must bring back, and a restore never revives a key
     * whose deadline has passed.
     */
    private void writeShortLivedKeys() throws IOException {
        shortDeadline = System.currentTimeMillis() + SHORT_LIFE_MS;
        twin.sourceOnly("SELECT", Integer.toString(SHORT_DB));
        for (String key : SHORT_KEYS) {
            twin.sourceOnly("SET", key, "soon gone", "PXAT", Long.toString(shortDeadline));
        }
        twin.sourceOnly("SELECT", "0");
    }

    /** A hash of 50,000 fields, a function called inside a transaction, a transaction in another database. */
    private Phase secondPhase() throws IOException, InterruptedException {
        twin.write("SELECT", "4");
        for (int batch = 0; batch < 5; batch++) {
            List<Object> hset = new ArrayList<>(List.of("HSET", "big:hash"));
            for (int i = batch * 10_000; i < (batch + 1) * 10_000; i++) {
                hset.add("field:" + i);
                hset.add("value-" + i);
            }
            twin.write(hset.toArray());
        }
        twin.write("SELECT", "0");
        twin.write("MULTI");
        twin.write("FCALL", "visit", "2", "hits", "visits", "about");
        twin.write("SET", "last-visit", "about");
        twin.write("EXEC");
        twin.write("APPEND", "big:blob", "tail");
        twin.write("SETRANGE", "big:blob", "1000000", "patched");
        twin.write("DEL", "queue");
        twin.write("SELECT", "1");
        twin.write("PEXPIREAT", "tags", Long.toString(System.currentTimeMillis() + DAY_MS));
        twin.write("ZINCRBY", "board", "5", "alice");
        twin.write("SELECT", "5");
        twin.write("MULTI");
        twin.write("SET", "a", "1");
        twin.write("RPUSH", "l", "x", "y");
        twin.write("EXEC");
        twin.write("SELECT", "0");
        return endPhase("the end of phase 2");
    }

    /** The function replaced and called, fields and keys deleted, a rename, snapshot keys changed. */
    private Phase thirdPhase() throws IOException, InterruptedException {
        twin.write("FUNCTION", "LOAD", "REPLACE", LIBRARY_V2);
        twin.write("FCALL", "visit", "2", "hits", "visits", "pricing");
        twin.write("RENAME", "greeting", "greeting:old");
        twin.write("DEL", "user:1");
        twin.write("SET", "counter", "100", "EXAT", Long.toString(System.currentTimeMillis() / 1000 + DAY_MS / 1000));
        twin.write("SELECT", "4");
        List<Object> hdel = new ArrayList<>(List.of("HDEL", "big:hash"));
        for (int i = 0; i < 100; i++) {
            hdel.add("field:" + i);
        }
        twin.write(hdel.toArray());
        twin.write("HSET", "big:hash", "extra", "1");
        twin.write("SELECT", "3");
        twin.write("DEL", "pre:0", "pre:1", "pre:2");
        twin.write("SET", "pre:10", "changed");
        twin.write("SELECT", "0");
        return endPhase("the end of phase 3");
    }

    /** Writes, a FLUSHALL by accident, and writes after it; returns the data just before the FLUSHALL. */
    private Expected lastPhaseWithAFlushall() throws IOException, InterruptedException {
        twin.write("SELECT", "6");
        twin.write("SET", "before-flush", "1");
        twin.write("FCALL", "visit", "2", "hits", "visits", "checkout");
        Expected beforeFlushall = expected("just before the FLUSHALL");
        twin.write("FLUSHALL");
        twin.write("SELECT", "0");
        twin.write("SET", "after-flush", "1");
        twin.write("FCALL", "visit", "2", "hits", "visits", "home");
        endPhase("the end of phase 4");
        return beforeFlushall;
    }

    /**
     * Ends a phase: redback acknowledged its writes (WAIT), so each of them arrived, and got its
     * #TS second, before the second read now; the repository then holds them; and the next phase
     * starts in a later second, so that {@code --at} this second cuts exactly here.
     */
    private Phase endPhase(String cut) throws IOException, InterruptedException {
        assertThat(twin.source.callLong("WAIT", "1", Long.toString(WAIT_TIMEOUT_MS)))
                .as("replicas that acknowledged %s (redback)", cut).isEqualTo(1);
        long second = System.currentTimeMillis() / 1000;
        Expected expected = expected(cut);
        awaitRepositoryHolds(masterOffset(), cut);
        long next = (second + 1) * 1000;
        while (System.currentTimeMillis() < next) {
            Thread.sleep(Math.max(1, next - System.currentTimeMillis()));
        }
        return new Phase(second, expected);
    }

    private Expected expected(String cut) throws IOException {
        return new Expected(cut, Datasets.digest(reference), Datasets.keyspace(reference),
                Datasets.functions(reference));
    }

    private long masterOffset() throws IOException {
        try (RedisConnection c = source.connect()) {
            return Long.parseLong(c.info("replication").get("master_repl_offset"));
        }
    }

    /** Polls {@code redback status --json} until the timeline's restorable window reaches offset. */
    private void awaitRepositoryHolds(long offset, String cut) throws IOException, InterruptedException {
        long deadline = System.currentTimeMillis() + REPOSITORY_WAIT_MS;
        String last = "";
        while (System.currentTimeMillis() < deadline) {
            Run status = Cli.redback(env, "status", "--repo", repo, "--name", SOURCE, "--json");
            last = status.out() + status.err();
            if (status.exit() == 0) {
                JsonNode timelines = status.json().path("sources").path(0).path("timelines");
                long held = timelines.path(timelines.size() - 1).path("window").path("toOffset").asLong(-1);
                if (held >= offset) {
                    return;
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the repository did not reach offset " + offset + " (" + cut + ") within "
                + REPOSITORY_WAIT_MS / 1000 + " s; last status: " + last);
    }

    /** The short-lived keys must be dead by the restores' "now" for the restores to drop them. */
    private void awaitShortDeadline() throws InterruptedException {
        while (System.currentTimeMillis() <= shortDeadline) {
            Thread.sleep(Math.max(1, shortDeadline + 1 - System.currentTimeMillis()));
        }
    }

    // ------------------------------------------------------------------ the restores

    private void restoreTheFirstPhaseAndCountTheExpiredKeys(Phase first) throws IOException {
        assertThat(shortDeadline).as("the short-lived keys outlive phase 1 (ended in second %s)", first.at())
                .isGreaterThanOrEqualTo((first.second() + 1) * 1000);
        Path dir = tmp.resolve("at-phase-1");
        Run r = restore(dir, "--at", first.at());
        assertThat(r.out()).as("restore --at %s", first.at()).contains(
                "cut        at offset ",
                SHORT_KEYS.length + " keys had expired by now and stay dead (0 in the snapshot, " + SHORT_KEYS.length
                        + " given a past deadline by the log)",
                "--appendonly yes --appenddirname appendonlydir");
        assertRestored(dir, first.expected());
    }

    private void restoreAsAnRdb(Phase second) throws IOException {
        Path dir = tmp.resolve("at-phase-2");
        JsonNode result = restore(dir, "--at", second.at(), "--format", "rdb", "--json").json().get("result");
        assertThat(result.get("format").asText()).isEqualTo("rdb");
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(f -> f.getFileName().toString())).as("files restored --at %s", second.at())
                    .containsExactly("dump.rdb");
        }
        assertRestored(dir, second.expected());
    }

    private void restoreAsAnAof(Phase third) throws IOException {
        Path dir = tmp.resolve("at-phase-3");
        JsonNode result = restore(dir, "--at", third.at(), "--json").json().get("result");
        assertThat(result.get("format").asText()).isEqualTo("aof");
        assertRestored(dir, third.expected());
    }

    private void restoreBeforeTheFlushall(Expected beforeFlushall) throws IOException {
        Path dir = tmp.resolve("before-flushall");
        JsonNode plan = restore(dir, "--before", "FLUSHALL", "--json").json().get("plan");
        JsonNode matched = plan.get("cut").get("matched");
        assertThat(matched.get("command").asText()).as("the command restore --before FLUSHALL matched")
                .isEqualToIgnoringCase("FLUSHALL");
        assertThat(matched.get("db").asInt()).as("the database the FLUSHALL ran in").isEqualTo(6);
        assertRestored(dir, beforeFlushall);
    }

    /** {@code redback restore --name SOURCE --to-dir DIR ARGS} against the repository; it must succeed. */
    private Run restore(Path dir, String... args) {
        List<String> all = new ArrayList<>(List.of("restore", "--repo", repo, "--name", SOURCE, "--to-dir",
                dir.toString(), "-q"));
        all.addAll(List.of(args));
        Run r = Cli.redback(env, all.toArray(String[]::new));
        assertThat(r.exit()).as("exit code of %s%nstdout: %s%nstderr: %s", all, r.out(), r.err()).isZero();
        return r;
    }

    /**
     * Starts a fresh redis-server on the restored DIR (its appendonlydir, else its dump.rdb) and
     * compares it with the reference at the cut. The short-lived keys are read first: a read
     * reaps a key past its deadline, as it would for any client, whereas DEBUG DIGEST still
     * counts one Redis has not reaped yet.
     */
    private static void assertRestored(Path dir, Expected expected) throws IOException {
        LocalRedisServer.Builder server = Datasets.server().dir(dir);
        if (Files.isDirectory(dir.resolve("appendonlydir"))) {
            server.config("appendonly", "yes").config("appenddirname", "appendonlydir");
        }
        try (LocalRedisServer restored = server.start(); RedisConnection c = restored.connect()) {
            c.call("SELECT", Integer.toString(SHORT_DB));
            Object[] exists = Stream.concat(Stream.of("EXISTS"), Stream.of(SHORT_KEYS)).toArray();
            assertThat(c.callLong(exists)).as("short-lived keys restored at %s", expected.cut()).isZero();
            assertThat(Datasets.digest(restored)).as("DEBUG DIGEST restored at %s vs the reference", expected.cut())
                    .isEqualTo(expected.digest());
            assertThat(Datasets.keyspace(restored)).as("keys per database restored at %s vs the reference",
                    expected.cut()).isEqualTo(expected.keyspace());
            assertThat(Datasets.functions(restored)).as("function libraries restored at %s vs the reference",
                    expected.cut()).isEqualTo(expected.functions());
        }
    }

    private static byte[] randomBytes(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    /** The source and the reference, given the same writes; replies that differ fail the test at once. */
    private static final class Twin implements AutoCloseable {
        final RedisConnection source;
        final RedisConnection reference;

        Twin(LocalRedisServer source, LocalRedisServer reference) throws IOException {
            this.source = source.connect();
            this.reference = reference.connect();
        }

        void write(Object... command) throws IOException {
            String fromSource = show(source.call(command));
            String fromReference = show(reference.call(command));
            assertThat(fromReference).as("reply of the reference to %s (the source said %s)", command[0], fromSource)
                    .isEqualTo(fromSource);
        }

        void sourceOnly(Object... command) throws IOException {
            source.call(command);
        }

        private static String show(Object reply) {
            if (reply instanceof byte[] bytes) {
                return new String(bytes, StandardCharsets.UTF_8);
            }
            if (reply instanceof List<?> list) {
                return list.stream().map(Twin::show).toList().toString();
            }
            return String.valueOf(reply);
        }

        @Override
        public void close() {
            source.close();
            reference.close();
        }
    }
}
