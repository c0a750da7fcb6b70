package io.redback.pitr;

import io.redback.repo.SegmentManifest;
import io.redback.repo.SnapshotManifest;
import io.redback.repo.Timeline;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * An unbroken run of a timeline's segments (the first one starts at the timeline's start, even
 * without segments; each later one after a gap), with the snapshots of the timeline whose
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
        long runStart = timeline.manifest().startOffset();
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

    /**
     * Whether snapshot m belongs to the timeline within offsets start..end: the base snapshot
     * (the timeline's id) at the timeline's start; any other when its offset lies there and its
     * replication id is the timeline's at that offset.
     */
    private static boolean belongs(Timeline t, SnapshotManifest m, long start, long end) {
        if (m.replicationOffset() == null || m.replicationId() == null) {
            return false;
        }
        long offset = m.replicationOffset();
        if (offset < start || offset > end) {
            return false;
        }
        if (m.id().equals(t.id())) {
            return offset == t.manifest().startOffset();
        }
        return replicationIdsAt(t, offset).contains(m.replicationId());
    }

    /**
     * The replication ids the source had at offset: the timeline's at its start, else those of
     * the segment holding or ending at the offset and of one starting there (after a failover
     * the new id is valid from its first byte on).
     */
    static Set<String> replicationIdsAt(Timeline t, long offset) {
        Set<String> ids = new HashSet<>();
        if (offset == t.manifest().startOffset()) {
            ids.add(t.manifest().replicationId());
        }
        for (SegmentManifest s : t.segments()) {
            if ((s.startOffset() < offset && offset <= s.endOffset()) || s.startOffset() == offset) {
                ids.add(s.replicationId());
            }
        }
        return ids;
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

    /**
     * The time of a member snapshot's state: the timeline's start for its base, else when the
     * bytes up to its offset had arrived (per the index of the segment holding it), else when it
     * was taken.
     */
    Instant timeOf(SnapshotManifest m) {
        if (m.id().equals(timeline.id())) {
            return timeline.manifest().startedAt();
        }
        return holding(m.replicationOffset()).map(s -> s.arrivalOf(m.replicationOffset())).orElse(m.startedAt());
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
