package io.redback.cli;

import io.redback.aof.AofCommand;
import io.redback.aof.AofReader;
import io.redback.repo.SegmentManifest;
import io.redback.resp.RespCommand;
import io.redback.resp.RespException;
import io.redback.resp.RespReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Reads the commands of one segment's AOF (its verified raw bytes) with what the stream says
 * about each: its replication offsets (the segment's {@code startOffset} plus the command bytes
 * before it; {@code #TS} lines are not counted), the database it applies to (from the
 * segment's {@code selectedDb} and the SELECTs in it), its {@code #TS} second, and its part in
 * a MULTI/EXEC block. Unlike an AOF file, a segment may begin or end inside a transaction, so
 * the open transaction is carried from one segment to the next ({@link #carry()}). At the end
 * it checks that the command bytes and the count add up to the manifest's.
 */
final class SegmentCommands {
    /** Argument bytes kept per command: names, keys and options; big values are skipped. */
    private static final int RETAIN_LIMIT = 64 * 1024;

    /** An open MULTI carried over from the previous segment: where it started, or -1 for none. */
    record Carry(long multiStart) {
        static final Carry NONE = new Carry(-1);
    }

    private final SegmentManifest segment;
    private final RespReader resp;
    private final RespCommand cmd = new RespCommand();
    private long lineBytes;
    private long start;
    private long end;
    private long time = -1;
    private int db;
    private long multiStart;
    private AofCommand.Tx tx = AofCommand.Tx.NONE;
    private long commands;
    private boolean ended;

    SegmentCommands(byte[] raw, SegmentManifest segment, Carry carry) {
        this.segment = segment;
        this.resp = new RespReader(new ByteArrayInputStream(raw), 0, RespReader.DEFAULT_BUFFER_SIZE, RETAIN_LIMIT);
        this.db = Math.max(segment.selectedDb(), 0);
        this.multiStart = carry.multiStart();
        this.end = segment.startOffset();
    }

    /**
     * Moves to the next command; false at the end of the segment.
     *
     * @throws Damage when the bytes are not a command log, or do not add up to the manifest
     */
    boolean next() throws Damage {
        try {
            while (!ended) {
                int b = resp.peek();
                long at = resp.position();
                if (b == '*') {
                    readCommand(at);
                    return true;
                }
                if (b == '#') {
                    readTimestamp(at);
                } else if (b < 0) {
                    finish();
                } else {
                    throw damaged(at, "expected '*' starting a command or '#TS:' starting a time line, found "
                            + RespReader.describe(b));
                }
            }
            return false;
        } catch (IOException e) {
            throw new IllegalStateException("reading from memory failed: " + e.getMessage(), e); // cannot happen
        }
    }

    private void readCommand(long at) throws IOException, Damage {
        try {
            resp.read(cmd);
        } catch (RespException e) {
            throw damaged(e.offset(), "expected " + e.expected() + (e.kind() == RespException.Kind.TRUNCATED
                    ? ", found the end of the data" : ", found " + e.found()));
        }
        if (tx == AofCommand.Tx.EXEC) {
            multiStart = -1; // the previous command closed its transaction
        }
        start = segment.startOffset() + at - lineBytes;
        end = start + cmd.length();
        commands++;
        if (cmd.argEqualsIgnoreCase(0, "MULTI")) {
            multiStart = start;
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

    private void readTimestamp(long at) throws IOException, Damage {
        RespReader.Line line;
        try {
            line = resp.readLine(AofReader.ANNOTATION_MAX_BYTES);
        } catch (RespException e) {
            throw damaged(at, "a '#' line longer than " + AofReader.ANNOTATION_MAX_BYTES + " bytes");
        }
        long ts = line.terminated() ? timestamp(line.text()) : -1;
        if (ts < 0) {
            throw damaged(at, "expected a '#TS:<unix seconds>' line, found '"
                    + new String(line.text(), 0, Math.min(line.text().length, 40), StandardCharsets.ISO_8859_1)
                    + "'" + (line.terminated() ? "" : " and the end of the data"));
        }
        lineBytes += line.length();
        time = ts;
    }

    private void finish() throws Damage {
        ended = true;
        if (tx == AofCommand.Tx.EXEC) {
            multiStart = -1;
        }
        long bytes = end - segment.startOffset();
        if (end != segment.endOffset() || commands != segment.commands()) {
            throw new Damage(segment.object(), "holds " + commands + " command(s) in " + bytes
                    + " stream bytes, its manifest says " + segment.commands() + " in " + segment.streamBytes()
                    + " (offsets " + segment.startOffset() + ".." + segment.endOffset()
                    + "): the manifest does not describe this object");
        }
    }

    /** The command just read (reused by the next call). */
    RespCommand command() {
        return cmd;
    }

    /** The replication offset the command starts after. */
    long start() {
        return start;
    }

    /** The replication offset of the command's last byte: what {@code restore --offset} takes. */
    long end() {
        return end;
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
        return tx == AofCommand.Tx.NONE || multiStart < 0 ? start : multiStart;
    }

    /** The transaction still open after the command just read (after the end: at the end of the segment). */
    Carry carry() {
        if (tx == AofCommand.Tx.EXEC) {
            return Carry.NONE;
        }
        return new Carry(multiStart);
    }

    /** {@code #TS:<digits>}, else -1. */
    private static long timestamp(byte[] text) {
        if (text.length <= 4 || text.length > 4 + 18 || text[0] != '#' || text[1] != 'T' || text[2] != 'S'
                || text[3] != ':') {
            return -1;
        }
        long v = 0;
        for (int i = 4; i < text.length; i++) {
            if (text[i] < '0' || text[i] > '9') {
                return -1;
            }
            v = v * 10 + (text[i] - '0');
        }
        return v;
    }

    private Damage damaged(long at, String what) {
        return new Damage(segment.object(), "(offsets " + segment.startOffset() + ".." + segment.endOffset()
                + ") is not a valid command log at byte " + at + " of its data: " + what);
    }

    /** A segment whose data is not what its manifest describes: the object's key and what is wrong. */
    static final class Damage extends Exception {
        private static final long serialVersionUID = 1L;
        private final String object;

        Damage(String object, String detail) {
            super(object + " " + detail);
            this.object = object;
        }

        String object() {
            return object;
        }
    }
}
