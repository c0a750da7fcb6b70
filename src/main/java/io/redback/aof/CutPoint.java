package io.redback.aof;

/**
 * Where {@link AofCutter} cuts the log. The cut always falls on a command boundary outside a
 * MULTI/EXEC block: a point inside a transaction moves back to just before its MULTI, so that a
 * transaction is kept whole or not at all. Only the command history is cut (incr files, or the
 * commands after an RDB preamble); a base file is a snapshot and is always kept whole.
 */
public sealed interface CutPoint {
    /** What the cut was asked to be, for reports ("--at 2026-11-22T10:15:00Z"). */
    String describe();

    /**
     * Keep every command whose {@code #TS} time is at or before {@code time} (unix seconds): cut
     * at the first {@code #TS} annotation line later than it, where
     * {@code redis-check-aof --truncate-to-timestamp} cuts. The one difference: when that line
     * lies inside a MULTI/EXEC block, redis-check-aof leaves the MULTI open (for Redis to roll
     * back on load) and this cut moves before it.
     */
    record At(long time) implements CutPoint {
        @Override
        public String describe() {
            return "--at " + AofTime.iso(time);
        }
    }

    /**
     * Cut at byte {@code offset} of the named incr file (by file name; null: the last incr file,
     * or the only file). An offset that is not a command boundary is rounded down to the
     * previous one.
     */
    record Offset(String file, long offset) implements CutPoint {
        public Offset {
            if (offset < 0) {
                throw new IllegalArgumentException("a byte offset cannot be negative: " + offset);
            }
        }

        /**
         * Parses {@code N} or {@code FILE:N} (the form {@code redback aof log} prints).
         *
         * @throws IllegalArgumentException if it is neither
         */
        public static Offset parse(String text) {
            int colon = text.lastIndexOf(':');
            String file = colon < 0 ? null : text.substring(0, colon);
            String number = (colon < 0 ? text : text.substring(colon + 1)).replace(",", "").replace("_", "");
            if (number.isEmpty() || !number.chars().allMatch(c -> c >= '0' && c <= '9') || number.length() > 18
                    || (file != null && file.isEmpty())) {
                throw new IllegalArgumentException("'" + text + "' is not a byte offset; expected N or FILE:N "
                        + "(as redback aof log prints it, e.g. appendonly.aof.1.incr.aof:48213)");
            }
            return new Offset(file, Long.parseLong(number));
        }

        @Override
        public String describe() {
            return "--offset " + (file == null ? "" : file + ":") + offset;
        }
    }

    /**
     * Stop just before the first command matching {@code pattern} whose time is at or after
     * {@code after} (unix seconds; -1: from the start; a command without a known time never
     * counts as after a time).
     */
    record Before(CommandPattern pattern, long after) implements CutPoint {
        public Before {
            if (pattern == null) {
                throw new IllegalArgumentException("--before needs a command pattern");
            }
        }

        @Override
        public String describe() {
            return "--before '" + pattern + "'" + (after < 0 ? "" : " --after " + AofTime.iso(after));
        }
    }
}
