package io.redback.aof;

import io.redback.rdb.RdbException;

/**
 * An AOF could not be read to its end: it is truncated (the input ends inside a command, or
 * inside a MULTI that never reaches EXEC), damaged (bytes that are not what Redis writes), or
 * starts with an RDB preamble this release cannot read. It names the file, the byte offset, how
 * many complete commands came before, the database and the time of the last {@code #TS}
 * annotation, and what was expected and found.
 */
public final class AofException extends Exception {
    private static final long serialVersionUID = 1L;

    /** The broad reason, which decides the verdict. */
    public enum Kind {
        /** The input ends inside a command or an open transaction: what aof-load-truncated tolerates. */
        TRUNCATED,
        /** Bytes that cannot be there, or an RDB preamble that is damaged or incomplete. */
        DAMAGED,
        /** An RDB preamble of a version or type this release cannot read. */
        UNSUPPORTED
    }

    private final Kind kind;
    private final String file;
    private final long offset;
    private final long commandOffset;
    private final long commandIndex;
    private final int db;
    private final long time;
    private final String expected;
    private final String found;
    private final String detail;
    private final transient RdbException rdbError;

    AofException(Kind kind, String file, long offset, long commandOffset, long commandIndex, int db, long time,
                 String expected, String found, String detail, RdbException rdbError) {
        super(compose(file, offset, commandIndex, db, time, detail), rdbError, false, false);
        this.kind = kind;
        this.file = file;
        this.offset = offset;
        this.commandOffset = commandOffset;
        this.commandIndex = commandIndex;
        this.db = db;
        this.time = time;
        this.expected = expected;
        this.found = found;
        this.detail = detail;
        this.rdbError = rdbError;
    }

    private static String compose(String file, long offset, long commandIndex, int db, long time, String detail) {
        StringBuilder sb = new StringBuilder();
        if (file != null) {
            sb.append(file).append(": ");
        }
        sb.append("at byte ").append(offset);
        if (commandIndex >= 0) {
            sb.append(" (after ").append(commandIndex).append(" complete command(s), db ").append(db);
            if (time >= 0) {
                sb.append(", last #TS ").append(java.time.Instant.ofEpochSecond(time));
            }
            sb.append(')');
        } else {
            sb.append(" (in the RDB preamble)");
        }
        return sb.append(": ").append(detail).toString();
    }

    public Kind kind() {
        return kind;
    }

    /** The file's name as the reader was told it, or null. */
    public String file() {
        return file;
    }

    /** Offset of the offending byte; for a truncation, the end of the file. */
    public long offset() {
        return offset;
    }

    /** Offset of the command being read (or of the MULTI left open), or -1. */
    public long commandOffset() {
        return commandOffset;
    }

    /** Complete commands before the problem (so the broken one is number index+1), or -1 in the RDB preamble. */
    public long commandIndex() {
        return commandIndex;
    }

    /** The database selected at the problem (0 at the start of every file). */
    public int db() {
        return db;
    }

    /** Unix seconds of the last {@code #TS} annotation before the problem, or -1. */
    public long time() {
        return time;
    }

    /** What the format required there (null for an RDB preamble problem). */
    public String expected() {
        return expected;
    }

    /** What was there instead (null for an RDB preamble problem). */
    public String found() {
        return found;
    }

    /** What is wrong, without the location. */
    public String detail() {
        return detail;
    }

    /** The RDB reader's error when the problem is in the RDB preamble, else null. */
    public RdbException rdbError() {
        return rdbError;
    }

    /** Whether the problem is in the RDB preamble (which no truncation can repair). */
    public boolean inPreamble() {
        return commandIndex < 0;
    }
}
