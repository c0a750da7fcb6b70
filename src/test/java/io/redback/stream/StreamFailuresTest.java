package io.redback.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.redback.redis.LocalRedisServer;
import io.redback.redis.RedisUri;
import io.redback.redis.ReplicaOptions;
import io.redback.repo.Compression;
import io.redback.repo.Repository;
import io.redback.repo.StreamStatus;
import io.redback.storage.file.FileStorage;
import io.redback.testsupport.FakeSource;
import io.redback.testsupport.TestRedis;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A stream never dies silently and never trusts a length it is told: a thread that dies stops
 * the stream with an event, "failed" in stream.json and an exception for a non-zero exit; an
 * argument above the source's proto-max-bulk-len is refused from its header.
 */
@io.redback.testsupport.Slow
class StreamFailuresTest {
    @TempDir
    Path temp;

    @Test
    void aSnapshotThreadThatDiesStopsTheStreamWithAnEventAndAFailedStatus() throws Exception {
        // The periodic snapshot's thread meets an Error its loop does not handle, as an OutOfMemoryError would be.
        dies("snapshots", StreamEvent.SnapshotTaken.class);
    }

    @Test
    void aLinkThreadThatDiesStopsTheStreamTooAfterSpoolingWhatItHas() throws Exception {
        dies("link", StreamEvent.TimelineStarted.class);
    }

    /** Runs a stream whose thread meets an OutOfMemoryError when it reports {@code trigger}; checks what is said. */
    private void dies(String thread, Class<? extends StreamEvent> trigger) throws Exception {
        try (LocalRedisServer source = TestRedis.server().start();
             FileStorage storage = new FileStorage(temp.resolve("repo"))) {
            Repository repo = Repository.init(storage, Clock.systemUTC());
            List<StreamEvent> events = new CopyOnWriteArrayList<>();
            Consumer<StreamEvent> printer = e -> {
                events.add(e);
                if (trigger.isInstance(e)) {
                    throw new OutOfMemoryError("Java heap space");
                }
            };
            Streamer streamer = new Streamer(RedisUri.parse("redis://" + source.host() + ":" + source.port()), repo,
                    options(Duration.ofSeconds(1)), printer, Clock.systemUTC());
            AtomicReference<Throwable> ended = new AtomicReference<>();
            Thread t = run(streamer, ended);
            try {
                t.join(60_000);
                assertThat(t.isAlive()).as("the stream stopped by itself").isFalse();
            } finally {
                streamer.stop();
                t.join(30_000);
            }
            assertThat(events).filteredOn(StreamEvent.ThreadDied.class::isInstance).singleElement()
                    .isInstanceOfSatisfying(StreamEvent.ThreadDied.class, d -> {
                        assertThat(d.thread()).isEqualTo(thread);
                        assertThat(d.reason()).contains("out of memory");
                    });
            assertThat(events.get(events.size() - 1)).isInstanceOf(StreamEvent.Stopped.class);
            assertThat(ended.get()).isInstanceOf(StreamFailedException.class)
                    .hasMessageContaining("the " + thread + " thread died");
            StreamStatus status = repo.timelines().status("src").orElseThrow();
            assertThat(status.state()).isEqualTo("failed");
            assertThat(status.message()).contains("the " + thread + " thread died", "out of memory");
        }
    }

    @Test
    void anArgumentAboveTheSourcesProtoMaxBulkLenIsAClearErrorNotACrash() throws Exception {
        byte[] rdb = FakeSource.emptyRdb("7.2.4");
        byte[] tebibyteArgument = ("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$" + (1L << 40) + "\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        try (FakeSource fake = FakeSource.start((cmd, c) -> {
            if (cmd.get(0).equals("CONFIG")) {
                c.send("*2\r\n$18\r\nproto-max-bulk-len\r\n$9\r\n536870912\r\n");
            } else if (!FakeSource.handshake(cmd, c, FakeSource.REDIS_INFO)) {
                c.send("+FULLRESYNC " + FakeSource.REPLID + " 0\r\n$" + rdb.length + "\r\n");
                c.send(rdb);
                c.send(tebibyteArgument);
                c.send(new byte[1 << 20]);
                c.stall();
            }
        });
             FileStorage storage = new FileStorage(temp.resolve("repo"))) {
            Repository repo = Repository.init(storage, Clock.systemUTC());
            List<StreamEvent> events = new CopyOnWriteArrayList<>();
            Streamer streamer = new Streamer(RedisUri.parse(fake.uri()), repo, options(null), events::add,
                    Clock.systemUTC());
            AtomicReference<Throwable> ended = new AtomicReference<>();
            Thread t = run(streamer, ended);
            try {
                long deadline = System.currentTimeMillis() + 30_000;
                while (events.stream().noneMatch(e -> e instanceof StreamEvent.Disconnected)
                        && System.currentTimeMillis() < deadline) {
                    Thread.sleep(50);
                }
            } finally {
                streamer.stop();
                t.join(30_000);
            }
            assertThat(fake.received("CONFIG", "GET", "proto-max-bulk-len")).isTrue();
            assertThat(events).filteredOn(StreamEvent.Disconnected.class::isInstance).first()
                    .isInstanceOfSatisfying(StreamEvent.Disconnected.class, d -> assertThat(d.reason())
                            .contains("an argument of " + (1L << 40) + " bytes", "proto-max-bulk-len", "536870912"));
            assertThat(events).noneMatch(StreamEvent.ThreadDied.class::isInstance);
            assertThat(ended.get()).isNull();
        }
    }

    @Test
    void withoutConfigGetTheLimitIsRedissDefault() throws IOException {
        CommandScanner scanner = new CommandScanner(0, -1);
        byte[] header = "*2\r\n$3\r\nSET\r\n$536870913\r\n".getBytes(StandardCharsets.US_ASCII);
        scanner.ensureWritable(header.length);
        System.arraycopy(header, 0, scanner.buffer(), scanner.writeIndex(), header.length);
        scanner.received(header.length);
        try {
            scanner.next();
            throw new AssertionError("an argument one byte above 512 MB was accepted");
        } catch (IOException e) {
            assertThat(e).hasMessageContaining("536870913 bytes", "536870912 bytes, Redis's default");
        }
    }

    private Streamer.Options options(Duration snapshotEvery) {
        return new Streamer.Options("src", temp.resolve("spool"), Duration.ofMillis(200), 64 * 1024, 64L << 20,
                snapshotEvery, Compression.DEFAULT, Duration.ofSeconds(10),
                ReplicaOptions.defaults().withRetryFor(Duration.ofSeconds(5)));
    }

    private static Thread run(Streamer streamer, AtomicReference<Throwable> ended) {
        Thread t = new Thread(() -> {
            try {
                streamer.run();
            } catch (Throwable e) {
                ended.set(e);
            }
        }, "test-stream");
        t.start();
        return t;
    }
}
