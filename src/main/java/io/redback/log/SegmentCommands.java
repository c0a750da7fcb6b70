package io.redback.log;

import io.redback.repo.SegmentManifest;
import io.redback.resp.RespCommand;
import java.io.IOException;
import java.io.InputStream;

/**
 * Reads the commands of one segment's AOF (its raw bytes as a stream, framed by
 * {@link SegmentReader}, so a segment of any size needs a buffer, not its size, of memory) with
 * what the {@link LogCursor} says about each: its replication offsets, the database it applies
 * to (from the segment's {@code selectedDb} and the SELECTs in it), its {@code #TS} second, and
 * its part in a MULTI/EXEC block. Unlike an AOF file, a segment may begin or end inside a
 * transaction, so the open transaction is carried from one segment to the next
 * ({@link #carry()}). At the end it checks that the command bytes and the count add up to the
 * manifest's.
 */
public final class SegmentCommands {
    /** An open MULTI carried over from the previous segment: where it started, or -1 for none. */
    public record Carry(long multiStart) {
        public static final Carry NONE = new Carry(-1);
    }

    private final SegmentManifest segment;
    private final SegmentReader reader;
    private final LogCursor cursor;
    private boolean ended;

    public SegmentCommands(InputStream raw, SegmentManifest segment, Carry carry) {
        this.segment = segment;
        this.reader = new SegmentReader(raw, segment);
        this.cursor = new LogCursor(Math.max(segment.selectedDb(), 0), -1, carry.multiStart());
    }

    /**
     * Moves to the next command; false at the end of the segment.
     *
     * @throws Damage when the bytes are not a command log, or do not add up to the manifest
     * @throws IOException when reading the bytes fails
     */
    public boolean next() throws Damage, IOException {
        while (!ended) {
            switch (reader.next()) {
                case COMMAND -> {
                    cursor.command(reader.command(), reader.start());
                    return true;
                }
                case TIMESTAMP -> cursor.timestamp(reader.timestamp());
                case LINE -> throw new Damage(segment.object(), "segment " + segment.object() + " (offsets "
                        + segment.startOffset() + ".." + segment.endOffset() + ") is not a valid command log at byte "
                        + reader.fileStart() + " of its data: expected a '#TS:<unix seconds>' line");
                case END -> ended = true;
            }
        }
        return false;
    }

    /** The command just read (reused by the next call). */
    public RespCommand command() {
        return reader.command();
    }

    /** The replication offset the command starts after. */
    public long start() {
        return reader.start();
    }

    /** The replication offset of the command's last byte: what {@code restore --offset} takes. */
    public long end() {
        return reader.end();
    }

    /** The database the command applies to (for SELECT: the one it selects). */
    public int db() {
        return cursor.db();
    }

    /** Unix seconds of the {@code #TS} line before the command (when it arrived), -1 if none. */
    public long time() {
        return cursor.time();
    }

    public Tx tx() {
        return cursor.tx();
    }

    /** Where the transaction the command belongs to starts (its MULTI), or the command's own start. */
    public long transactionStart() {
        return cursor.transactionStart();
    }

    /** The transaction still open after the command just read (after the end: at the end of the segment). */
    public Carry carry() {
        long open = cursor.openTransaction();
        return open < 0 ? Carry.NONE : new Carry(open);
    }

    public SegmentManifest segment() {
        return segment;
    }
}
