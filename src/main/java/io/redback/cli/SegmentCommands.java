package io.redback.cli;

import io.redback.aof.AofCommand;
import io.redback.pitr.LogReader;
import io.redback.pitr.RestoreException;
import io.redback.repo.SegmentManifest;
import io.redback.resp.RespCommand;
import java.io.IOException;
import java.io.InputStream;

/**
 * Reads the commands of one segment's AOF (its raw bytes as a stream, framed by
 * {@link LogReader}, so a segment of any size needs a buffer, not its size, of memory) with
 * what the stream says about each: its replication offsets, the
 * database it applies to (from the
 * segment's {@code selectedDb} and the SELECTs in it), its {@code #TS} second, and its part in
 * a MULTI/EXEC block. Unlike an AOF file, a segment may begin or end inside a transaction, so
 * the open transaction is carried from one segment to the next ({@link #carry()}). At the end
 * it checks that the command bytes and the count add up to the manifest's.
 */
final class SegmentCommands {
    /** An open MULTI carried over from the previous segment: where it started, or -1 for none. */
    record Carry(long multiStart) {
        static final Carry NONE = new Carry(-1);
    }

    private final SegmentManifest segment;
    private final LogReader reader;
    private long time = -1;
    private int db;
    private long multiStart;
    private AofCommand.Tx tx = AofCommand.Tx.NONE;
    private boolean ended;

    SegmentCommands(InputStream raw, SegmentManifest segment, Carry carry) {
        this.segment = segment;
        this.reader = new LogReader(raw, segment);
        this.db = Math.max(segment.selectedDb(), 0);
        this.multiStart = carry.multiStart();
    }

    /**
     * Moves to the next command; false at the end of the segment.
     *
     * @throws Damage when the bytes are not a command log, or do not add up to the manifest
     * @throws IOException when reading the bytes fails
     */
    boolean next() throws Damage, IOException {
        try {
            while (!ended) {
                switch (reader.next()) {
                    case COMMAND -> {
                        onCommand();
                        return true;
                    }
                    case TIMESTAMP -> time = reader.timestamp();
                    case LINE -> throw new Damage(segment.object(), "segment " + segment.object() + " (offsets "
                            + segment.startOffset() + ".." + segment.endOffset() + ") is not a valid command log at byte "
                            + reader.fileStart() + " of its data: expected a '#TS:<unix seconds>' line");
                    case END -> {
                        ended = true;
                        if (tx == AofCommand.Tx.EXEC) {
                            multiStart = -1;
                        }
                    }
                }
            }
            return false;
        } catch (RestoreException e) {
            throw new Damage(segment.object(), e.getMessage());
        }
    }

    private void onCommand() {
        RespCommand cmd = reader.command();
        if (tx == AofCommand.Tx.EXEC) {
            multiStart = -1; // the previous command closed its transaction
        }
        if (cmd.argEqualsIgnoreCase(0, "MULTI")) {
            multiStart = reader.start();
            tx = AofCommand.Tx.MULTI;
        } else if (cmd.argEqualsIgnoreCase(0, "EXEC")) {
            tx = AofCommand.Tx.EXEC;
        } else {
            tx = multiStart >= 0 ? AofCommand.Tx.QUEUED : AofCommand.Tx.NONE;
            if (cmd.argCount() >= 2 && cmd.argEqualsIgnoreCase(0, "SELECT")) {
                long n = cmd.argLong(1, -1);
                if (n >= 0 && n <= Integer.MAX_VALUE) {
                    db = (int) n;
                }
            }
        }
    }

    /** The command just read (reused by the next call). */
    RespCommand command() {
        return reader.command();
    }

    /** The replication offset the command starts after. */
    long start() {
        return reader.start();
    }

    /** The replication offset of the command's last byte: what {@code restore --offset} takes. */
    long end() {
        return reader.end();
    }

    /** The database the command applies to (for SELECT: the one it selects). */
    int db() {
        return db;
    }

    /** Unix seconds of the {@code #TS} line before the command (when it arrived), -1 if none. */
    long time() {
        return time;
    }

    AofCommand.Tx tx() {
        return tx;
    }

    /** Where the transaction the command belongs to starts (its MULTI), or the command's own start. */
    long transactionStart() {
        return tx == AofCommand.Tx.NONE || multiStart < 0 ? reader.start() : multiStart;
    }

    /** The transaction still open after the command just read (after the end: at the end of the segment). */
    Carry carry() {
        if (tx == AofCommand.Tx.EXEC) {
            return Carry.NONE;
        }
        return new Carry(multiStart);
    }

    /** A segment whose data is not what its manifest describes: the object's key and what is wrong. */
    static final class Damage extends Exception {
        private static final long serialVersionUID = 1L;
        private final String object;

        Damage(String object, String message) {
            super(message);
            this.object = object;
        }

        String object() {
            return object;
        }
    }
}
