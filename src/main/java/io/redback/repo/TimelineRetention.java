package io.redback.repo;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Decides what prune does to the timelines of one source once the retention policy has judged
 * its snapshots. A point-in-time restore replays the log from a snapshot on the timeline at or
 * before the point, so after the prune a timeline is restorable from its oldest kept snapshot
 * on: the log before that snapshot's offset can never be replayed again and goes (TRIM). A
 * timeline none of whose snapshots is kept can never be restored and goes whole (REMOVE), except
 * the current one (the newest, or the one stream.json names), where a running stream may be
 * appending: it keeps its newest snapshot even when the policy forgets it, so that a prune never
 * makes the live log unrestorable. A timeline on which no snapshot lies at all did not get that
 * way by prune (its base was lost): it is left as it is for {@code check --repo} to report.
 */
final class TimelineRetention {
    /** Why a snapshot the policy forgets is kept all the same. */
    static final String CURRENT_TIMELINE = "base of the current timeline";

    /**
     * What to do with a timeline: where its restores start afterwards (its oldest kept snapshot;
     * null when it is removed or no snapshot lies on it), the offset its kept log starts at, and why.
     */
    record Verdict(Timeline timeline, Pruner.TimelineAction action, Timeline.Start start, long logStart,
                   String reason) {
    }

    /** The verdicts, oldest timeline first, and the snapshots kept for a current timeline although the policy forgets them. */
    record Result(List<Verdict> verdicts, Set<SnapshotId> alsoKept) {
        Result {
            verdicts = List.copyOf(verdicts);
            alsoKept = Set.copyOf(alsoKept);
        }
    }

    private static final Comparator<SnapshotManifest> BY_OFFSET =
            Comparator.comparingLong((SnapshotManifest m) -> m.replicationOffset()).thenComparing(SnapshotManifest::id);

    private TimelineRetention() {
    }

    /**
     * Judges timelines (oldest first, none of them being removed) given the source's snapshots,
     * those the policy keeps, and the ids of the current timelines.
     */
    static Result apply(List<Timeline> timelines, List<SnapshotManifest> snapshots, Set<SnapshotId> kept,
                        Set<SnapshotId> current) {
        Set<SnapshotId> keeping = new HashSet<>(kept);
        Set<SnapshotId> alsoKept = new HashSet<>();
        // Current timelines first: a snapshot kept for one of them may lie on an older timeline too.
        for (Timeline t : timelines) {
            List<SnapshotManifest> members = members(t, snapshots);
            if (current.contains(t.id()) && !members.isEmpty()
                    && members.stream().noneMatch(m -> keeping.contains(m.id()))) {
                SnapshotId newest = members.get(members.size() - 1).id();
                keeping.add(newest);
                alsoKept.add(newest);
            }
        }
        List<Verdict> verdicts = new ArrayList<>();
        for (Timeline t : timelines) {
            verdicts.add(judge(t, members(t, snapshots), keeping));
        }
        return new Result(verdicts, alsoKept);
    }

    private static Verdict judge(Timeline t, List<SnapshotManifest> members, Set<SnapshotId> keeping) {
        if (members.isEmpty()) {
            return new Verdict(t, Pruner.TimelineAction.KEEP, null, t.logStart(), "no snapshot in the repository lies "
                    + "on it, and not by prune: left as it is for `redback check --repo` to report");
        }
        List<SnapshotManifest> keptMembers = members.stream().filter(m -> keeping.contains(m.id())).toList();
        if (keptMembers.isEmpty()) {
            return new Verdict(t, Pruner.TimelineAction.REMOVE, null, t.logStart(), "no --keep-* rule keeps any of its "
                    + members.size() + " snapshot(s) and it is not the current timeline");
        }
        SnapshotManifest oldest = keptMembers.get(0);
        if (oldest.id().equals(t.start().snapshot())) {
            return new Verdict(t, Pruner.TimelineAction.KEEP, t.start(), t.logStart(), t.isTrimmed()
                    ? "the snapshot it starts from since an earlier prune is kept" : "its base snapshot is kept");
        }
        long offset = oldest.replicationOffset();
        // The time is taken from the log as it is now, before the segment ending at the offset may go.
        Timeline.Start start = new Timeline.Start(oldest.id(), offset, t.timeOf(oldest));
        return new Verdict(t, Pruner.TimelineAction.TRIM, start, logStart(t, offset), "restores start at its oldest "
                + "kept snapshot at the earliest: the log before offset " + offset + " is unreachable");
    }

    /**
     * Where the kept log starts when restores start at offset: at the segment holding it (kept
     * whole), else at the offset. A timeline's last segment always stays, so that where its log
     * ends (offset, replication id, database) stays known to a stream resuming without its spool.
     */
    private static long logStart(Timeline t, long offset) {
        List<SegmentManifest> segments = t.segments();
        for (SegmentManifest s : segments) {
            if (s.endOffset() > offset) {
                return Math.min(s.startOffset(), offset);
            }
        }
        return segments.isEmpty() ? offset : segments.get(segments.size() - 1).startOffset();
    }

    /** The snapshots that lie on t, oldest offset first. */
    private static List<SnapshotManifest> members(Timeline t, List<SnapshotManifest> snapshots) {
        return snapshots.stream().filter(t::holds).sorted(BY_OFFSET).toList();
    }
}
