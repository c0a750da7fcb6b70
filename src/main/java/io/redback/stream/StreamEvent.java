package io.redback.stream;

import io.redback.repo.SnapshotId;
import io.redback.repo.SnapshotManifest;
import java.time.Duration;

/**
 * What a running stream has to tell its operator: the closed set of things that happen to it.
 * {@link StreamEvents} words them: the command line prints them as lines (or JSON), the agent
 * logs them; tests wait for them.
 */
public sealed interface StreamEvent {

    /**
     * A full sync started a timeline; {@code previous} is the timeline it replaces (null for the
     * first), which ended at {@code previousEnd}.
     */
    record TimelineStarted(SnapshotManifest base, SnapshotId previous, long previousEnd) implements StreamEvent {
    }

    /** The source continued the timeline after a reconnect ({@code +CONTINUE}); a new replication id means a failover. */
    record Continued(SnapshotId timeline, long offset, String replicationId, boolean newReplicationId)
            implements StreamEvent {
    }

    /** The link to the source broke (or could not be made); the stream retries after {@code retryIn}. */
    record Disconnected(String reason, long offset, Duration retryIn) implements StreamEvent {
    }

    /** The repository refuses writes; segments wait in the spool. */
    record RepositoryFailing(String reason, long spoolBytes) implements StreamEvent {
    }

    /** The repository accepts writes again; the spool drains. */
    record RepositoryBack(long spoolBytes) implements StreamEvent {
    }

    /** The spool passed 80% of --max-spool. */
    record SpoolFilling(long bytes, long max) implements StreamEvent {
    }

    /** The spool reached --max-spool: reading from the source pauses until it drains. */
    record SpoolFull(long bytes, long max) implements StreamEvent {
    }

    /** Writing to the spool failed: the stream reconnects from the last durable offset. */
    record SpoolFailed(String reason) implements StreamEvent {
    }

    /**
     * The source's replication backlog holds less than a minute of writes at the rate the stream
     * receives them: a longer outage of the link forces a full sync and a new timeline.
     */
    record BacklogShort(long backlogBytes, double bytesPerSecond) implements StreamEvent {
        /** How long an outage the backlog bridges at this rate. */
        public Duration covers() {
            return Duration.ofMillis((long) (backlogBytes * 1000.0 / bytesPerSecond));
        }
    }

    /** A periodic snapshot (--snapshot-every) was committed. */
    record SnapshotTaken(SnapshotManifest snapshot) implements StreamEvent {
    }

    /** A periodic snapshot failed; the stream goes on and tries again at the next period. */
    record SnapshotFailed(String reason) implements StreamEvent {
    }

    /**
     * A thread of the stream ({@code thread}: link, ship, tick, ack, backlog, snapshots) died of
     * something its loop does not handle (an OutOfMemoryError, a defect). The stream stops as on
     * a signal (open segment spooled, spool drained), stream.json says {@code failed}, and the
     * command exits non-zero so that a supervisor restarts it.
     */
    record ThreadDied(String thread, String reason) implements StreamEvent {
        /** One line for stream.json and the exit message. */
        public String describe() {
            return "the " + thread + " thread died: " + reason;
        }
    }

    /** The stream stopped: what it received, what the repository holds, what waits in the spool. */
    record Stopped(long receivedOffset, long committedOffset, int spooledSegments, long spoolBytes)
            implements StreamEvent {
    }
}
