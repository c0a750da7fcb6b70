package io.redback.aof;

/** What a check of an AOF concluded, which decides what the user does next. */
public enum AofVerdict {
    /** Every byte was read: Redis loads it as it is. */
    VALID("valid"),
    /**
     * Only the end of the last file is incomplete (a command cut short, or a MULTI without its
     * EXEC): Redis loads it with {@code aof-load-truncated yes} by dropping that tail, and
     * {@code check --fix} drops it the same way.
     */
    TRUNCATED_TAIL("truncated-tail"),
    /** Bytes Redis cannot read, a truncated file that is not the last, a bad manifest or a missing file. */
    DAMAGED("damaged"),
    /** An RDB preamble or base of a version or type this release cannot read. */
    UNSUPPORTED("unsupported");

    private final String label;

    AofVerdict(String label) {
        this.label = label;
    }

    /** The name used in JSON and text output. */
    public String label() {
        return label;
    }
}
