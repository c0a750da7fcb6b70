package io.redback.aof;

import java.util.List;

/**
 * Which commands {@link AofLog} lists: command names ({@code --grep}, case-insensitive globs,
 * any of them; empty: all), a database, a glob on the first key argument, a time range (unix
 * seconds, inclusive, at the {@code #TS} second: a command without a known time is outside
 * any range), and how many to list at most (0: no limit). Null means "any".
 */
public record LogFilter(List<String> commands, Integer db, String key, Long since, Long until, long limit) {
    public LogFilter {
        commands = commands == null ? List.of() : List.copyOf(commands);
        if (limit < 0) {
            throw new IllegalArgumentException("--limit must be 0 (no limit) or more, not " + limit);
        }
        if (db != null && db < 0) {
            throw new IllegalArgumentException("--db must be 0 or more, not " + db);
        }
        if (since != null && until != null && since > until) {
            throw new IllegalArgumentException("--since " + AofTime.iso(since) + " is after --until " + AofTime.iso(until));
        }
    }

    /** Every command. */
    public static LogFilter all() {
        return new LogFilter(List.of(), null, null, null, null, 0);
    }
}
