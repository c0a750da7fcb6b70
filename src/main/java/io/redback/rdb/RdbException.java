package io.redback.rdb;

/**
 * The RDB is damaged, truncated or of a kind this reader cannot read. It says where (byte
 * offset), in which key (database and printable name) and what was expected and found, so a
 * user can act on it.
 */
public final class RdbException extends Exception {
    private static final long serialVersionUID = 1L;

    /** The broad reason, which decides the verdict and the advice. */
    public enum Kind {
        /** Bytes that cannot be what the format says they are. */
        DAMAGED,
        /** The file ends before the structure it started is complete. */
        TRUNCATED,
        /** The CRC64 footer does not match the content. */
        CHECKSUM_MISMATCH,
        /** A well-formed header of a version or flavour newer than this reader knows. */
        TOO_NEW,
        /** A type or opcode this reader does not know how to read. */
        UNSUPPORTED,
        /** Not an RDB file at all. */
        NOT_RDB,
        /**
         * A structure bigger than this reader holds in memory with the heap it was given (the
         * file may be sound; a decompression bomb ends up here or as DAMAGED).
         */
        TOO_LARGE
    }

    private final Kind kind;
    private final long offset;
    private final int db;
    private final String key;
    private final String detail;

    RdbException(Kind kind, long offset, int db, String key, String detail) {
        super(compose(offset, db, key, detail), null, false, false);
        this.kind = kind;
        this.offset = offset;
        this.db = db;
        this.key = key;
        this.detail = detail;
    }

    private static String compose(long offset, int db, String key, String detail) {
        StringBuilder sb = new StringBuilder();
        sb.append("at byte ").append(offset);
        if (key != null) {
            sb.append(", in key \"").append(key).append("\" (db ").append(db).append(')');
        }
        sb.append(": ").append(detail);
        return sb.toString();
    }

    public Kind kind() {
        return kind;
    }

    /** Byte offset in the file where the problem was found. */
    public long offset() {
        return offset;
    }

    /** Database of the key being read, or -1. */
    public int db() {
        return db;
    }

    /** Printable-escaped name of the key being read, or null outside a key. */
    public String key() {
        return key;
    }

    /** What was expected and what was found, without the location. */
    public String detail() {
        return detail;
    }

    /** What the user can do about it. */
    public String advice() {
        return switch (kind) {
            case TRUNCATED -> "The file is incomplete (interrupted copy or save, or full disk). "
                    + "Use an earlier copy; keys before this offset are intact.";
            case CHECKSUM_MISMATCH -> "The content does not match its checksum: some bytes changed after "
                    + "Redis wrote it. Do not load it; use another copy.";
            case TOO_NEW -> "Upgrade redback, or check the file with the server release that wrote it.";
            case UNSUPPORTED -> "This part of the format is not understood by this redback release; "
                    + "please report it together with the server version that wrote the file.";
            case NOT_RDB -> "Give the path of an RDB file (it starts with REDIS or VALKEY).";
            case TOO_LARGE -> "Check it with a larger heap (REDBACK_JAVA_OPTS=-Xmx4g, or more); a file that "
                    + "claims far more than its own size may also be hostile.";
            case DAMAGED -> "The file is damaged from this offset on. Redis would refuse to load it; "
                    + "use another copy (keys before this offset are intact).";
        };
    }
}
