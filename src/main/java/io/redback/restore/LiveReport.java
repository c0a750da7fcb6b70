package io.redback.restore;

import java.util.List;
import java.util.Map;

/**
 * What a restore into a running server did (or, for a dry run, would do): the outcome, counts of
 * keys restored, skipped (the target's kept), failed, expired (deadline passed, not sent) and left
 * out by the filters; conflicts (keys the target already held when it was asked); keys that only
 * a lossy conversion could write; functions; bytes sent; connections reopened and commands sent
 * again; and the first keys of each list (at most
 * {@link #LIST_LIMIT}), with a sample of the keys to write.
 */
public record LiveReport(Outcome outcome, String message, String target, long planned, long restored, long skipped,
                         long failed, long expired, long filteredOut, long conflicts, long lossy, long functionsRestored,
                         long functionsSkipped, long valueBytes, long sentBytes, long reconnects, long retries,
                         long elapsedMs,
                         Map<Integer, Long> plannedPerDb, List<KeyRef> skippedKeys, List<KeyRef> failedKeys,
                         List<KeyRef> conflictKeys, List<KeyRef> lossyKeys, List<KeyRef> sampleKeys) {
    /** The most keys a report lists per kind. */
    public static final int LIST_LIMIT = 100;

    /** How a restore ended. */
    public enum Outcome {
        /** Every selected key was sent; see {@link #failed()} for refusals of single keys. */
        RESTORED,
        /** A dry run: nothing was written. */
        PLANNED,
        /** Refused before writing anything (conflicts with --on-conflict fail, lossy keys, a target too old). */
        REFUSED,
        /** The source is damaged; {@link #restored()} says how much was written before it was found (0 in the pre-scan). */
        DAMAGED,
        /** The target refused to go on (out of memory, read-only, no permission); what was written stays. */
        STOPPED
    }

    /** A key named in a report: target database, printable name, why. */
    public record KeyRef(int db, String key, String reason) {}

    public LiveReport {
        plannedPerDb = Map.copyOf(plannedPerDb);
        skippedKeys = List.copyOf(skippedKeys);
        failedKeys = List.copyOf(failedKeys);
        conflictKeys = List.copyOf(conflictKeys);
        lossyKeys = List.copyOf(lossyKeys);
        sampleKeys = List.copyOf(sampleKeys);
    }

    /** Keys to write that the target does not hold (conflicts asked or not), for a plan to show. */
    public long toWrite() {
        return planned - conflicts;
    }

    /** Whether everything asked for is in place: restored (or planned) with no key failed. */
    public boolean ok() {
        return (outcome == Outcome.RESTORED || outcome == Outcome.PLANNED) && failed == 0;
    }
}
