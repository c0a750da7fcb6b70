package io.redback.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.redback.redis.LocalRedisServer;
import io.redback.redis.RedisConnection;
import io.redback.redis.ReplicaOptions;
import io.redback.repo.Compression;
import io.redback.repo.Repository;
import io.redback.repo.Timeline;
import io.redback.storage.Storage;
import io.redback.storage.file.FileStorage;
import io.redback.storage.s3.TestS3;
import io.redback.testsupport.Datasets;
import io.redback.testsupport.ServerReleases;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code WAITAOF} with redback as the replica: every ACK carries {@code FACK}, the end of what
 * the spool has fsync'd, and a GETACK (a client waiting) makes the group commit fsync at once.
 * The flush interval is an hour here, so only the group commit can make a write durable within
 * WAITAOF's timeout. Redis 7.0, which has no WAITAOF, takes the FACK pair and streams as before.
 */
@io.redback.testsupport.Slow
class WaitAofTest {
    private static final Duration NEVER = Duration.ofHours(1);

    @TempDir
    Path temp;

    @ParameterizedTest
    @ValueSource(strings = {"redis-7.2.6", "redis-7.4.1", "valkey-8.0.1"})
    void waitaofReturnsOnceTheSpoolHasFsyncedTheWrites(String release) throws Exception {
        try (LocalRedisServer source = ServerReleases.server(release).config("repl-diskless-sync-delay", "0").start();
             RedisConnection c = source.connect();
             FileStorage storage = new FileStorage(temp.resolve("repo"))) {
            Repository repo = Repository.init(storage, Clock.systemUTC());
            try (RunningStream s = new RunningStream(source, repo, options(Streamer.DurableAt.SPOOL), () -> { })) {
                awaitOnline(s, c);
                for (int i = 0; i < 50; i++) {
                    c.call("SET", "k" + (i % 7), "v" + i);
                    long written = RunningStream.masterOffset(source);
                    assertThat(waitaof(c, 1000)).as("WAITAOF 0 1 after write %d", i).isEqualTo(1);
                    // What FACK vouched for is fsync'd in the spool (the journal, with an hour to the next flush).
                    assertThat(s.streamer.durableOffset()).isGreaterThanOrEqualTo(written);
                }
            }
            // A clean stop spools and ships everything, journal included.
            Timeline t = repo.timelines().of("src").get(0);
            assertThat(t.gaps()).isEmpty();
            assertThat(t.restorableOffset()).isEqualTo(RunningStream.masterOffset(source));
        }
    }

    @Test
    void withDurableAtRepositoryWaitaofReturnsOnceTheRepositoryHasTheWrites() throws Exception {
        try (FileStorage storage = new FileStorage(temp.resolve("repo"))) {
            waitaofMeansCommitted(storage);
        }
    }

    @Test
    void withDurableAtRepositoryOnS3WaitaofReturnsOnceTheBucketHasTheWrites() throws Exception {
        try (TestS3 s3 = TestS3.start()) {
            s3.createBucket("backups");
            try (Storage storage = s3.url("backups", "redis").open()) {
                waitaofMeansCommitted(storage);
            }
        }
    }

    /** WAITAOF 0 1 returns 1 only once the segments in storage reach the write. */
    private void waitaofMeansCommitted(Storage storage) throws Exception {
        try (LocalRedisServer source = ServerReleases.server("redis-7.4.1").config("repl-diskless-sync-delay", "0")
                .start();
             RedisConnection c = source.connect()) {
            Repository repo = Repository.init(storage, Clock.systemUTC());
            try (RunningStream s = new RunningStream(source, repo, options(Streamer.DurableAt.REPOSITORY), () -> { })) {
                awaitOnline(s, c);
                for (int i = 0; i < 20; i++) {
                    c.call("SET", "k" + i, "v" + i);
                    long written = RunningStream.masterOffset(source);
                    assertThat(waitaof(c, 2000)).as("WAITAOF 0 1 after write %d", i).isEqualTo(1);
                    // FACK vouched for the repository: its segments reach the write.
                    assertThat(repo.timelines().of("src").get(0).restorableOffset()).isGreaterThanOrEqualTo(written);
                }
                RunningStream.await("a stream.json with the durable offset", () -> {
                    try {
                        return repo.timelines().status("src").map(st -> st.durableOffset() != null
                                && "repository".equals(st.durableAt())).orElse(false);
                    } catch (IOException e) {
                        return false;
                    }
                });
            }
        }
    }

