package io.redback.repo;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.time.Instant;
import java.util.Objects;

/**
 * What a running {@code redback stream} last said about itself, rewritten as
 * {@code sources/<source>/stream.json} every few seconds: its state, the timeline it extends,
 * how far it has received and committed, and how far behind the source the repository is.
 * A status whose {@code updatedAt} is old means the stream is not running. Nullable:
 * {@code timeline}, {@code replicationId}, {@code lagSeconds}.
 */
@JsonPropertyOrder({"formatVersion", "source", "sourceAddress", "state", "updatedAt", "timeline", "replicationId",
        "receivedOffset", "committedOffset", "spoolBytes", "lagBytes", "lagSeconds", "message"})
public record StreamStatus(
        int formatVersion,
        String source,
        String sourceAddress,
        String state,
        Instant updatedAt,
        SnapshotId timeline,
        String replicationId,
        long receivedOffset,
        long committedOffset,
        long spoolBytes,
        long lagBytes,
        Double lagSeconds,
        String message) {

    public static final int FORMAT_VERSION = 1;

    public StreamStatus {
        Layout.requireSourceName(source);
        Objects.requireNonNull(sourceAddress, "sourceAddress");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(updatedAt, "updatedAt");
    }
}
