package io.redback.log;

/** A command's part in a MULTI/EXEC transaction, as {@link LogCursor} tells it. */
public enum Tx {
    /** Not in a transaction. */
    NONE,
    /** The MULTI that opens one. */
    MULTI,
    /** A command queued between MULTI and EXEC (Redis runs it at EXEC). */
    QUEUED,
    /** The EXEC that closes one. */
    EXEC
}
