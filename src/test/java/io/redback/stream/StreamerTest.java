package io.redback.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.redback.redis.LocalRedisServer;
import io.redback.redis.RedisConnection;
import io.redback.repo.Repository;
import io.redback.repo.Timeline;
import io.redback.storage.file.FileStorage;
import io.redback.testsupport.Datasets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Transaction;

@io.redback.testsupport.Slow
class StreamerTest {
    @TempDir
    Path temp;

    @Test
    void shipsEveryWriteAndResumesAfterALostLink() throws Exception {
        try (LocalRedisServer source = Datasets.server().config("repl-diskless-sync-delay", "0").start();
             Jedis j = Datasets.jedis(source);
             FileStorage storage = new FileStorage(temp.resolve("repo"))) {
            j.set("before", "the base snapshot");
            Repository repo = Repository.init(storage, Clock.systemUTC());
            try (RunningStream s = new RunningStream(source, repo, temp.resolve("spool"), null)) {
                RunningStream.await("a timeline", () -> s.saw(StreamEvent.TimelineStarted.class));
                writeSome(j, 0);
                // WAIT counts redback: its acks say what it received.
                assertThat(j.waitReplicas(1, 5000)).isEqualTo(1);
                s.awaitShipped(source);

                try (RedisConnection c = source.connect()) {
                    c.call("CLIENT", "KILL", "TYPE", "replica");
                }
                writeSome(j, 1);
                RunningStream.await("a continuation", () -> s.saw(StreamEvent.Continued.class));
                s.awaitShipped(source);
                s.close();
                assertThat(s.all(StreamEvent.TimelineStarted.class)).hasSize(1);
                assertThat(s.all(StreamEvent.Continued.class)).allSatisfy(c -> assertThat(c.newReplicationId()).isFalse());
                assertThat(s.events.get(s.events.size() - 1)).isInstanceOfSatisfying(StreamEvent.Stopped.class,
                        stopped -> assertThat(stopped.spooledSegments()).isZero());
            }

            List<Timeline> timelines = repo.timelines().of("src");
            assertThat(timelines).hasSize(1);
            Timeline t = timelines.get(0);
            assertThat(t.gaps()).isEmpty();
            assertThat(t.restorableOffset()).isEqualTo(RunningStream.masterOffset(source));
            assertThat(repo.timelines().status("src")).get()
                    .satisfies(status -> assertThat(status.state()).isEqualTo("stopped"));
            // The base snapshot plus the segments, replayed into a fresh server, give the source's data.
            assertThat(Replay.digest(repo, t, temp)).isEqualTo(Datasets.digest(source));
        }
    }

    @Test
    void withoutItsSpoolAStreamContinuesTheRepositorysTimeline() throws Exception {
        try (LocalRedisServer source = Datasets.server().config("repl-diskless-sync-delay", "0").start();
             Jedis j = Datasets.jedis(source);
             FileStorage storage = new FileStorage(temp.resolve("repo"))) {
            Repository repo = Repository.init(storage, Clock.systemUTC());
            try (RunningStream s = new RunningStream(source, repo, temp.resolve("spool-1"), null)) {
                RunningStream.await("a timeline", () -> s.saw(StreamEvent.TimelineStarted.class));
                writeSome(j, 0);
                j.select(5); // the db in force at the end of the last segment must be found again
                j.set("in-db-5", "x");
                s.awaitShipped(source);
            }
            j.set("while-stopped", "y");
            try (RunningStream s = new RunningStream(source, repo, temp.resolve("spool-2"), null)) {
                RunningStream.await("a continuation", () -> s.saw(StreamEvent.Continued.class));
                j.set("after", "z");
                s.awaitShipped(source);
                assertThat(s.saw(StreamEvent.TimelineStarted.class)).isFalse();
            }
            List<Timeline> timelines = repo.timelines().of("src");
            assertThat(timelines).hasSize(1);
            assertThat(timelines.get(0).gaps()).isEmpty();
            assertThat(Replay.digest(repo, timelines.get(0), temp)).isEqualTo(Datasets.digest(source));
        }
    }

    @Test
    void aFailoverOfTheSourceContinuesTheTimelineUnderTheNewReplicationId() throws Exception {
        // redback streams from B, a replica of A; B is promoted (REPLICAOF NO ONE) as a failover would.
        try (LocalRedisServer a = Datasets.server().config("repl-diskless-sync-delay", "0").start();
             LocalRedisServer b = Datasets.server().config("replicaof", "127.0.0.1", Integer.toString(a.port()))
                     .config("repl-diskless-sync-delay", "0").start();
             Jedis ja = Datasets.jedis(a);
             Jedis jb = Datasets.jedis(b);
             FileStorage storage = new FileStorage(temp.resolve("repo"))) {
            Repository repo = Repository.init(storage, Clock.systemUTC());
            String oldId;
            try (RunningStream s = new RunningStream(b, repo, temp.resolve("spool"), null)) {
                RunningStream.await("a timeline", () -> s.saw(StreamEvent.TimelineStarted.class));
                writeSome(ja, 0);
                RunningStream.await("B in step with A", () -> offsetOrMinusOne(b) == offsetOrMinusOne(a));
                s.awaitShipped(b);
                oldId = RunningStream.replication(b, "master_replid");

                jb.replicaofNoOne();
                writeSome(jb, 1);
                RunningStream.await("a continuation under the new id",
                        () -> s.all(StreamEvent.Continued.class).stream().anyMatch(StreamEvent.Continued::newReplicationId));
                s.awaitShipped(b);
                assertThat(s.all(StreamEvent.TimelineStarted.class)).hasSize(1);
            }
            List<Timeline> timelines = repo.timelines().of("src");
            assertThat(timelines).as("a failover keeps the history: one timeline").hasSize(1);
            Timeline t = timelines.get(0);
            assertThat(t.gaps()).isEmpty();
            assertThat(t.segments()).extracting(seg -> seg.replicationId()).contains(oldId)
                    .anyMatch(id -> !id.equals(oldId));
            assertThat(t.restorableOffset()).isEqualTo(RunningStream.masterOffset(b));
            assertThat(Replay.digest(repo, t, temp)).isEqualTo(Datasets.digest(b));
        }
    }

    /** For a wait condition, which cannot throw: -1 when the server cannot be asked. */
    private static long offsetOrMinusOne(LocalRedisServer server) {
        try {
            return RunningStream.masterOffset(server);
        } catch (java.io.IOException e) {
            return -1;
        }
    }

    static void writeSome(Jedis j, int round) {
        for (int db : new int[] {0, 3}) {
            j.select(db);
            for (int i = 0; i < 300; i++) {
                j.set("k" + round + ":" + i, "v".repeat(i % 50));
                j.hset("h" + round, "f" + i, Integer.toString(i));
            }
            j.rpush("list" + round, "a", "b", "c");
            j.pexpireAt("k" + round + ":1", Datasets.FAR_FUTURE_MS);
        }
        j.select(0);
        Transaction tx = j.multi();
        tx.incr("counter");
        tx.sadd("set" + round, "x", "y");
        tx.exec();
        j.set("big" + round, "z".repeat(200_000));
    }
}
