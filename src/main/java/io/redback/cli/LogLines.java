package io.redback.cli;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.redback.aof.AofTime;
import io.redback.aof.LogEntry;
import java.util.List;
import java.util.Locale;

/**
 * How the log commands ({@code aof log}, {@code log}) print a command, so that both look the
 * same: a first column saying where the command is (a file position, or a replication offset),
 * then database, {@code #TS} time, transaction role and the shortened command; JSON Lines with
 * the same fields; and ready-to-paste command lines for the hints under FLUSHALL and FLUSHDB.
 */
final class LogLines {

    private LogLines() {
    }

    /** The column heads after the first one (already padded by the caller). */
    static String header(String firstColumn) {
        return String.format(Locale.ROOT, "%s %3s %-20s %-5s %s", firstColumn, "DB", "TIME", "TX", "COMMAND");
    }

    /** One command under {@link #header}. */
    static String row(String firstColumn, LogEntry e) {
        return String.format(Locale.ROOT, "%s %3d %-20s %-5s %s", firstColumn, e.db(), AofTime.iso(e.time()), tx(e),
                e.text());
    }

    /** {@code -}, {@code multi}, {@code tx} (queued in a transaction) or {@code exec}. */
    static String tx(LogEntry e) {
        return switch (e.tx()) {
            case NONE -> "-";
            case MULTI -> "multi";
            case QUEUED -> "tx";
            case EXEC -> "exec";
        };
    }

    /**
     * The fields every JSON line has, after the caller's position fields: db, time, tx, command,
     * args, key (a line's record holds it with {@code @JsonUnwrapped}).
     */
    @JsonPropertyOrder({"db", "time", "unixTime", "tx", "inMulti", "command", "argc", "args", "key"})
    record CommandJson(int db, String time, Long unixTime, String tx, boolean inMulti, String command, int argc,
                       List<String> args, String key) {
        static CommandJson of(LogEntry e) {
            return new CommandJson(e.db(), e.time() < 0 ? null : AofTime.iso(e.time()), e.time() < 0 ? null : e.time(),
                    e.tx().name().toLowerCase(Locale.ROOT), e.inTransaction(), e.command(), e.argc(), e.args(), e.key());
        }
    }

    /** One JSON line. */
    static String json(Object line) {
        return Json.line(line);
    }

    /**
     * {@code head} followed by the hint's words, shell-quoted; the word after {@code --before} (a
     * command pattern) is always quoted, so that a pasted {@code 'DEL user:*'} stays one word.
     */
    static String commandLine(String head, List<String> hint) {
        StringBuilder sb = new StringBuilder(head);
        for (int i = 0; i < hint.size(); i++) {
            String w = hint.get(i);
            boolean pattern = i > 0 && "--before".equals(hint.get(i - 1));
            sb.append(' ').append(pattern ? ShellQuote.quoteAlways(w) : ShellQuote.quote(w));
        }
        return sb.toString();
    }
}
