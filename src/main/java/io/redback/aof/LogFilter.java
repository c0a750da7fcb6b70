package io.redback.aof;

import io.redback.resp.RespCommand;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
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

    /** The filter compiled for matching many commands (the limit is the caller's to count). */
    public Matcher matcher() {
        return new Matcher(this);
    }

    /**
     * A compiled {@link LogFilter}: whether one command passes, given the database it applies to
     * and its time (unix seconds, -1 unknown). Shared by {@code aof log} and the repository's
     * {@code log}, which read commands from different places.
     */
    public static final class Matcher {
        private final List<Glob> names = new ArrayList<>();
        private final Integer db;
        private final Glob key;
        private final long since;
        private final long until;

        private Matcher(LogFilter f) {
            for (String n : f.commands()) {
                names.add(new Glob(n.getBytes(StandardCharsets.UTF_8), true));
            }
            db = f.db();
            key = f.key() == null ? null : new Glob(f.key().getBytes(StandardCharsets.UTF_8), false);
            since = f.since() == null ? -1 : f.since();
            until = f.until() == null ? -1 : f.until();
        }

        /** Whether command {@code r}, applied to database {@code commandDb} at {@code time}, passes. */
        public boolean matches(RespCommand r, int commandDb, long time) {
            if (!names.isEmpty() && names.stream().noneMatch(g -> r.retained(0)
                    && g.matches(r.data(), r.dataOffset(0), (int) r.argLength(0)))) {
                return false;
            }
            if (db != null && commandDb != db) {
                return false;
            }
            if ((since >= 0 || until >= 0) && (time < 0 || (since >= 0 && time < since)
                    || (until >= 0 && time > until))) {
                return false;
            }
            if (key != null) {
                int k = KeyArgs.first(r);
                if (k < 0 || !(r.retained(k) ? key.matches(r.data(), r.dataOffset(k), (int) r.argLength(k))
                        : key.matchesEverything())) {
                    return false;
                }
            }
            return true;
        }
    }
}
