package io.redback.stream;

import io.redback.log.LogCursor;
import io.redback.repo.SegmentManifest.IndexEntry;
import io.redback.repo.SnapshotId;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The segment being filled: whole commands as they arrive, with a {@code #TS:<seconds>} line
 * before the first command of every new arrival second, and an index entry at most every
 * {@link #INDEX_EVERY_MS} ms. It also follows SELECT with a {@link LogCursor}, so the next segment
 * knows its database.
 */
final class OpenSegment {
    static final long INDEX_EVERY_MS = 100;

    private final SnapshotId timeline;
    private final long startOffset;
    private final String replicationId;
    private final int selectedDbAtStart;
    private final Bytes bytes = new Bytes();
    private final List<IndexEntry> index = new ArrayList<>();
    private long endOffset;
    private final LogCursor cursor;
    private long commands;
    private long firstArrival = -1;
    private long lastArrival;
    private long annotatedSecond = Long.MIN_VALUE;
    private long indexAnchor;
    private long unsyncedSince = -1;

    OpenSegment(SnapshotId timeline, long startOffset, String replicationId, int selectedDb) {
        this.timeline = timeline;
        this.startOffset = startOffset;
        this.endOffset = startOffset;
        this.replicationId = replicationId;
        this.selectedDbAtStart = selectedDb;
        this.cursor = new LogCursor(selectedDb, -1, -1);
    }

    void append(CommandScanner.Command c, long arrivalMillis) {
        if (c.startOffset != endOffset) {
            throw new IllegalStateException("command at offset " + c.startOffset + " does not follow " + endOffset);
        }
        long second = Math.floorDiv(arrivalMillis, 1000);
        if (second != annotatedSecond) {
            bytes.writeBytes(("#TS:" + second + "\r\n").getBytes(StandardCharsets.US_ASCII));
            annotatedSecond = second;
        }
        bytes.write(c.buffer(), c.bufferStart, c.length);
        if (c.nameIs("SELECT")) {
            cursor.select(c.firstArgAsInt()); // the scanner's own view of the command: only SELECT matters here
        }
        endOffset = c.endOffset;
        commands++;
        if (firstArrival < 0) {
            firstArrival = arrivalMillis;
        }
        // Each entry is exact (this command's end, its arrival); a new one starts every INDEX_EVERY_MS.
        if (index.isEmpty() || arrivalMillis - indexAnchor >= INDEX_EVERY_MS) {
            index.add(new IndexEntry(endOffset, arrivalMillis));
            indexAnchor = arrivalMillis;
        } else {
            index.set(index.size() - 1, new IndexEntry(endOffset, arrivalMillis));
        }
        lastArrival = arrivalMillis;
        if (unsyncedSince < 0) {
            unsyncedSince = arrivalMillis;
        }
    }

    /** A copy of the AOF bytes from position {@code from} on (for the journal). */
    byte[] bytesFrom(int from) {
        return bytes.from(from);
    }

    /** The group commit took everything so far: later commands are the unsynced ones. */
    void markSynced() {
        unsyncedSince = -1;
    }

    /** When the oldest command the group commit has not taken arrived, or -1. */
    long unsyncedSinceMillis() {
        return unsyncedSince;
    }

    long startOffset() {
        return startOffset;
    }

    int selectedDbAtStart() {
        return selectedDbAtStart;
    }

    boolean isEmpty() {
        return commands == 0;
    }

    int size() {
        return bytes.size();
    }

    long endOffset() {
        return endOffset;
    }

    int selectedDb() {
        return cursor.db();
    }

    String replicationId() {
        return replicationId;
    }

    SnapshotId timeline() {
        return timeline;
    }

    /** When its oldest byte arrived (for the lag), or -1 when empty. */
    long firstArrivalMillis() {
        return firstArrival;
    }

    /** The closed segment's description and bytes. */
    SpooledSegment close() {
        return new SpooledSegment(timeline, startOffset, endOffset, replicationId, selectedDbAtStart,
                Instant.ofEpochMilli(firstArrival), Instant.ofEpochMilli(lastArrival), commands, List.copyOf(index),
                bytes.toByteArray());
    }

    /** Lets the journal copy what it has not written yet without copying the whole segment. */
    private static final class Bytes extends ByteArrayOutputStream {
        Bytes() {
            super(64 * 1024);
        }

        synchronized byte[] from(int from) {
            return Arrays.copyOfRange(buf, from, count);
        }
    }
}
