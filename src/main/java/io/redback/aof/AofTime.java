package io.redback.aof;

import io.redback.time.TimeGrammar;
import java.time.Instant;

/**
 * Times as the AOF commands print them. Redis's {@code #TS:} annotations are whole unix seconds.
 * A time typed on the command line is read by {@link TimeGrammar}, the one grammar of every
 * option that takes a time.
 */
public final class AofTime {
    private AofTime() {
    }

    /** {@code 2026-11-22T10:15:00Z}, or "-" for an unknown time (negative). */
    public static String iso(long seconds) {
        return seconds < 0 ? "-" : Instant.ofEpochSecond(seconds).toString();
    }
}
