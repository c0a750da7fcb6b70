package io.redback.pitr;

import io.redback.aof.CutPoint;
import io.redback.aof.CutReport.Adjustment;
import io.redback.repo.SegmentManifest;
import io.redback.repo.SnapshotId;
import io.redback.repo.SnapshotManifest;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * What a point-in-time restore will do, decided before anything is written: the timeline and
 * the window of it that holds the point, the snapshot to start from (the newest of the window
 * at or before the cut), the segments whose commands are replayed from the snapshot's offset up
 * to {@code cutOffset}, and how the cut was found. {@code cutTime} is when the last kept byte
 * arrived (the snapshot's time when nothing is replayed); {@code startDb} the database selected
 * at the snapshot's offset and {@code startTime} the {@code #TS} second in force there (-1 when
 * unknown). {@code commands} counts the commands that will be replayed, {@code dropped} the
 * {@code PING} and {@code REPLCONF} of the stream left out. {@code matched} is the command a
 * {@code --before} pattern found (else null).
 */
public record Plan(
        String source,
        CutPoint point,
        SnapshotId timeline,
        Window window,
        SnapshotManifest snapshot,
        List<SegmentManifest> segments,
        long cutOffset,
        Instant cutTime,
        Adjustment adjustment,
        Matched matched,
        int startDb,
        long startTime,
        long commands,
        long dropped,
        List<String> notes) {

    /** The command a {@code --before} pattern stopped at: printable, its offset (the cut), db and #TS second. */
    public record Matched(String command, long offset, int db, long time) {
    }

    public Plan {
        Objects.requireNonNull(snapshot, "snapshot");
        segments = List.copyOf(segments);
        notes = List.copyOf(notes);
        if (snapshot.replicationOffset() == null || cutOffset < snapshot.replicationOffset()) {
            throw new IllegalArgumentException("cut offset " + cutOffset + " is before the snapshot's offset "
                    + snapshot.replicationOffset());
        }
    }

    /** The snapshot's replication offset: the replay starts after it. */
    public long fromOffset() {
        return snapshot.replicationOffset();
    }

    /** Stream bytes replayed (commands only, between the snapshot's offset and the cut). */
    public long replayBytes() {
        return cutOffset - fromOffset();
    }

    /** Bytes of the segments' data objects as stored (what is downloaded). */
    public long storedBytes() {
        return segments.stream().mapToLong(SegmentManifest::storedSize).sum();
    }
}
