package io.redback.pitr;

import io.redback.repo.SnapshotId;
import java.time.Instant;

/**
 * One span of a timeline that can be restored to any point of: from a snapshot of the timeline
 * (offset {@code fromOffset}, its state as of {@code fromTime}) through an unbroken run of
 * committed segments to {@code toOffset}, whose last byte arrived at {@code toTime}. A timeline
 * without gaps has one window, starting at its base snapshot; a gap ends a window, and another
 * starts only where a later snapshot lies in a run of segments after it.
 */
public record Window(SnapshotId timeline, SnapshotId snapshot, long fromOffset, Instant fromTime, long toOffset,
                     Instant toTime) {

    /** Whether the state at the end of unix second {@code second} can be restored from this window. */
    public boolean holdsSecond(long second) {
        return fromTime.getEpochSecond() <= second && second <= toTime.getEpochSecond();
    }

    public boolean holdsOffset(long offset) {
        return fromOffset <= offset && offset <= toOffset;
    }

    /** {@code 2026-11-22T10:00:00.412Z (offset 1000) to 2026-11-22T11:00:05.120Z (offset 98765)}. */
    public String describe() {
        return fromTime + " (offset " + fromOffset + ") to " + toTime + " (offset " + toOffset + ")";
    }
}
