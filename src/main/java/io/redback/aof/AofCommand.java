package io.redback.aof;

import io.redback.log.Tx;
import io.redback.resp.RespCommand;

/**
 * One command of an AOF as {@link AofReader} delivers it: a reusable view, valid until the next
 * call to {@link AofReader#next()}. Besides the arguments ({@link #resp()} gives the raw view
 * with byte offsets) it carries what only the position in the file tells: the command's index,
 * the database it applies to, the time of the last {@code #TS} annotation, and its role in a
 * MULTI/EXEC transaction.
 */
public final class AofCommand {
    final RespCommand resp = new RespCommand();
    long index;
    int db;
    long time = -1;
    Tx tx = Tx.NONE;

    AofCommand() {
    }

    /** The raw view: arguments with their byte offsets and lengths. */
    public RespCommand resp() {
        return resp;
    }

    /** 0 for the first command of the file. */
    public long index() {
        return index;
    }

    /** Offset of the command's first byte in the file. */
    public long offset() {
        return resp.offset();
    }

    /** Bytes the command occupies (from {@code *} to its last CRLF). */
    public long length() {
        return resp.length();
    }

    /** Offset just after the command. */
    public long end() {
        return resp.end();
    }

    /**
     * The database the command applies to: the one selected by the last valid SELECT before it
     * in this file, or 0 (Redis loads every file of a multi-part AOF with a fresh client). For a
     * SELECT, the database it selects.
     */
    public int db() {
        return db;
    }

    /** Unix seconds of the last {@code #TS} annotation before the command, or -1 if none. */
    public long time() {
        return time;
    }

    public boolean hasTime() {
        return time >= 0;
    }

    public Tx tx() {
        return tx;
    }

    /** Whether Redis runs this command as part of a MULTI/EXEC block (MULTI and EXEC included). */
    public boolean inTransaction() {
        return tx != Tx.NONE;
    }

    public int argCount() {
        return resp.argCount();
    }

    /** A copy of argument {@code i} (0 is the command name). */
    public byte[] arg(int i) {
        return resp.arg(i);
    }

    /** Argument {@code i} as UTF-8 text. */
    public String argString(int i) {
        return resp.argString(i);
    }

    /** The command name as written (Redis writes it as the client sent it, in any case). */
    public String name() {
        return resp.argString(0);
    }

    /** Whether the command name is {@code ascii}, ignoring case. */
    public boolean is(String ascii) {
        return resp.argEqualsIgnoreCase(0, ascii);
    }

    @Override
    public String toString() {
        return "#" + index + " @" + offset() + " db " + db + (tx == Tx.NONE ? "" : " " + tx) + ": " + resp;
    }
}