    @Test
    void aGetackWhileTheDiskStallsReportsOnlyWhatIsFsynced() throws Exception {
        try (LocalRedisServer source = ServerReleases.server("redis-7.4.1").config("repl-diskless-sync-delay", "0")
                .start();
             RedisConnection c = source.connect();
             FileStorage storage = new FileStorage(temp.resolve("repo"))) {
            Repository repo = Repository.init(storage, Clock.systemUTC());
            DiskGate disk = new DiskGate();
            try (RunningStream s = new RunningStream(source, repo, options(Streamer.DurableAt.SPOOL), disk::pass)) {
                awaitOnline(s, c);
                c.call("SET", "a", "1");
                assertThat(waitaof(c, 1000)).isEqualTo(1);

                disk.stall();
                c.call("SET", "b", "2");
                long written = RunningStream.masterOffset(source);
                // Received: WAIT counts it at once. Not fsync'd: WAITAOF must not.
                assertThat(c.callLong("WAIT", "1", "1000")).isEqualTo(1);
                assertThat(waitaof(c, 500)).as("WAITAOF while the fsync hangs").isZero();
                assertThat(s.streamer.durableOffset()).isLessThan(written);
                assertThat(s.streamer.receivedOffset()).isGreaterThanOrEqualTo(written);

                disk.release();
                assertThat(waitaof(c, 2000)).as("WAITAOF once the fsync returned").isEqualTo(1);
                assertThat(s.streamer.durableOffset()).isGreaterThanOrEqualTo(written);
            } finally {
                disk.release();
            }
        }
    }

    @Test
    void redis70TakesTheFackPairAndStreamsAsBefore() throws Exception {
        try (LocalRedisServer source = Datasets.server().config("repl-diskless-sync-delay", "0").start();
             RedisConnection c = source.connect();
             FileStorage storage = new FileStorage(temp.resolve("repo"))) {
            Repository repo = Repository.init(storage, Clock.systemUTC());
            try (RunningStream s = new RunningStream(source, repo, temp.resolve("spool"), null)) {
                awaitOnline(s, c);
                for (int i = 0; i < 20; i++) {
                    c.call("SET", "k" + i, "v" + i);
                    // WAIT counts only acknowledged bytes: the ACK's offset is read with FACK after it.
                    assertThat(c.callLong("WAIT", "1", "2000")).isEqualTo(1);
                }
                s.awaitShipped(source);
            }
            Timeline t = repo.timelines().of("src").get(0);
            assertThat(t.gaps()).isEmpty();
            assertThat(Replay.digest(repo, t, temp)).isEqualTo(Datasets.digest(source));
        }
    }

    private Streamer.Options options(Streamer.DurableAt durableAt) {
        return new Streamer.Options("src", temp.resolve("spool"), NEVER, 1 << 20, 64L << 20, null,
                Compression.DEFAULT, Duration.ofSeconds(20), ReplicaOptions.defaults().withRetryFor(Duration.ofSeconds(5)),
                durableAt);
    }

    static void awaitOnline(RunningStream s, RedisConnection c) throws Exception {
        RunningStream.await("a timeline", () -> s.saw(StreamEvent.TimelineStarted.class));
        c.call("SET", "online", "1");
        assertThat(c.callLong("WAIT", "1", "10000")).as("redback acks").isEqualTo(1);
    }

    /** WAITAOF 0 1 timeoutMs: how many replicas fsync'd this connection's writes. */
    static long waitaof(RedisConnection c, long timeoutMs) throws IOException {
        List<?> reply = (List<?>) c.call("WAITAOF", "0", "1", Long.toString(timeoutMs));
        return (Long) reply.get(1);
    }

    /** A disk whose fsyncs hang while stalled. */
    static final class DiskGate {
        private boolean stalled;

        synchronized void stall() {
            stalled = true;
        }

        synchronized void release() {
            stalled = false;
            notifyAll();
        }

        /** Hangs while stalled (at most 20 s, so that a failed test still stops its stream). */
        synchronized void pass() {
            long deadline = System.currentTimeMillis() + 20_000;
            while (stalled && System.currentTimeMillis() < deadline) {
                try {
                    wait(1000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }
}
