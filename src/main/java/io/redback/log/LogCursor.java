package io.redback.log;

import io.redback.resp.RespCommand;

/**
 * Where a command log stands after each item read from it: the database selected (SELECT), the
 * last {@code #TS} second, and the MULTI/EXEC transaction open. Every reader of a command log
 * (an AOF file, a shipped segment, a segment being filled) follows the log through one cursor,
 * so they all agree on what a command applies to. A transaction may be open when a log is
 * picked up (a segment that starts inside one): {@link #LogCursor(int, long, long)} takes it.
 *
 * <p>The cursor never refuses a command: a MULTI inside an open transaction starts a new one and
 * an EXEC without a MULTI closes nothing; {@link #unpaired()} says so for the command just
 * followed, for the readers that treat it as damage. An invalid SELECT leaves the database as
 * it is, as Redis does (the loader discards the error it answers).
 */
public final class LogCursor {
    private int db;
    private long time;
    private long multiStart;
    private long txStart = -1;
    private long queued;
    private Tx tx = Tx.NONE;
    private boolean unpaired;

    /** A log read from its start: db 0, no time known, no transaction open. */
    public LogCursor() {
        this(0, -1, -1);
    }

    /**
     * A log picked up where db is selected, time (unix seconds, -1 unknown) the last {@code #TS},
     * and the transaction whose MULTI starts at multiStart is open (-1: none).
     */
    public LogCursor(int db, long time, long multiStart) {
        this.db = db;
        this.time = time;
        this.multiStart = multiStart;
    }

    /** A {@code #TS} line: the commands after it arrived in that second. */
    public void timestamp(long seconds) {
        time = seconds;
    }

    /**
     * Follows one command that starts at position start (a file offset or a replication
     * offset, whichever the caller counts in); returns its part in a transaction.
     */
    public Tx command(RespCommand c, long start) {
        unpaired = false;
        if (c.argEqualsIgnoreCase(0, "MULTI")) {
            unpaired = multiStart >= 0;
            multiStart = start;
            txStart = start;
            queued = 0;
            return tx = Tx.MULTI;
        }
        if (c.argEqualsIgnoreCase(0, "EXEC")) {
            unpaired = multiStart < 0;
            txStart = multiStart < 0 ? start : multiStart;
            multiStart = -1;
            return tx = Tx.EXEC;
        }
        if (c.argCount() >= 2 && c.argEqualsIgnoreCase(0, "SELECT")) {
            select(c.argLong(1, -1));
        }
        if (multiStart >= 0) {
            queued++;
            txStart = multiStart;
            return tx = Tx.QUEUED;
        }
        txStart = start;
        return tx = Tx.NONE;
    }

    /** A SELECT of n (already parsed by the caller): a valid database number moves the cursor, another does not. */
    public void select(long n) {
        if (n >= 0 && n <= Integer.MAX_VALUE) {
            db = (int) n;
        }
    }

    /** The database selected (after a SELECT: the one it selects). */
    public int db() {
        return db;
    }

    /** Unix seconds of the last {@code #TS}, or -1. */
    public long time() {
        return time;
    }

    /** The part of the command just followed in a transaction. */
    public Tx tx() {
        return tx;
    }

    /** Where the MULTI of the transaction open now starts, or -1 (after an EXEC: -1). */
    public long openTransaction() {
        return multiStart;
    }

    /** Where the transaction of the command just followed starts (its MULTI), or the command's own start. */
    public long transactionStart() {
        return txStart;
    }

    /** Commands queued in the transaction open now. */
    public long queued() {
        return queued;
    }

    /** Whether the command just followed was a MULTI inside an open transaction, or an EXEC with none open. */
    public boolean unpaired() {
        return unpaired;
    }
}
