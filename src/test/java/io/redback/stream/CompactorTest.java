package io.redback.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.redback.repo.SegmentManifest;
import io.redback.repo.Timeline;
import io.redback.testsupport.TimelineBuilder;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Compaction merges only what one segment could have held (one replication id, no gap between),
 * and a stream resuming from the repository after it continues exactly where it would have.
 */
@io.redback.testsupport.Fast
class CompactorTest {
    private static final Instant T0 = Instant.parse("2026-11-20T10:00:00Z");

    @TempDir
    Path tmp;

    @Test
    void runsStopAtAFailoverAndAtAGapAndAResumingStreamStillFindsTheEnd() throws Exception {
        try (TimelineBuilder t = TimelineBuilder.start(tmp.resolve("repo"), "cache-1", T0)) {
            t.load("SET", "a", "1");
            t.baseSnapshot();
            for (int s = 1; s <= 3; s++) {
                t.at(T0.plusSeconds(s)).db(s).command("SET", "k" + s, "v");
                t.segment();
            }
            t.failover();
            for (int s = 4; s <= 6; s++) {
                t.at(T0.plusSeconds(s)).db(s).command("SET", "k" + s, "v");
                t.segment();
            }
            t.at(T0.plusSeconds(7)).command("SET", "lost", "v");
            t.loseSegment();
            for (int s = 8; s <= 9; s++) {
                t.at(T0.plusSeconds(s)).db(s).command("SET", "k" + s, "v");
                t.segment();
            }
            Optional<Spool.State> resumeBefore = RepositoryResume.find(t.repository(), "cache-1");
            Timeline before = t.repository().timelines().of("cache-1").get(0);

            Compactor.Report report = new Compactor(t.repository(), Clock.systemUTC())
                    .compact(new Compactor.Options(null, Duration.ofHours(1), Compactor.DEFAULT_TARGET_SIZE, false));

            assertThat(report.problems()).isEmpty();
            assertThat(report.merges()).hasSize(3);
            Timeline after = t.repository().timelines().of("cache-1").get(0);
            List<SegmentManifest> segments = after.segments();
            assertThat(segments).hasSize(3);
            assertThat(segments.get(0).replicationId()).isNotEqualTo(segments.get(1).replicationId());
            assertThat(segments.get(1).endOffset()).isLessThan(segments.get(2).startOffset());
            assertThat(after.gaps()).isEqualTo(before.gaps());
            assertThat(after.restorableOffset()).isEqualTo(before.restorableOffset());
            assertThat(segments.get(2).selectedDb()).isEqualTo(before.segments().get(6).selectedDb());
            assertThat(RepositoryResume.find(t.repository(), "cache-1")).isEqualTo(resumeBefore);
            assertThat(resumeBefore.orElseThrow().selectedDb()).isEqualTo(9);
        }
    }

    @Test
    void aTargetSizeSplitsALongRunAndOneSegmentAloneIsLeftAsItIs() throws Exception {
        try (TimelineBuilder t = TimelineBuilder.start(tmp.resolve("repo"), "cache-1", T0)) {
            t.load("SET", "a", "1");
            t.baseSnapshot();
            for (int s = 1; s <= 5; s++) {
                t.at(T0.plusSeconds(s)).command("SET", "k" + s, "v".repeat(100));
                t.segment();
            }
            long one = t.repository().timelines().of("cache-1").get(0).segments().get(0).rawSize();
            Compactor.Report report = new Compactor(t.repository(), Clock.systemUTC())
                    .compact(new Compactor.Options("cache-1", Duration.ZERO, 2 * one + 10, false));
            assertThat(report.merges()).extracting(Compactor.Merge::segments).containsExactly(2, 2);
            assertThat(report.segmentsBefore()).isEqualTo(5);
            assertThat(report.segmentsAfter()).isEqualTo(3);
            assertThat(t.repository().timelines().of("cache-1").get(0).segments()).hasSize(3);
        }
    }
}
