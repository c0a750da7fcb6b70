package io.redback.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.redback.redis.LocalRedisServer;
import io.redback.redis.RedisConnection;
import io.redback.repo.Repository;
import io.redback.repo.SnapshotManifest;
import io.redback.storage.Storage;
import io.redback.repo.Timeline;
import io.redback.storage.file.FileStorage;
import io.redback.storage.s3.TestS3;
import io.redback.testsupport.Datasets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

/**
 * The stream under trouble: the object store goes away and comes back, the source restarts.
 * Every time, no write the link received is lost, and the repository's timelines replay to the
 * source's data.
 */
@io.redback.testsupport.Slow
class StreamResilienceTest {
    @TempDir
    Path temp;

    @Test
    void anObjectStoreOutageFillsTheSpoolAndLosesNothing() throws Exception {
        try (TestS3 s3 = TestS3.start();
             LocalRedisServer source = Datasets.server().config("repl-diskless-sync-delay", "0").start();
             Jedis j = Datasets.jedis(source)) {
            s3.createBucket("backups");
            try (Storage storage = s3.url("backups", "redis").open()) {
                Repository repo = Repository.init(storage, Clock.systemUTC());
                // A spool of 256 KiB fills during the outage: reading pauses, the source buffers, nothing is lost.
                try (RunningStream s = new RunningStream(source, repo, temp.resolve("spool"), Duration.ofSeconds(2),
                        256 * 1024)) {
                    RunningStream.await("a timeline", () -> s.saw(StreamEvent.TimelineStarted.class));
                    StreamerTest.writeSome(j, 0);
                    s.awaitShipped(source);

                    s3.pause();
                    StreamerTest.writeSome(j, 1);
                    RunningStream.await("the outage noticed", () -> s.saw(StreamEvent.RepositoryFailing.class));
                    assertThat(j.waitReplicas(1, 5000)).as("the link still receives and acks").isEqualTo(1);
                    RunningStream.await("segments spooled", () -> spooled(temp.resolve("spool")) > 0);
                    StreamerTest.writeSome(j, 2);
                    RunningStream.await("the spool full", () -> s.saw(StreamEvent.SpoolFull.class));
                    assertThat(s.saw(StreamEvent.SpoolFilling.class)).isTrue();

                    s3.resume();
                    RunningStream.await("the repository back", () -> s.saw(StreamEvent.RepositoryBack.class));
                    s.awaitShipped(source);
                    RunningStream.await("a periodic snapshot", () -> s.saw(StreamEvent.SnapshotTaken.class));
                }
                List<Timeline> timelines = repo.timelines().of("src");
                assertThat(timelines).hasSize(1);
                Timeline t = timelines.get(0);
                assertThat(t.gaps()).isEmpty();
                assertThat(t.restorableOffset()).isEqualTo(RunningStream.masterOffset(source));
                assertThat(Replay.digest(repo, t, temp)).isEqualTo(Datasets.digest(source));
                // Periodic snapshots lie inside the timeline, on the same replication history.
                List<SnapshotManifest> periodic = repo.catalog().snapshots("src").stream()
                        .filter(m -> !m.id().equals(t.id())).toList();
                assertThat(periodic).isNotEmpty().allSatisfy(m -> {
                    assertThat(m.replicationId()).isEqualTo(t.manifest().replicationId());
                    assertThat(m.replicationOffset()).isBetween(t.manifest().startOffset(), t.restorableOffset());
                });
            }
        }
    }

    @Test
    void aRestartedSourceContinuesOrStartsANewTimelineAndNothingIsLost() throws Exception {
        Path dir = Files.createDirectories(temp.resolve("source"));
        FileStorage storage = new FileStorage(temp.resolve("repo"));
        Repository repo = Repository.init(storage, Clock.systemUTC());
        LocalRedisServer first = Datasets.server().dir(dir).config("repl-diskless-sync-delay", "0").start();
        int port = first.port();
        String digest;
        try (RunningStream s = new RunningStream(first, repo, temp.resolve("spool"), null)) {
            try (Jedis j = Datasets.jedis(first)) {
                RunningStream.await("a timeline", () -> s.saw(StreamEvent.TimelineStarted.class));
                StreamerTest.writeSome(j, 0);
                s.awaitShipped(first);
                try (RedisConnection c = first.connect()) {
                    c.call("SAVE");
                }
            } finally {
                first.close();
            }
            try (LocalRedisServer second = Datasets.server().dir(dir).port(port)
                    .config("repl-diskless-sync-delay", "0").start();
                 Jedis j = Datasets.jedis(second)) {
                StreamerTest.writeSome(j, 1);
                RunningStream.await("the stream back on the restarted source",
                        () -> s.saw(StreamEvent.Continued.class) || s.all(StreamEvent.TimelineStarted.class).size() == 2);
                s.awaitShipped(second);
                digest = Datasets.digest(second);
            }
        }
        List<Timeline> timelines = repo.timelines().of("src");
        assertThat(timelines).hasSizeBetween(1, 2);
        Timeline last = timelines.get(timelines.size() - 1);
        assertThat(last.gaps()).isEmpty();
        assertThat(Replay.digest(repo, last, temp)).isEqualTo(digest);
        storage.close();
    }

    private static long spooled(Path spool) {
        try (var files = Files.list(spool)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".aof")).count();
        } catch (java.io.IOException e) {
            return 0;
        }
    }
}
