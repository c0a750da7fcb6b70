package io.redback.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.redback.redis.LocalRedisServer;
import io.redback.redis.RedisUri;
import io.redback.testsupport.Datasets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The backlog warning against a real source's repl-backlog-size, with the rate driven by a test clock. */
@io.redback.testsupport.Slow
class BacklogWatchTest {
    private final AtomicLong millis = new AtomicLong(1_000_000);

    private BacklogWatch watch(LocalRedisServer source) {
        return new BacklogWatch(RedisUri.parse("redis://" + source.host() + ":" + source.port()), millis::get);
    }

    @Test
    void warnsWhenTheBacklogHoldsLessThanAMinuteOfWritesAndRepeatsOnlyHourly() throws Exception {
        try (LocalRedisServer source = Datasets.server().config("repl-backlog-size", "1mb").start()) {
            BacklogWatch w = watch(source);
            assertThat(w.sample(0)).as("no rate from one sample").isEmpty();
            millis.addAndGet(5000);
            StreamEvent.BacklogShort warning = w.sample(500_000).orElseThrow(); // 100 KB/s: 1 MB holds ~10 s
            assertThat(warning.backlogBytes()).isEqualTo(1L << 20);
            assertThat(warning.bytesPerSecond()).isEqualTo(100_000.0);
            assertThat(warning.covers()).isEqualTo(Duration.ofMillis(10_485));

            millis.addAndGet(5000);
            assertThat(w.sample(1_000_000)).as("said once, not every five seconds").isEmpty();
            millis.addAndGet(BacklogWatch.REPEAT_AFTER.toMillis());
            assertThat(w.sample(1_000_001)).as("an idle source fills no backlog").isEmpty();
            millis.addAndGet(5000);
            assertThat(w.sample(1_500_001)).as("again an hour later").isPresent();
        }
    }

    @Test
    void aBacklogThatBridgesAMinuteOrAnUnreachableSourceIsQuiet() throws Exception {
        try (LocalRedisServer source = Datasets.server().config("repl-backlog-size", "64mb").start()) {
            BacklogWatch w = watch(source);
            w.sample(0);
            millis.addAndGet(5000);
            assertThat(w.sample(5_000_000)).as("1 MB/s: 64 MB hold 64 s").isEmpty();
        }
        BacklogWatch gone = new BacklogWatch(RedisUri.parse("redis://127.0.0.1:1"), millis::get);
        gone.sample(0);
        millis.addAndGet(5000);
        assertThat(gone.sample(500_000_000)).isEmpty();
    }
}
