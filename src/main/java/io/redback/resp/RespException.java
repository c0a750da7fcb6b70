package io.redback.resp;

/**
 * The bytes are not the RESP that was expected, or the input ended in the middle of it. It says
 * where (the byte offset in the whole input, and the offset of the command being read) and what
 * was expected and found, so that callers can name the place without re-reading anything.
 */
public final class RespException extends Exception {
    private static final long serialVersionUID = 1L;

    /** Why reading stopped. */
    public enum Kind {
        /** The input ended inside a command: a short read, as after a crash during a write. */
        TRUNCATED,
        /** A byte that cannot be there: a wrong type prefix, a bad number, a missing CRLF. */
        MALFORMED
    }

    private final Kind kind;
    private final long offset;
    private final long commandOffset;
    private final String expected;
    private final String found;

    RespException(Kind kind, long offset, long commandOffset, String expected, String found) {
        super("at byte " + offset + ": expected " + expected + ", found " + found, null, false, false);
        this.kind = kind;
        this.offset = offset;
        this.commandOffset = commandOffset;
        this.expected = expected;
        this.found = found;
    }

    public Kind kind() {
        return kind;
    }

    /** Offset of the offending byte (for {@link Kind#TRUNCATED}: the end of the input). */
    public long offset() {
        return offset;
    }

    /** Offset where the command being read starts, or -1 outside a command. */
    public long commandOffset() {
        return commandOffset;
    }

    /** What the format required at {@link #offset()}. */
    public String expected() {
        return expected;
    }

    /** What was there instead ("end of input" when truncated). */
    public String found() {
        return found;
    }
}
