package io.redback.pitr;

import io.redback.repo.SegmentManifest;
import io.redback.repo.SnapshotManifest;
import io.redback.repo.Timeline;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * An unbroken run of a timeline's segments (the first one starts where the timeline's log does,
 * even without segments; each later one after a gap), with the snapshots of the timeline whose
 * offsets lie in it. A run with a snapshot is restorable from its earliest snapshot to its
 * end: that span is its {@link Window}.
 */
final class Run {
    final Timeline timeline;
    final long start;
    final long end;
    final List<SegmentManifest> segments;
    /** Member snapshots by offset, then id. */
    final List<SnapshotManifest> snapshots;
    final Window window;
    /** Until when the source is known to have sent nothing after the run's end (empty: its last byte's arrival). */
    private final Optional<Instant> quietUntil;

    private Run(Timeline timeline, long start, long end, List<SegmentManifest> segments,
                List<SnapshotManifest> snapshots, Optional<Instant> quietUntil) {
        this.timeline = timeline;
        this.start = start;
        this.end = end;
        this.segments = List.copyOf(segments);
        this.snapshots = List.copyOf(snapshots);
        this.quietUntil = quietUntil;
        this.window = snapshots.isEmpty() ? null : windowFrom(snapshots.get(0));
    }

    /**
     * The runs of a timeline, oldest first; snapshots are the source's (non-members are ignored).
     * caughtUpUntil, from the stream's status, extends the last run's window up to that time
     * when nothing arrived after the timeline's last committed byte.
     */
    static List<Run> of(Timeline timeline, List<SnapshotManifest> snapshots, Optional<Instant> caughtUpUntil) {
        List<List<SegmentManifest>> groups = new ArrayList<>();
        List<Long> starts = new ArrayList<>();
        List<SegmentManifest> current = new ArrayList<>();
        long runStart = timeline.logStart();
        long at = runStart;
        for (SegmentManifest s : timeline.segments()) {
            if (s.startOffset() != at) {
                groups.add(current);
                starts.add(runStart);
                current = new ArrayList<>();
                runStart = s.startOffset();
            }
            current.add(s);
            at = s.endOffset();
        }
        groups.add(current);
        starts.add(runStart);
        List<Run> runs = new ArrayList<>();
        for (int i = 0; i < groups.size(); i++) {
            List<SegmentManifest> segs = groups.get(i);
            long start = starts.get(i);
            long end = segs.isEmpty() ? start : segs.get(segs.size() - 1).endOffset();
            List<SnapshotManifest> members = new ArrayList<>();
            for (SnapshotManifest m : snapshots) {
                if (belongs(timeline, m, start, end)) {
                    members.add(m);
                }
            }
            members.sort(Comparator.comparingLong((SnapshotManifest m) -> m.replicationOffset())
                    .thenComparing(SnapshotManifest::id));
            boolean last = i == groups.size() - 1;
            runs.add(new Run(timeline, start, end, segs, members, last ? caughtUpUntil : Optional.empty()));
        }
        return runs;
    }

    /** Whether snapshot m lies on the timeline within offsets start..end. */
    private static boolean belongs(Timeline t, SnapshotManifest m, long start, long end) {
        return m.replicationOffset() != null && m.replicationOffset() >= start && m.replicationOffset() <= end
                && t.holds(m);
    }

    /** The window from snapshot m to the run's end. */
    private Window windowFrom(SnapshotManifest m) {
        Instant from = timeOf(m);
        Instant to = segments.isEmpty() || segments.get(segments.size() - 1).endOffset() <= m.replicationOffset()
                ? from : segments.get(segments.size() - 1).lastArrival();
        if (quietUntil.isPresent() && quietUntil.get().isAfter(to)) {
            to = quietUntil.get();
        }
        if (to.isBefore(from)) {
            to = from;
        }
        return new Window(timeline.id(), m.id(), m.replicationOffset(), from, end, to);
    }

    /** When the state of a member snapshot was current (see {@link Timeline#timeOf}). */
    Instant timeOf(SnapshotManifest m) {
        return timeline.timeOf(m);
    }

    /** The segment of this run holding the byte at offset (start &lt; offset &lt;= end). */
    Optional<SegmentManifest> holding(long offset) {
        return segments.stream().filter(s -> s.startOffset() < offset && offset <= s.endOffset()).findFirst();
    }

    /** The newest member snapshot at or before offset (and not before the window's start), if any. */
    Optional<SnapshotManifest> newestAtOrBefore(long offset) {
        SnapshotManifest found = null;
        for (SnapshotManifest m : snapshots) {
            if (m.replicationOffset() <= offset) {
                found = m;
            }
        }
        return Optional.ofNullable(found);
    }

    /** The segments holding bytes after offset from up to offset to. */
    List<SegmentManifest> between(long from, long to) {
        if (to <= from) {
            return List.of();
        }
        return segments.stream().filter(s -> s.endOffset() > from && s.startOffset() < to).toList();
    }
}
