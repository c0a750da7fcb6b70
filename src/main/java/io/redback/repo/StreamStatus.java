package io.redback.repo;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * What a running {@code redback stream} last said about itself, rewritten as
 * {@code sources/<source>/stream.json} about once a second while the log moves (every ten
 * seconds when it does not): its state, the timeline it extends, how far it has received and
 * committed, and how far behind the source the repository is.
 * Three offsets: received (acknowledged with ACK), durable (fsync'd in the spool) and committed
 * (in the repository); each lag is counted from the received offset ({@code lagBytes} and
 * {@code lagSeconds} are the repository's). {@code durableAt} says which one the stream reports
 * as {@code FACK} ({@code spool} or {@code repository}).
 * A status whose {@code updatedAt} is old means the stream is not running. Nullable:
 * {@code timeline}, {@code replicationId}, {@code lagSeconds}, and the durable fields (null when
 * an older release wrote the status).
 */
@JsonPropertyOrder({"formatVersion", "source", "sourceAddress", "state", "updatedAt", "timeline", "replicationId",
        "receivedOffset", "durableOffset", "committedOffset", "spoolBytes", "durableLagBytes", "durableLagSeconds",
        "lagBytes", "lagSeconds", "durableAt", "message"})
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
        String message,
        Long durableOffset,
        Long durableLagBytes,
        Double durableLagSeconds,
        String durableAt) {

    public static final int FORMAT_VERSION = 1;
    /** Fields a status written by an older release lacks; read as null. */
    static final Set<String> ADDED_FIELDS = Set.of("durableOffset", "durableLagBytes", "durableLagSeconds",
            "durableAt");

    /** A status without the durable offset (as releases before it wrote them). */
    public StreamStatus(int formatVersion, String source, String sourceAddress, String state, Instant updatedAt,
                        SnapshotId timeline, String replicationId, long receivedOffset, long committedOffset,
                        long spoolBytes, long lagBytes, Double lagSeconds, String message) {
        this(formatVersion, source, sourceAddress, state, updatedAt, timeline, replicationId, receivedOffset,
                committedOffset, spoolBytes, lagBytes, lagSeconds, message, null, null, null, null);
    }

    public StreamStatus {
        Layout.requireSourceName(source);
        Objects.requireNonNull(sourceAddress, "sourceAddress");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(updatedAt, "updatedAt");
    }

    /**
     * Until when timeline t is known to hold every command that reached the stream: when this
     * status says the stream had received nothing beyond what the repository holds of t, the
     * source's state stayed the end of t's log until then. One millisecond before
     * {@code updatedAt}, because a command stamped in that very millisecond may have been read
     * just after the status was taken. Empty when the status is about another timeline or
     * the stream was behind.
     */
    public Optional<Instant> caughtUpUntil(Timeline t) {
        if (timeline == null || !timeline.equals(t.id()) || receivedOffset != committedOffset
                || committedOffset != t.endOffset()) {
            return Optional.empty();
        }
        return Optional.of(updatedAt.minusMillis(1));
    }
}
