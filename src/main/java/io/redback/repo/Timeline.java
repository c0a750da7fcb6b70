package io.redback.repo;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * A timeline as the repository holds it: its start, what prune removed from its head (null when
 * nothing), its committed segments in offset order, and the gaps between them (offsets no segment
 * holds). Restores start at the timeline's {@link #start()} (its base snapshot, or after a prune
 * its oldest kept snapshot) and stay within the contiguous run of segments from its
 * {@link #logStart()}; a gap is reported, never papered over, while the head prune removed is
 * not a gap. A segment whose offsets lie within another committed segment's is
 * {@link #superseded()}: compaction committed a merged segment over it and has not deleted it
 * yet (or was interrupted), so readers ignore it.
 */
public record Timeline(TimelineManifest manifest, PrunedHead pruned, List<SegmentManifest> segments, List<Gap> gaps,
                       List<SegmentManifest> superseded) {

    /** Offsets after {@code afterOffset} up to and including {@code upToOffset} that no segment holds. */
    public record Gap(long afterOffset, long upToOffset) {
        public long bytes() {
            return upToOffset - afterOffset;
        }
    }

    /** Where restores of a timeline can start at the earliest: a snapshot, its offset, and when its state was current. */
    public record Start(SnapshotId snapshot, long offset, Instant time) {
    }

    public Timeline {
        segments = List.copyOf(segments);
        gaps = List.copyOf(gaps);
        superseded = List.copyOf(superseded);
    }

    /**
     * The timeline from its documents; sorted are its segments in offset order. Segments that end
     * at or before the pruned head's {@code logStart} are left out: prune removed them from the
     * restorable part (a crash may have left their objects for the next prune to delete). Of the
     * rest, one whose offsets lie within another's is superseded, not an overlap.
     */
    static Timeline of(TimelineManifest manifest, PrunedHead pruned, List<SegmentManifest> sorted) {
        long logStart = logStart(manifest, pruned);
        List<SegmentManifest> kept = new ArrayList<>();
        List<SegmentManifest> superseded = new ArrayList<>();
        // The longest first among equal starts: then every earlier one starts at or before s, and
        // s lies within one of them exactly when it ends at or before the furthest end so far.
        List<SegmentManifest> byStart = sorted.stream().filter(s -> s.endOffset() > logStart)
                .sorted(Comparator.comparingLong(SegmentManifest::startOffset)
                        .thenComparing(Comparator.comparingLong(SegmentManifest::endOffset).reversed()))
                .toList();
        long furthest = Long.MIN_VALUE;
        for (SegmentManifest s : byStart) {
            (s.endOffset() <= furthest ? superseded : kept).add(s);
            furthest = Math.max(furthest, s.endOffset());
        }
        List<Gap> gaps = new ArrayList<>();
        long at = logStart;
        for (SegmentManifest s : kept) {
            if (s.startOffset() > at) {
                gaps.add(new Gap(at, s.startOffset()));
            } else if (s.startOffset() < at) {
                gaps.add(new Gap(s.startOffset(), s.startOffset())); // overlap: marked as a zero-length gap at its start
            }
            at = Math.max(at, s.endOffset());
        }
        return new Timeline(manifest, pruned, kept, gaps, superseded);
    }

    private static long logStart(TimelineManifest manifest, PrunedHead pruned) {
        return pruned == null || pruned.isRemoving() ? manifest.startOffset() : pruned.logStart();
    }

    public SnapshotId id() {
        return manifest.id();
    }

    /** True when prune trimmed the head of this timeline (its restores start after its base). */
    public boolean isTrimmed() {
        return pruned != null && !pruned.isRemoving();
    }

    /** Where restores can start: the base snapshot at the timeline's start, or the snapshot a prune left first. */
    public Start start() {
        return isTrimmed() ? new Start(pruned.snapshot(), pruned.snapshotOffset(), pruned.snapshotTime())
                : new Start(manifest.id(), manifest.startOffset(), manifest.startedAt());
    }

    /** The offset the kept log starts at: the timeline's start, or after a prune at most the start snapshot's offset. */
    public long logStart() {
        return logStart(manifest, pruned);
    }

    /** The segments that continue the log from {@link #logStart()} without a gap. */
    public List<SegmentManifest> contiguous() {
        List<SegmentManifest> out = new ArrayList<>();
        long at = logStart();
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
        return run.isEmpty() ? start().offset() : Math.max(start().offset(), run.get(run.size() - 1).endOffset());
    }

    /** When the newest restorable byte arrived; the start's time when no segment follows it. */
    public Instant restorableUntil() {
        List<SegmentManifest> run = contiguous();
        Instant from = start().time();
        if (run.isEmpty()) {
            return from;
        }
        Instant last = run.get(run.size() - 1).lastArrival();
        return last.isBefore(from) ? from : last;
    }

    /** When the last committed byte arrived, gaps or not; the start's time when no segment follows it. */
    public Instant endTime() {
        return segments.isEmpty() ? start().time() : segments.get(segments.size() - 1).lastArrival();
    }

    /** The last committed offset, gaps or not. */
    public long endOffset() {
        return segments.isEmpty() ? start().offset() : segments.get(segments.size() - 1).endOffset();
    }

    /**
     * Whether snapshot m lies on this timeline: the start snapshot (the base, or the one a prune
     * left first) at the start's offset; any other when its offset lies between the start and the
     * last committed offset and its replication id is the one in force there.
     */
    public boolean holds(SnapshotManifest m) {
        if (m.replicationOffset() == null || m.replicationId() == null) {
            return false;
        }
        long offset = m.replicationOffset();
        Start start = start();
        if (m.id().equals(start.snapshot())) {
            return offset == start.offset();
        }
        if (offset < start.offset() || offset > endOffset()) {
            return false;
        }
        return replicationIdsAt(offset).contains(m.replicationId());
    }

    /**
     * The replication ids the source had at offset: the timeline's at its start, else those of
     * the segment holding or ending at the offset and of one starting there (after a failover
     * the new id is valid from its first byte on).
     */
    Set<String> replicationIdsAt(long offset) {
        Set<String> ids = new HashSet<>();
        if (offset == manifest.startOffset()) {
            ids.add(manifest.replicationId());
        }
        for (SegmentManifest s : segments) {
            if ((s.startOffset() < offset && offset <= s.endOffset()) || s.startOffset() == offset) {
                ids.add(s.replicationId());
            }
        }
        return ids;
    }

    /**
     * When the state of a snapshot on this timeline was current: the start's time for the start
     * snapshot, else when the bytes up to its offset had arrived (per the index of the segment
     * holding it), else when it was taken.
     */
    public Instant timeOf(SnapshotManifest m) {
        Start start = start();
        if (m.id().equals(start.snapshot())) {
            return start.time();
        }
        long offset = m.replicationOffset();
        return holding(offset).map(s -> s.arrivalOf(offset)).orElse(m.startedAt());
    }

    /** When the last byte before gap g arrived: the end of the segment before it, else the start's time. */
    public Instant lastArrivalBefore(Gap g) {
        Instant at = start().time();
        for (SegmentManifest s : segments) {
            if (s.endOffset() <= g.afterOffset() && s.lastArrival().isAfter(at)) {
                at = s.lastArrival();
            }
        }
        return at;
    }

    /** When the first byte after gap g arrived (the segment that starts there), or null. */
    public Instant firstArrivalAfter(Gap g) {
        for (SegmentManifest s : segments) {
            if (s.startOffset() >= g.upToOffset()) {
                return s.firstArrival();
            }
        }
        return null;
    }

    /**
     * Gap g in a sentence: {@code offsets 1001..2000 missing (1,000 bytes) between
     * 2026-11-22T03:15:02Z and 2026-11-22T03:15:09Z} (the bytes after offset 1000 up to and
     * including 2000, as restore names them; restores can reach offset 1000), or for segments
     * that overlap, where.
     */
    public String describe(Gap g) {
        if (g.bytes() == 0) {
            return "segments overlap at offset " + g.afterOffset() + " (two segments hold the same offsets): "
                    + "the log there is ambiguous";
        }
        Instant after = firstArrivalAfter(g);
        return "offsets " + (g.afterOffset() + 1) + ".." + g.upToOffset() + " missing ("
                + String.format(Locale.ROOT, "%,d", g.bytes()) + " bytes) between "
                + lastArrivalBefore(g).truncatedTo(ChronoUnit.SECONDS) + " and "
                + (after == null ? "?" : after.truncatedTo(ChronoUnit.SECONDS).toString());
    }

    /** The segment holding the byte at offset (its start &lt; offset &lt;= its end), if any. */
    public Optional<SegmentManifest> holding(long offset) {
        return segments.stream().filter(s -> s.startOffset() < offset && offset <= s.endOffset()).findFirst();
    }
}
