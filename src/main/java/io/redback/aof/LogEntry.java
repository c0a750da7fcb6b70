package io.redback.aof;

import io.redback.log.Tx;
import io.redback.resp.RespCommand;
import java.util.List;

/**
 * One command as {@code redback aof log} lists it: the file and byte offset it starts at, its
 * length, its index in the file, the database it applies to, its {@code #TS} time (unix
 * seconds, -1 unknown), its part in a MULTI/EXEC block, the name as written, the argument count,
 * the first arguments and first key escaped and shortened, a one-line rendering, and for
 * FLUSHALL and FLUSHDB the {@code redback aof cut} options that restore the moment before it
 * ({@code cutHint}, null otherwise).
 */
public record LogEntry(
        String file,
        long offset,
        long length,
        long index,
        int db,
        long time,
        Tx tx,
        String command,
        int argc,
        List<String> args,
        String key,
        String text,
        List<String> cutHint) {

    /**
     * The entry for command {@code r} (which starts at {@code offset} of {@code file}): its
     * name, first arguments and first key escaped and shortened the way every log shows them.
     */
    public static LogEntry of(String file, long offset, long index, int db, long time, Tx tx,
                              RespCommand r, List<String> cutHint) {
        int k = KeyArgs.first(r);
        return new LogEntry(file, offset, r.length(), index, db, time, tx, CommandText.arg(r, 0, 64), r.argCount(),
                CommandText.args(r, AofLog.MAX_ARGS, AofLog.MAX_ARG_CHARS),
                k < 0 ? null : CommandText.arg(r, k, AofLog.MAX_ARG_CHARS), CommandText.line(r, AofLog.LINE_WIDTH),
                cutHint);
    }

    /** Whether it runs inside a MULTI/EXEC block (MULTI and EXEC included). */
    public boolean inTransaction() {
        return tx != Tx.NONE;
    }

    /** {@code appendonly.aof.1.incr.aof:48213}: what {@code aof cut --offset} takes. */
    public String position() {
        return file + ":" + offset;
    }
}
