package io.redback.log;

import io.redback.repo.SegmentManifest;
import io.redback.resp.RespCommand;
import io.redback.resp.RespException;
import io.redback.resp.RespReader;
import java.io.IOException;
import java.io.InputStream;

/**
 * Reads the AOF bytes of one segment: its commands with their replication offsets (the
 * segment's {@code startOffset} plus the command bytes before them, {@code #} lines not
 * counted) and positions in the data, and its {@code #TS} lines. Only the layout is checked
 * here (RESP, line ends, and at the end that the bytes and commands add up to the manifest's);
 * what the commands mean (databases, transactions) is for the caller, which may begin reading
 * in the middle of a transaction that started in an earlier segment. Restore, {@code redback
 * log}, {@code check --repo} and a stream resuming from the repository all read segments with it,
 * most of them through {@link SegmentCommands}, which adds the {@link LogCursor}.
 */
public final class SegmentReader {
    /** Argument bytes kept per command: enough for names, keys and options; values are skipped. */
    static final int RETAIN_LIMIT = 64 * 1024;

    /** Redis reads annotation lines with {@code fgets} into 1024 bytes: at most 1023 with the LF. */
    public static final int ANNOTATION_MAX_BYTES = 1023;

    /** What {@link #next()} found: a command, a {@code #TS} line, another {@code #} line, or the end. */
    public enum Event { COMMAND, TIMESTAMP, LINE, END }

    private final SegmentManifest segment;
    private final RespReader resp;
    private final RespCommand cmd = new RespCommand();
    private long lineBytes;
    private long fileStart;
    private long fileEnd;
    private long start;
    private long end;
    private long timestamp = -1;
    private long commands;

    public SegmentReader(InputStream raw, SegmentManifest segment) {
        this.segment = segment;
        this.resp = new RespReader(raw, 0, RespReader.DEFAULT_BUFFER_SIZE, RETAIN_LIMIT);
    }

    /**
     * Reads the next item.
     *
     * @throws Damage when the bytes are not a command log, or at the end do not add up to the manifest
     */
    public Event next() throws IOException, Damage {
        int b = resp.peek();
        fileStart = resp.position();
        if (b == '*') {
            try {
                resp.read(cmd);
            } catch (RespException e) {
                throw damaged(e.offset(), "expected " + e.expected() + (e.kind() == RespException.Kind.TRUNCATED
                        ? ", found the end of the data" : ", found " + e.found()));
            }
            fileEnd = resp.position();
            start = segment.startOffset() + fileStart - lineBytes;
            end = start + (fileEnd - fileStart);
            commands++;
            return Event.COMMAND;
        }
        if (b == '#') {
            RespReader.Line line;
            try {
                line = resp.readLine(ANNOTATION_MAX_BYTES);
            } catch (RespException e) {
                throw damaged(e.offset(), "a '#' line longer than " + ANNOTATION_MAX_BYTES + " bytes");
            }
            if (!line.terminated()) {
                throw damaged(line.offset(), "a '#' line that the data ends in");
            }
            fileEnd = resp.position();
            start = segment.startOffset() + fileStart - lineBytes;
            end = start;
            lineBytes += line.length();
            timestamp = parseTimestamp(line.text());
            return timestamp >= 0 ? Event.TIMESTAMP : Event.LINE;
        }
        if (b < 0) {
            fileEnd = fileStart;
            long bytes = fileStart - lineBytes;
            start = segment.startOffset() + bytes;
            end = start;
            if (bytes != segment.streamBytes() || commands != segment.commands()) {
                throw new Damage(segment.object(), "segment " + segment.object() + " holds "
                        + commands + " command(s) in " + bytes + " stream bytes, its manifest says " + segment.commands()
                        + " in " + segment.streamBytes() + " (offsets " + segment.startOffset() + ".." + segment.endOffset()
                        + "): the manifest does not describe this object");
            }
            return Event.END;
        }
        throw damaged(fileStart, "'*' starting a command or '#' starting a line, found " + RespReader.describe(b));
    }

    /** The command just read (reused). */
    public RespCommand command() {
        return cmd;
    }

    /** The replication offset before the item just read (for END: the segment's end). */
    public long start() {
        return start;
    }

    /** The replication offset after the item just read (the same as start() for a line). */
    public long end() {
        return end;
    }

    /** Where the item just read starts in the segment's data. */
    public long fileStart() {
        return fileStart;
    }

    /** Where the item just read ends in the segment's data. */
    public long fileEnd() {
        return fileEnd;
    }

    /** The value of the {@code #TS} line just read. */
    public long timestamp() {
        return timestamp;
    }

    public SegmentManifest segment() {
        return segment;
    }

    private Damage damaged(long at, String what) {
        return new Damage(segment.object(), "segment " + segment.object() + " (offsets "
                + segment.startOffset() + ".." + segment.endOffset() + ") is not a valid command log at byte " + at
                + " of its data: " + what);
    }

    /** {@code #TS:<digits>}, else -1. */
    static long parseTimestamp(byte[] text) {
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
}
