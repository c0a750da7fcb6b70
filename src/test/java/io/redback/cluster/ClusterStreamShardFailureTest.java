package io.redback.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.redback.redis.RedisUri;
import io.redback.redis.ReplicaOptions;
import io.redback.repo.Compression;
import io.redback.repo.Repository;
import io.redback.storage.file.FileStorage;
import io.redback.stream.StreamEvent;
import io.redback.stream.Streamer;
import io.redback.testsupport.TestCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One shard that cannot stream (its spool cannot be created) is reported by index and source
 * while the other shards ship; it is started again on its own once the problem is gone, and the
 * stopped stream names it among the failures.
 */
@io.redback.testsupport.Slow
class ClusterStreamShardFailureTest {
    @TempDir
    Path tmp;

    @Test
    void aShardThatCannotStartIsReportedTheOthersShipAndItStartsAgainLater() throws Exception {
        Path spool = tmp.resolve("spool");
        Files.createDirectories(spool);
        Path blocked = spool.resolve("shop.shard-1");
        Files.writeString(blocked, "not a folder"); // shard 1's spool cannot be made
        Repository repository = Repository.init(new FileStorage(tmp.resolve("repo")), Clock.systemUTC());
        List<ClusterStream.Event> events = new CopyOnWriteArrayList<>();
        try (TestCluster cluster = TestCluster.start(3)) {
            Streamer.Options shard = new Streamer.Options("shop", spool, Duration.ofMillis(200), 64 * 1024, 64L << 20,
                    null, Compression.DEFAULT, Duration.ofSeconds(10), ReplicaOptions.defaults());
            ClusterStream stream = new ClusterStream(RedisUri.parse(cluster.uri()), repository,
                    new ClusterStream.Options("shop", shard, Duration.ofSeconds(1),
                            new ClusterBackup.Options(false, false, Compression.DEFAULT, ReplicaOptions.defaults())),
                    events::add, Clock.systemUTC());
            AtomicReference<List<String>> failed = new AtomicReference<>();
            Thread runner = new Thread(() -> {
                try {
                    failed.set(stream.run());
                } catch (Exception e) {
                    failed.set(List.of("run threw " + e));
                }
            }, "test-cluster-stream");
            runner.start();
            try {
                await(events, e -> e instanceof ClusterStream.ShardFailed f && f.index() == 1
                        && f.source().equals("shop.shard-1") && f.reason().contains("could not start"));
                await(events, e -> started(e, 0));
                await(events, e -> started(e, 2));
                assertThat(events).noneMatch(e -> started(e, 1));

                Files.delete(blocked); // the operator fixed it: the shard starts again by itself
                await(events, e -> started(e, 1));
            } finally {
                stream.stop();
                assertThat(stream.awaitStopped(Duration.ofSeconds(60))).isTrue();
                runner.join();
            }
            assertThat(failed.get()).singleElement().asString().startsWith("shard 1 (shop.shard-1): it could not start");
            assertThat(events).last().isInstanceOf(ClusterStream.Stopped.class);
        }
    }

    private static boolean started(ClusterStream.Event e, int shard) {
        return e instanceof ClusterStream.ShardEvent s && s.index() == shard
                && s.event() instanceof StreamEvent.TimelineStarted;
    }

    private static void await(List<ClusterStream.Event> events, Predicate<ClusterStream.Event> which)
            throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (events.stream().noneMatch(which)) {
            assertThat(System.nanoTime()).as("waited for an event; so far: " + events).isLessThan(deadline);
            Thread.sleep(50);
        }
    }
}
