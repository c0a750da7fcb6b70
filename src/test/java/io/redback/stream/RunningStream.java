package io.redback.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.redback.redis.LocalRedisServer;
import io.redback.redis.RedisConnection;
import io.redback.redis.RedisUri;
import io.redback.redis.ReplicaOptions;
import io.redback.repo.Compression;
import io.redback.repo.Repository;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;

/** A Streamer running on its own thread for a test, with the events it reported; close() stops it. */
final class RunningStream implements AutoCloseable {
    final Streamer streamer;
    final List<StreamEvent> events = new CopyOnWriteArrayList<>();
    private final Thread thread;
    private volatile Throwable failure;

    RunningStream(LocalRedisServer source, Repository repo, Path spool, Duration snapshotEvery) {
        this(source, repo, spool, snapshotEvery, 64L << 20);
    }

    RunningStream(LocalRedisServer source, Repository repo, Path spool, Duration snapshotEvery, long maxSpool) {
        this(source, repo, new Streamer.Options("src", spool, Duration.ofMillis(200), 64 * 1024, maxSpool,
                snapshotEvery, Compression.DEFAULT, Duration.ofSeconds(20),
                ReplicaOptions.defaults().withRetryFor(Duration.ofSeconds(5))), () -> { });
    }

    /** With these options, and beforeFsync run before every fsync of the spool (a slow disk). */
    RunningStream(LocalRedisServer source, Repository repo, Streamer.Options options, Runnable beforeFsync) {
        streamer = new Streamer(RedisUri.parse("redis://" + source.host() + ":" + source.port()), repo, options,
                events::add, Clock.systemUTC());
        streamer.beforeSpoolFsync(beforeFsync);
        thread = new Thread(() -> {
            try {
                streamer.run();
            } catch (Throwable t) {
                failure = t;
            }
        }, "test-stream");
        thread.start();
    }

    boolean saw(Class<? extends StreamEvent> type) {
        return events.stream().anyMatch(type::isInstance);
    }

    <T extends StreamEvent> List<T> all(Class<T> type) {
        return events.stream().filter(type::isInstance).map(type::cast).toList();
    }

    /** Waits until the repository holds everything the source has written so far. */
    void awaitShipped(LocalRedisServer source) throws Exception {
        long target = masterOffset(source);
        await("the repository reaches offset " + target, () -> streamer.committedOffset() >= target);
    }

    @Override
    public void close() throws Exception {
        streamer.stop();
        assertThat(streamer.awaitStopped(Duration.ofSeconds(40))).as("stopped within 40 s").isTrue();
        thread.join();
        if (failure != null) {
            throw new AssertionError("the stream failed", failure);
        }
    }

    static long masterOffset(LocalRedisServer source) throws IOException {
        return Long.parseLong(replication(source, "master_repl_offset"));
    }

    /** A field of the server's INFO replication. */
    static String replication(LocalRedisServer server, String field) throws IOException {
        try (RedisConnection c = server.connect()) {
            return c.info("replication").get(field);
        }
    }

    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 30_000;
        while (!condition.getAsBoolean()) {
            assertThat(System.currentTimeMillis()).as("waited 30 s for " + what).isLessThan(deadline);
            Thread.sleep(50);
        }
    }
}
