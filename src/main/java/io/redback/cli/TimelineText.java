package io.redback.cli;

import io.redback.repo.Timeline;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How the repository commands ({@code log}, {@code status}, {@code check --repo}) describe
 * timelines to people: a gap with its offsets and the arrival times around it, a recovery
 * window, and ages ("3h 5m ago").
 */
final class TimelineText {
    private TimelineText() {
    }

    /** When the last byte before the gap arrived: the end of the segment before it, else the timeline's start. */
    static Instant before(Timeline t, Timeline.Gap g) {
        return t.arrivalBefore(g);
    }

    /** When the first byte after the gap arrived (the segment that starts there), or null. */
    static Instant after(Timeline t, Timeline.Gap g) {
        return t.arrivalAfter(g);
    }

    /**
     * {@code offsets 1001..2000 missing (1,000 bytes) between 2026-11-22T03:15:02Z and
     * 2026-11-22T03:15:09Z} (the bytes after offset 1000 up to and including 2000, as restore
     * names them; restores can reach offset 1000), or for segments that overlap, where.
     */
    static String gap(Timeline t, Timeline.Gap g) {
        if (g.bytes() == 0) {
            return "segments overlap at offset " + g.afterOffset() + " (two segments hold the same offsets): "
                    + "the log there is ambiguous";
        }
        Instant after = after(t, g);
        return "offsets " + (g.afterOffset() + 1) + ".." + g.upToOffset() + " missing (" + BackupCli.count(g.bytes())
                + " bytes) between " + second(before(t, g)) + " and " + (after == null ? "?" : second(after));
    }

    /** The gap as JSON: offsets, bytes, the times around it, the sentence. */
    static Map<String, Object> gapJson(Timeline t, Timeline.Gap g) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("afterOffset", g.afterOffset());
        m.put("upToOffset", g.upToOffset());
        m.put("bytes", g.bytes());
        m.put("overlap", g.bytes() == 0);
        Instant after = after(t, g);
        m.put("lastArrivalBefore", before(t, g).toString());
        m.put("firstArrivalAfter", after == null ? null : after.toString());
        m.put("message", gap(t, g));
        return m;
    }

    /**
     * {@code restorable from snapshot 20261122T091500.000Z-0a0b0c (offset 250000) on: prune removed
     * the log before it on 2026-11-23T03:00:00Z}, for a timeline prune trimmed.
     */
    static String pruned(Timeline t) {
        Timeline.Start start = t.start();
        return "restorable from snapshot " + start.snapshot() + " (offset " + start.offset() + ") on: prune removed "
                + "the log before it on " + second(t.pruned().prunedAt());
    }

    /** What prune did to the timeline as JSON ({@code snapshot}, {@code offset}, {@code time}, {@code logStart}, {@code prunedAt}), or null. */
    static Map<String, Object> prunedJson(Timeline t) {
        if (!t.isTrimmed()) {
            return null;
        }
        Timeline.Start start = t.start();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("snapshot", start.snapshot().toString());
        m.put("offset", start.offset());
        m.put("time", start.time().toString());
        m.put("logStart", t.logStart());
        m.put("prunedAt", t.pruned().prunedAt().toString());
        return m;
    }

    /** An instant to the second: {@code 2026-11-22T03:15:02Z}. */
    static String second(Instant at) {
        return at.truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
    }

    /** {@code 45s}, {@code 4m 12s}, {@code 3h}, {@code 3h 5m}, {@code 2d 3h}: two units at most. */
    static String span(Duration d) {
        long s = Math.max(0, d.getSeconds());
        if (s < 60) {
            return s + "s";
        }
        long[] sizes = {86_400, 3_600, 60, 1};
        String[] units = {"d", "h", "m", "s"};
        for (int i = 0; i < 3; i++) {
            if (s >= sizes[i]) {
                long big = s / sizes[i];
                long small = (s % sizes[i]) / sizes[i + 1];
                return big + units[i] + (small == 0 ? "" : " " + small + units[i + 1]);
            }
        }
        return s + "s";
    }

    /** {@code 3h 5m ago}. */
    static String ago(Instant then, Instant now) {
        return span(Duration.between(then, now)) + " ago";
    }
}
