package io.redback.repo;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A timeline as the repository holds it: its start, its committed segments in offset order,
 * and the gaps between them (offsets no segment holds). Restores stay within the contiguous
 * run that starts at the timeline's start; a gap is reported, never papered over.
 */
public record Timeline(TimelineManifest manifest, List<SegmentManifest> segments, List<Gap> gaps) {

    /** Offsets after {@code afterOffset} up to and including {@code upToOffset} that no segment holds. */
    public record Gap(long afterOffset, long upToOffset) {
        public long bytes() {
            return upToOffset - afterOffset;
        }
    }

    public Timeline {
        segments = List.copyOf(segments);
        gaps = List.copyOf(gaps);
    }

    static Timeline of(TimelineManifest manifest, List<SegmentManifest> sorted) {
        List<Gap> gaps = new ArrayList<>();
        long at = manifest.startOffset();
        for (SegmentManifest s : sorted) {
            if (s.startOffset() > at) {
                gaps.add(new Gap(at, s.startOffset()));
            } else if (s.startOffset() < at) {
                gaps.add(new Gap(s.startOffset(), s.startOffset())); // overlap: marked as a zero-length gap at its start
            }
            at = Math.max(at, s.endOffset());
        }
        return new Timeline(manifest, sorted, gaps);
    }

    public SnapshotId id() {
        return manifest.id();
    }

    /** The segments that continue the timeline from its start without a gap. */
    public List<SegmentManifest> contiguous() {
        List<SegmentManifest> out = new ArrayList<>();
        long at = manifest.startOffset();
        for (SegmentManifest s : segments) {
            if (s.startOffset() != at) {
                break;
            }
            out.add(s);
            at = s.endOffset();
        }
        return out;
    }

    /** The last offset restorable without crossing a gap. */
    public long restorableOffset() {
        List<SegmentManifest> run = contiguous();
        return run.isEmpty() ? manifest.startOffset() : run.get(run.size() - 1).endOffset();
    }

    /** When the newest restorable byte arrived; the timeline's start when no segment follows it. */
    public Instant restorableUntil() {
        List<SegmentManifest> run = contiguous();
        return run.isEmpty() ? manifest.startedAt() : run.get(run.size() - 1).lastArrival();
    }

    /** The last committed offset, gaps or not. */
    public long endOffset() {
        return segments.isEmpty() ? manifest.startOffset() : segments.get(segments.size() - 1).endOffset();
    }
}
