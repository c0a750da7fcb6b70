package io.redback.repo;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.time.Instant;
import java.util.Objects;

/**
 * The start of a timeline: one unbroken history of a source's writes, from a base snapshot (a
 * full sync) on, written as {@code timeline.json} after the base snapshot is committed and
 * before any segment. A timeline is named by its base snapshot's id. Its segments continue from
 * {@code startOffset} in the source's replication offsets; a failover that keeps the offsets
 * continuous ({@code +CONTINUE} with a new replication id) stays in the same timeline, a new
 * full sync starts a new one.
 */
@JsonPropertyOrder({"formatVersion", "id", "source", "sourceAddress", "replicationId", "startOffset", "startedAt"})
public record TimelineManifest(
        int formatVersion,
        SnapshotId id,
        String source,
        String sourceAddress,
        String replicationId,
        long startOffset,
        Instant startedAt) {

    public static final int FORMAT_VERSION = 1;

    public TimelineManifest {
        if (formatVersion < 1) {
            throw new IllegalArgumentException("formatVersion must be 1 or more, not " + formatVersion);
        }
        Objects.requireNonNull(id, "id");
        Layout.requireSourceName(source);
        Objects.requireNonNull(sourceAddress, "sourceAddress");
        SegmentManifest.requireReplicationId(replicationId);
        if (startOffset < 0) {
            throw new IllegalArgumentException("startOffset must not be negative");
        }
        Objects.requireNonNull(startedAt, "startedAt");
    }

    /** The id of the snapshot the timeline starts from (the same id). */
    public SnapshotId baseSnapshot() {
        return id;
    }
}
