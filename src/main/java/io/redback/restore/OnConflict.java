package io.redback.restore;

import java.util.Locale;

/**
 * What a restore into a running server does with a key (or function library) the target
 * already holds: {@code FAIL} refuses the whole restore before anything is written, {@code SKIP}
 * keeps the target's, {@code REPLACE} overwrites it. Never a merge of two collections.
 */
public enum OnConflict {
    FAIL, SKIP, REPLACE;

    /** Parses {@code fail|skip|replace}; IllegalArgumentException with the choices otherwise. */
    public static OnConflict parse(String text) {
        try {
            return valueOf(text.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--on-conflict " + text + ": expected fail (refuse if any key exists), "
                    + "skip (keep the target's) or replace (overwrite it)");
        }
    }
}
