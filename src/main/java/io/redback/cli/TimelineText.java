package io.redback.cli;

import io.redback.repo.SegmentManifest;
import io.redback.repo.Timeline;
import java.time.Duration;
import java.time.Instant;

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
        Instant at = t.start().time();
        for (SegmentManifest s : t.segments()) {
            if (s.endOffset() <= g.afterOffset() && s.lastArrival().isAfter(at)) {
                at = s.lastArrival();
            }
        }
        return at;
    }

    /** When the first byte after the gap arrived (the segment that starts there), or null. */
    static Instant after(Timeline t, Timeline.Gap g) {
        for (SegmentManifest s : t.segments()) {
            if (s.startOffset() >= g.upToOffset()) {
                return s.firstArrival();
            }
        }
        return null;
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
    static GapJson gapJson(Timeline t, Timeline.Gap g) {
        Instant after = after(t, g);
        return new GapJson(g.afterOffset(), g.upToOffset(), g.bytes(), g.bytes() == 0, before(t, g).toString(),
                after == null ? null : after.toString(), gap(t, g));
    }

    /** A gap (or overlap) in a timeline's log; {@code firstArrivalAfter} is null when no segment follows it. */
    record GapJson(long afterOffset, long upToOffset, long bytes, boolean overlap, String lastArrivalBefore,
                   String firstArrivalAfter, String message) {
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
    static PrunedJson prunedJson(Timeline t) {
        if (!t.isTrimmed()) {
            return null;
        }
        Timeline.Start start = t.start();
        return new PrunedJson(start.snapshot().toString(), start.offset(), start.time().toString(), t.logStart(),
                t.pruned().prunedAt().toString());
    }

    /** Where a trimmed timeline is restorable from now, and when prune removed the log before it. */
    record PrunedJson(String snapshot, long offset, String time, long logStart, String prunedAt) {
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
