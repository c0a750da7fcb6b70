package io.redback.restore;

import java.util.Locale;

/**
 * The phases of a restore, in the order they run, as a drill times them: fetch (bring the data
 * out of the repository), verify (sizes, SHA-256, the RDB read whole), load (a redis-server
 * starts on the result, until it answers PING with {@code loading:0}), replay (the log up to
 * the cut) and validate (what was loaded against what the restored point holds). A restore
 * runs the phases it needs; each result says how long each of them took. Where the RDB is
 * checked beside its download (a snapshot restored to a directory), verify is the time the
 * check ran past the end of the fetch, so the phases still add up to the restore's time.
 */
public enum Phase {
    FETCH, VERIFY, LOAD, REPLAY, VALIDATE;

    /** {@code fetch}, {@code verify}, ...: the name JSON output and drill records use. */
    public String jsonName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
