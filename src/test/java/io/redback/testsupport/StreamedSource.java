package io.redback.testsupport;

import io.redback.redis.LocalRedisServer;
import io.redback.redis.RedisConnection;
import io.redback.redis.RedisUri;
import io.redback.redis.ReplicaOptions;
import io.redback.repo.Compression;
import io.redback.repo.Repository;
import io.redback.storage.file.FileStorage;
import io.redback.stream.StreamEvent;
import io.redback.stream.Streamer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import redis.clients.jedis.Jedis;

/**
 * A real source being streamed into a file repository, for tests of what reads shipped logs:
 * a throwaway redis-server (debug commands on), a {@link Streamer} running on its own thread
 * with a short flush interval (so every {@link #awaitShipped()} closes segments), and the
 * repository folder. Start it in try-with-resources; {@link #close()} stops the stream (it
 * drains) and the server.
 *
 * <pre>{@code
 * try (StreamedSource s = StreamedSource.start(temp, "src")) {
 *     s.jedis().set("k", "v");
 *     s.awaitShipped();           // every write so far is in committed segments
 *     s.stopStreaming();          // optional: stream.json says stopped
 *     ... redback log --repo s.repoUrl() ...
 * }
 * }</pre>
 */
public final class StreamedSource implements AutoCloseable {
    private static final Duration WAIT = Duration.ofSeconds(30);

    private final LocalRedisServer redis;
    private final FileStorage storage;
    private final Repository repository;
    private final Path repoDir;
    private final Streamer streamer;
    private final Thread thread;
    private final List<StreamEvent> events = new CopyOnWriteArrayList<>();
    private final Jedis jedis;
    private volatile Throwable failure;
    private boolean stopped;

    private StreamedSource(LocalRedisServer redis, Path repoDir, Path spool, String source) throws IOException {
        this.redis = redis;
        this.repoDir = repoDir;
        this.storage = new FileStorage(repoDir);
        this.repository = Repository.init(storage, Clock.systemUTC());
        Streamer.Options options = new Streamer.Options(source, spool, Duration.ofMillis(200), 64 * 1024, 64L << 20,
                null, Compression.DEFAULT, Duration.ofSeconds(10), ReplicaOptions.defaults());
        this.streamer = new Streamer(RedisUri.parse("redis://" + redis.host() + ":" + redis.port()), repository,
                options, events::add, Clock.systemUTC());
        this.thread = new Thread(() -> {
            try {
                streamer.run();
            } catch (Throwable e) {
                failure = e;
            }
        }, "test-streamer-" + source);
        this.jedis = Datasets.jedis(redis);
    }

    /**
     * Starts a source server and a stream of it named {@code source} into a new repository at
     * {@code dir/repo}, and waits until its timeline has started (the base snapshot is stored).
     */
    public static StreamedSource start(Path dir, String source) throws IOException, InterruptedException {
        return start(dir, source, Datasets.server());
    }

    /** {@link #start(Path, String)} with a source server configured by the caller (e.g. a short ping period). */
    public static StreamedSource start(Path dir, String source, LocalRedisServer.Builder server)
            throws IOException, InterruptedException {
        LocalRedisServer redis = server.config("repl-diskless-sync-delay", "0").start();
        StreamedSource s;
        try {
            s = new StreamedSource(redis, dir.resolve("repo"), Files.createDirectories(dir.resolve("spool")), source);
        } catch (IOException | RuntimeException e) {
            redis.close();
            throw e;
        }
        s.thread.start();
        try {
            s.await("the timeline to start",
                    () -> s.events.stream().anyMatch(e -> e instanceof StreamEvent.TimelineStarted));
        } catch (IOException | InterruptedException | RuntimeException e) {
            s.close();
            throw e;
        }
        return s;
    }

    public LocalRedisServer redis() {
        return redis;
    }

    /** A connection to the source (closed by {@link #close()}). */
    public Jedis jedis() {
        return jedis;
    }

    public Repository repository() {
        return repository;
    }

    /** The repository folder, as {@code --repo} takes it. */
    public Path repoDir() {
        return repoDir;
    }

    public String repoUrl() {
        return repoDir.toString();
    }

    public List<StreamEvent> events() {
        return List.copyOf(events);
    }

    /** The source's replication offset now ({@code master_repl_offset}). */
    public long masterOffset() throws IOException {
        try (RedisConnection c = redis.connect()) {
            return Long.parseLong(c.info("replication").get("master_repl_offset"));
        }
    }

    /** Waits until every write made so far is in committed segments; returns that offset. */
    public long awaitShipped() throws IOException, InterruptedException {
        long target = masterOffset();
        await("offset " + target + " to be committed", () -> streamer.committedOffset() >= target);
        return target;
    }

    /** Stops the stream (it spools and ships what it holds); the server keeps running. */
    public void stopStreaming() throws InterruptedException, IOException {
        if (stopped) {
            return;
        }
        stopped = true;
        streamer.stop();
        if (!streamer.awaitStopped(WAIT)) {
            throw new IOException("the stream did not stop within " + WAIT);
        }
        thread.join(WAIT.toMillis());
        if (failure != null) {
            throw new IOException("the stream failed: " + failure, failure);
        }
    }

    private void await(String what, BooleanSupplier condition) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (failure != null) {
                throw new IOException("the stream failed while waiting for " + what + ": " + failure, failure);
            }
            if (System.nanoTime() > deadline) {
                throw new IOException("waited " + WAIT.toSeconds() + " s for " + what + "; stream events: " + events);
            }
            Thread.sleep(50);
        }
    }

    @Override
    public void close() throws IOException, InterruptedException {
        try {
            stopStreaming();
        } finally {
            jedis.close();
            storage.close();
            redis.close();
        }
    }
}
