package io.redback.repo;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * While a compaction runs (or after one was interrupted) a timeline holds a merged segment and
 * the segments it replaces: readers take the merged one and ignore those within its offsets,
 * which are neither an overlap nor a gap. A segment that only partly overlaps another still is.
 */
@io.redback.testsupport.Fast
class SupersededSegmentsTest {
    private static final Instant T0 = Instant.parse("2026-11-22T03:15:00Z");
    private static final SnapshotId ID = SnapshotId.parse("20261122T031500.412Z-ab12cd");
    private static final String REPLID = "8371b4fb1155b71f4a04d3e1bc3e18c4a990aeeb";
    private static final TimelineManifest TIMELINE = new TimelineManifest(TimelineManifest.FORMAT_VERSION, ID,
            "cache-1", "10.0.0.5:6379", REPLID, 100, T0);

    private static SegmentManifest segment(long start, long end) {
        return new SegmentManifest(SegmentManifest.FORMAT_VERSION, "cache-1", ID, start, end, REPLID, 0,
                T0.plusMillis(start), T0.plusMillis(end), 1, end - start, end - start, Compression.NONE,
                "0".repeat(64), "0".repeat(64), List.of(new SegmentManifest.IndexEntry(end, T0.plusMillis(end)
                .toEpochMilli())), Layout.segmentDataKey("cache-1", ID, start, end, Compression.NONE));
    }

    @Test
    void aMergedSegmentSupersedesTheSegmentsItCovers() {
        SegmentManifest a = segment(100, 200);
        SegmentManifest b = segment(200, 300);
        SegmentManifest c = segment(300, 400);
        SegmentManifest d = segment(400, 500);
        SegmentManifest merged = segment(100, 400);
        Timeline t = Timeline.of(TIMELINE, null, List.of(a, merged, b, c, d));
        assertThat(t.segments()).containsExactly(merged, d);
        assertThat(t.superseded()).containsExactlyInAnyOrder(a, b, c);
        assertThat(t.gaps()).isEmpty();
        assertThat(t.contiguous()).containsExactly(merged, d);
        assertThat(t.restorableOffset()).isEqualTo(500);
    }

    @Test
    void aMergedSegmentStartingWhereItsFirstPartDoesWinsWhateverTheOrder() {
        SegmentManifest a = segment(100, 200);
        SegmentManifest merged = segment(100, 300);
        Timeline t = Timeline.of(TIMELINE, null, List.of(a, merged));
        assertThat(t.segments()).containsExactly(merged);
        assertThat(t.superseded()).containsExactly(a);
    }

    @Test
    void aPartialOverlapIsStillReported() {
        Timeline t = Timeline.of(TIMELINE, null, List.of(segment(100, 300), segment(200, 400)));
        assertThat(t.superseded()).isEmpty();
        assertThat(t.gaps()).containsExactly(new Timeline.Gap(200, 200));
    }

    @Test
    void segmentsBeforeAPrunedHeadAreNeitherKeptNorSuperseded() {
        PrunedHead head = PrunedHead.trimmed(TIMELINE, T0, new Timeline.Start(ID, 300, T0), 300);
        Timeline t = Timeline.of(TIMELINE, head, List.of(segment(100, 200), segment(200, 300), segment(300, 500),
                segment(300, 400)));
        assertThat(t.segments()).containsExactly(segment(300, 500));
        assertThat(t.superseded()).containsExactly(segment(300, 400));
        assertThat(t.gaps()).isEmpty();
    }
}
