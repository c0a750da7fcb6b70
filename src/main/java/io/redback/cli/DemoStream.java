package io.redback.cli;

import io.redback.redis.RedisUri;
import io.redback.redis.ReplicaOptions;
import io.redback.repo.Compression;
import io.redback.repo.Repository;
import io.redback.storage.file.FileUrl;
import io.redback.storage.Storage;
import io.redback.stream.StreamEvent;
import io.redback.stream.Streamer;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The demo's {@code redback stream}: the same Streamer on a thread of its own, printing what the
 * command prints, so the demo can write to the source meanwhile. {@link #stop()} ends it the way
 * Ctrl-C ends the command (open segment spooled, spool drained); close() does the same when a
 * step failed, so the source server never outlives a stream still reading from it.
 */
final class DemoStream implements AutoCloseable {
    /** Long enough for a busy machine; the demo needs well under a second. */
    private static final Duration PATIENCE = Duration.ofSeconds(30);
    private static final Duration DRAIN_FOR = Duration.ofSeconds(30);

    private final Storage storage;
    private final Streamer streamer;
    private final Thread thread;
    private final CountDownLatch timelineStarted = new CountDownLatch(1);
    private volatile Throwable failure;
    private boolean stopped;

    /** Starts streaming source into the repository at repo; the first lines are printed to out. */
    DemoStream(RedisUri source, String name, Path repo, Path spool, Duration flushInterval, PrintWriter out)
            throws IOException {
        storage = new FileUrl(repo).open();
        try {
            Repository repository = Repository.openOrInit(storage, Clock.systemUTC(), notice -> {
                out.println("redback stream: " + notice);
                out.flush();
            });
            // The command's defaults, but for the flush interval, which the demo keeps short to stay quick.
            Streamer.Options options = new Streamer.Options(name, spool, flushInterval, 16L << 20, 1L << 30, null,
                    Compression.DEFAULT, DRAIN_FOR, ReplicaOptions.defaults());
            streamer = new Streamer(source, repository, options, event -> {
                StreamCommand.print(out, event, false);
                if (event instanceof StreamEvent.TimelineStarted) {
                    timelineStarted.countDown();
                }
            }, Clock.systemUTC());
            StreamCommand.printStarted(out, source, options, repository, false);
            thread = new Thread(this::run, "redback-demo-stream");
            thread.start();
        } catch (IOException | RuntimeException e) {
            storage.close();
            throw e;
        }
    }

    /** Waits for the full sync that starts the timeline: writes after it reach the repository as log. */
    void awaitTimeline() throws InterruptedException {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (!timelineStarted.await(50, TimeUnit.MILLISECONDS)) {
            checkRunning();
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("redback stream started no timeline within " + PATIENCE.toSeconds()
                        + " s");
            }
        }
    }

    /** Waits until the repository holds the stream up to offset; returns how long that took, in ms. */
    long awaitCommitted(long offset) throws InterruptedException {
        long started = System.nanoTime();
        long deadline = started + PATIENCE.toNanos();
        while (streamer.committedOffset() < offset) {
            checkRunning();
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("waited " + PATIENCE.toSeconds() + " s for the repository to hold "
                        + "offset " + offset + " (it holds " + streamer.committedOffset() + ")");
            }
            Thread.sleep(10);
        }
        return (System.nanoTime() - started) / 1_000_000;
    }

    /** Stops the stream as Ctrl-C does, waiting for its last line (what it received and committed). */
    void stop() throws IOException, InterruptedException {
        if (stopped) {
            return;
        }
        stopped = true;
        try {
            streamer.stop();
            if (!streamer.awaitStopped(DRAIN_FOR.plus(PATIENCE))) {
                throw new IllegalStateException("redback stream did not stop within "
                        + DRAIN_FOR.plus(PATIENCE).toSeconds() + " s");
            }
            thread.join(PATIENCE.toMillis());
        } finally {
            storage.close();
        }
        if (failure != null) {
            throw new IllegalStateException("redback stream failed: " + Text.message(failure), failure);
        }
    }

    @Override
    public void close() throws IOException, InterruptedException {
        stop();
    }

    private void run() {
        try {
            streamer.run();
        } catch (Throwable t) {
            failure = t;
        }
    }

    private void checkRunning() {
        if (!thread.isAlive()) {
            throw new IllegalStateException("redback stream ended: "
                    + (failure == null ? "no reason given" : Text.message(failure)));
        }
    }
}
