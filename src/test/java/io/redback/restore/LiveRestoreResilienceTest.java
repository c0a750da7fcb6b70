package io.redback.restore;

import static org.assertj.core.api.Assertions.assertThat;

import io.redback.redis.LocalRedisServer;
import io.redback.redis.RedisConnection;
import io.redback.redis.RedisConnector;
import io.redback.redis.RedisUri;
import io.redback.testsupport.Datasets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A live restore into a production-like target: one whose maxmemory is too small must stop
 * before the target evicts a single live key; one that is restarted in the middle of the restore
 * is reconnected to and the restore resumes (what was in flight sent again) to the source's
 * DEBUG DIGEST.
 */
@io.redback.testsupport.Slow
class LiveRestoreResilienceTest {
    @TempDir
    Path tmp;

    @Test
    void aTargetWithTooLittleMemoryStopsTheRestoreBeforeItEvicts() throws Exception {
        Path rdb = sourceRdb(3_000, 10_000); // ~30 MB of values
        try (LocalRedisServer target = Datasets.server().config("maxmemory", "8mb")
                .config("maxmemory-policy", "allkeys-lru").start();
             RedisConnection c = target.connect()) {
            for (int i = 0; i < 100; i++) {
                c.call("SET", "live:" + i, "x".repeat(100));
            }
            LiveRestore.Options options = LiveRestore.Options.defaults().withOnConflict(OnConflict.SKIP)
                    .withThrottle(new Throttle(0, 0, 90, Duration.ofSeconds(1), Duration.ofSeconds(5)));
            LiveReport report = new LiveRestore(connector(target), options, new AtomicLong())
                    .run(rdb, System.currentTimeMillis());
            assertThat(report.outcome()).as(report.message()).isEqualTo(LiveReport.Outcome.STOPPED);
            assertThat(report.message()).contains("maxmemory");
            assertThat(report.restored()).as("some went in before the limit").isPositive().isLessThan(3_000);
            assertThat(c.info("stats").get("evicted_keys")).as("no live key evicted: " + report.message()).isEqualTo("0");
            for (int i = 0; i < 100; i++) {
                assertThat(c.callLong("EXISTS", "live:" + i)).isEqualTo(1);
            }
        }
    }

    @Test
    void aTargetRestartedMidRestoreIsReconnectedAndTheRestoreResumes() throws Exception {
        Path rdb = sourceRdb(40_000, 1_000);
        String digest;
        try (LocalRedisServer source = Datasets.server().rdb(rdb).start()) {
            digest = Datasets.digest(source);
        }
        Path dir = Files.createDirectories(tmp.resolve("target"));
        LocalRedisServer.Builder builder = Datasets.server().dir(dir).config("appendonly", "yes")
                .config("appendfsync", "always");
        LocalRedisServer first = builder.start();
        int port = first.port();
        AtomicLong progress = new AtomicLong();
        AtomicReference<LiveReport> result = new AtomicReference<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        LiveRestore restore = new LiveRestore(connector(first), LiveRestore.Options.defaults()
                .withThrottle(new Throttle(0, 0, 90, Duration.ofSeconds(5), Duration.ofSeconds(60))), progress);
        Thread t = new Thread(() -> {
            try {
                result.set(restore.run(rdb, System.currentTimeMillis()));
            } catch (Throwable e) {
                failure.set(e);
            }
        });
        t.start();
        long size = Files.size(rdb);
        long deadline = System.currentTimeMillis() + 60_000;
        while (progress.get() < size + size / 4 && t.isAlive() && System.currentTimeMillis() < deadline) {
            Thread.sleep(5);
        }
        assertThat(t.isAlive()).as("still writing when the target goes down").isTrue();
        first.close();
        try (LocalRedisServer second = builder.port(port).start()) {
            t.join(120_000);
            assertThat(failure.get()).isNull();
            LiveReport report = result.get();
            assertThat(report.outcome()).as(report.message()).isEqualTo(LiveReport.Outcome.RESTORED);
            assertThat(report.reconnects()).isPositive();
            assertThat(report.failed()).isZero();
            assertThat(report.restored()).isEqualTo(40_000);
            assertThat(Datasets.digest(second)).as("the source's data, nothing lost or doubled").isEqualTo(digest);
        }
    }

    /** An RDB of {@code keys} string keys of {@code size} bytes (DEBUG POPULATE), copied out of a server. */
    private Path sourceRdb(int keys, int size) throws Exception {
        try (LocalRedisServer s = Datasets.server().start(); RedisConnection c = s.connect()) {
            c.call("DEBUG", "POPULATE", Integer.toString(keys), "src", Integer.toString(size));
            c.call("SAVE");
            Path copy = tmp.resolve("source-" + keys + ".rdb");
            Files.copy(s.rdbFile(), copy, StandardCopyOption.REPLACE_EXISTING);
            return copy;
        }
    }

    private static RedisConnector connector(LocalRedisServer server) {
        return RedisConnector.of(RedisUri.parse("redis://127.0.0.1:" + server.port()));
    }
}
