package io.redback.repo;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.time.Instant;
import java.util.Objects;

/**
 * What {@code prune} did to a timeline, written as {@code pruned.json} beside its
 * {@code timeline.json} before prune deletes anything of it. With a {@code snapshot}, the
 * timeline was trimmed: restores of it start at that snapshot at the earliest (its oldest kept
 * one, at {@code snapshotOffset}, whose state was current at {@code snapshotTime}), and its log is
 * kept from {@code logStart} on (the start of the segment holding the snapshot's offset, or the
 * offset itself); segments that end at or before {@code logStart} were pruned and readers ignore
 * them. Without one ({@code snapshot} and the fields after it null), no snapshot of the timeline
 * is kept and prune is removing it: readers ignore the whole timeline, and the file goes last.
 */
@JsonPropertyOrder({"formatVersion", "source", "timeline", "prunedAt", "snapshot", "snapshotOffset", "snapshotTime",
        "logStart"})
public record PrunedHead(
        int formatVersion,
        String source,
        SnapshotId timeline,
        Instant prunedAt,
        SnapshotId snapshot,
        Long snapshotOffset,
        Instant snapshotTime,
        Long logStart) {

    public static final int FORMAT_VERSION = 1;

    public PrunedHead {
        if (formatVersion < 1) {
            throw new IllegalArgumentException("formatVersion must be 1 or more, not " + formatVersion);
        }
        Layout.requireSourceName(source);
        Objects.requireNonNull(timeline, "timeline");
        Objects.requireNonNull(prunedAt, "prunedAt");
        boolean trimmed = snapshot != null;
        if (trimmed != (snapshotOffset != null) || trimmed != (snapshotTime != null) || trimmed != (logStart != null)) {
            throw new IllegalArgumentException("snapshot, snapshotOffset, snapshotTime and logStart are given together "
                    + "(a trimmed timeline) or all null (a timeline being removed)");
        }
        if (trimmed && (logStart < 0 || logStart > snapshotOffset)) {
            throw new IllegalArgumentException("logStart " + logStart + " must lie between 0 and the snapshot's offset "
                    + snapshotOffset);
        }
    }

    /** The timeline's restores now start at start; its log is kept from logStart on. */
    static PrunedHead trimmed(TimelineManifest timeline, Instant at, Timeline.Start start, long logStart) {
        return new PrunedHead(FORMAT_VERSION, timeline.source(), timeline.id(), at, start.snapshot(), start.offset(),
                start.time(), logStart);
    }

    /** Nothing of the timeline is kept: prune is removing it. */
    static PrunedHead removing(TimelineManifest timeline, Instant at) {
        return new PrunedHead(FORMAT_VERSION, timeline.source(), timeline.id(), at, null, null, null, null);
    }

    /** True while prune removes the timeline (no snapshot of it is kept). */
    @JsonIgnore
    public boolean isRemoving() {
        return snapshot == null;
    }
}
