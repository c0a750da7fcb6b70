package io.redback.pitr;

import io.redback.aof.AofTime;
import io.redback.aof.CutPoint;
import io.redback.repo.NoSingleSourceException;
import io.redback.repo.Repository;
import io.redback.repo.SegmentManifest;
import io.redback.repo.SnapshotManifest;
import io.redback.repo.StreamStatus;
import io.redback.repo.Timeline;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Plans a point-in-time restore of one source: finds the timeline and the window of it that
 * holds the point (the newest such timeline, or the one named), reads the log from a snapshot
 * until the cut (verifying what it reads), and returns the {@link Plan}: the newest snapshot of
 * the window at or before the cut and the segments to replay from it. Points are
 * {@link CutPoint}s with the semantics of {@code redback aof cut}, in replication offsets:
 * {@code At} keeps every command whose {@code #TS} second is at or before the time (the state at
 * the end of that second, where {@code redis-check-aof --truncate-to-timestamp} cuts);
 * {@code Offset} cuts at a replication offset (inside a command: rounded down to its start);
 * {@code Before} stops just before the first matching command. A cut never splits a MULTI/EXEC.
 * A point that no window holds is refused with the windows there are.
 */
public final class Planner {
    private final Repository repository;

    public Planner(Repository repository) {
        this.repository = repository;
    }

    /**
     * A replication offset as typed ({@code 123456}, {@code 123_456} or {@code 123,456}).
     *
     * @throws IllegalArgumentException if it is not one
     */
    public static CutPoint.Offset parseOffset(String text) {
        String digits = text == null ? "" : text.strip().replace(",", "").replace("_", "");
        if (digits.isEmpty() || digits.length() > 18 || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new IllegalArgumentException("'" + text + "' is not a replication offset; expected a number such as "
                    + "123456 (as `redback restore --dry-run` and the segment names show them)");
        }
        return new CutPoint.Offset(null, Long.parseLong(digits));
    }

    /**
     * The source a restore is about: name when given, else the only source with a log.
     *
     * @throws RestoreException NOT_FOUND when there is none or several
     */
    public String source(String name) throws IOException, RestoreException {
        try {
            return repository.onlySource(name, Repository.Holding.LOG);
        } catch (NoSingleSourceException e) {
            throw new RestoreException(RestoreException.Kind.NOT_FOUND, e.candidates().isEmpty() ? "no source in "
                    + repository.describe() + " has a log to restore from: `redback stream` ships one; without it, "
                    + "restore a snapshot with --snapshot" : e.getMessage());
        }
    }

    /** The restorable windows of source, oldest first. */
    public List<Window> windows(String source) throws IOException {
        List<Window> out = new ArrayList<>();
        List<SnapshotManifest> snapshots = repository.catalog().snapshots(source);
        Optional<StreamStatus> status = repository.timelines().status(source);
        for (Timeline t : repository.timelines().of(source)) {
            for (Run r : Run.of(t, snapshots, status.flatMap(st -> st.caughtUpUntil(t)))) {
                if (r.window != null) {
                    out.add(r.window);
                }
            }
        }
        return out;
    }

    /**
     * Plans the restore of source to point, in the timeline whose id starts with timeline (null:
     * the newest timeline whose window holds the point).
     *
     * @throws RestoreException when the point cannot be restored (outside every window, in a
     *     gap, no command matches) or the data read is damaged
     * @throws IOException when the repository cannot be read
     */
    public Plan plan(String source, CutPoint point, String timeline) throws IOException, RestoreException {
        List<Timeline> timelines = timeline != null ? List.of(repository.timelines().find(source, timeline))
                : repository.timelines().of(source);
        if (timelines.isEmpty()) {
            throw new RestoreException(RestoreException.Kind.NOT_FOUND, "source " + source + " has no log in "
                    + repository.describe() + ": `redback stream` ships one; without it, restore a snapshot with "
                    + "--snapshot");
        }
        List<SnapshotManifest> snapshots = repository.catalog().snapshots(source);
        Optional<StreamStatus> status = repository.timelines().status(source);
        List<List<Run>> runs = new ArrayList<>();
        for (Timeline t : timelines) {
            runs.add(Run.of(t, snapshots, status.flatMap(st -> st.caughtUpUntil(t))));
        }
        Candidates c = new Candidates(source, point, timelines, runs);
        if (point instanceof CutPoint.At at) {
            return planAt(c, at);
        }
        if (point instanceof CutPoint.Offset offset) {
            return planOffset(c, offset);
        }
        return planBefore(c, (CutPoint.Before) point);
    }

    /** The timelines considered and their runs, newest timeline first. */
    private record Candidates(String source, CutPoint point, List<Timeline> timelines, List<List<Run>> runs) {
        List<Run> newestFirst() {
            List<Run> out = new ArrayList<>();
            for (int i = runs.size() - 1; i >= 0; i--) {
                List<Run> rs = runs.get(i);
                for (int k = rs.size() - 1; k >= 0; k--) {
                    out.add(rs.get(k));
                }
            }
            return out;
        }

        List<Window> windows() {
            List<Window> out = new ArrayList<>();
            for (List<Run> rs : runs) {
                for (Run r : rs) {
                    if (r.window != null) {
                        out.add(r.window);
                    }
                }
            }
            out.sort(Comparator.comparing(Window::fromTime));
            return out;
        }
    }

    // ------------------------------------------------------------------ --at

    private Plan planAt(Candidates c, CutPoint.At at) throws IOException, RestoreException {
        long t = at.time();
        for (Run run : c.newestFirst()) {
            if (run.window == null || !run.window.holdsSecond(t)) {
                continue;
            }
            SegmentManifest candidate = run.segments.stream()
                    .filter(s -> s.endOffset() > run.window.fromOffset() && s.lastArrival().getEpochSecond() > t)
                    .findFirst().orElse(null);
            long limit = candidate == null ? run.end : candidate.startOffset();
            SnapshotManifest start = run.newestAtOrBefore(limit).orElse(run.snapshots.get(0));
            return plan(c, run, new LogScan(repository.storage(), run, start, at).run());
        }
        Optional<Timeline> spanning = c.timelines().stream().filter(tl -> {
            Instant last = tl.segments().isEmpty() ? tl.manifest().startedAt()
                    : tl.segments().get(tl.segments().size() - 1).lastArrival();
            return tl.manifest().startedAt().getEpochSecond() <= t && t <= last.getEpochSecond();
        }).reduce((a, b) -> b);
        throw refusal(c, "--at " + AofTime.iso(t), spanning, Instant.ofEpochSecond(t), -1);
    }

    // ------------------------------------------------------------------ --offset

    private Plan planOffset(Candidates c, CutPoint.Offset offset) throws IOException, RestoreException {
        long n = offset.offset();
        for (Run run : c.newestFirst()) {
            if (run.window == null || !run.window.holdsOffset(n)) {
                continue;
            }
            SnapshotManifest start = run.newestAtOrBefore(n).orElseThrow();
            return plan(c, run, new LogScan(repository.storage(), run, start, offset).run());
        }
        Optional<Timeline> spanning = c.timelines().stream()
                .filter(tl -> tl.manifest().startOffset() <= n && n <= tl.endOffset()).reduce((a, b) -> b);
        throw refusal(c, "--offset " + n, spanning, null, n);
    }

    // ------------------------------------------------------------------ --before

    private Plan planBefore(Candidates c, CutPoint.Before before) throws IOException, RestoreException {
        long after = before.after();
        for (int i = c.runs().size() - 1; i >= 0; i--) {
            for (Run run : c.runs().get(i)) {
                if (run.window == null || (after >= 0 && run.window.toTime().getEpochSecond() < after)) {
                    continue;
                }
                SnapshotManifest start = run.snapshots.get(0);
                if (after >= 0) {
                    Optional<SegmentManifest> candidate = run.segments.stream()
                            .filter(s -> s.endOffset() > run.window.fromOffset()
                                    && s.lastArrival().getEpochSecond() >= after)
                            .findFirst();
                    if (candidate.isEmpty()) {
                        continue;
                    }
                    start = run.newestAtOrBefore(candidate.get().startOffset()).orElse(start);
                }
                LogScan scan = new LogScan(repository.storage(), run, start, before).run();
                if (scan.found) {
                    return plan(c, run, scan);
                }
            }
        }
        List<Window> windows = c.windows();
        throw new RestoreException(RestoreException.Kind.NO_MATCH, "no command matches '" + before.pattern() + "'"
                + (after >= 0 ? " at or after " + AofTime.iso(after) : "") + " in the restorable log of source "
                + c.source() + (windows.isEmpty() ? " (it has no restorable window)" : " (" + describe(windows) + ")")
                + "; nothing was restored", windows, null);
    }

    // ------------------------------------------------------------------ the plan

    private Plan plan(Candidates c, Run run, LogScan scan) throws RestoreException {
        long cut = scan.cut;
        SnapshotManifest snapshot = null;
        for (SnapshotManifest m : run.snapshots) {
            if (m.replicationOffset() <= cut && scan.at(m.replicationOffset()) != null) {
                snapshot = m; // the newest snapshot the scan passed at a clean boundary
            }
        }
        if (snapshot == null) {
            throw new IllegalStateException("no snapshot at or before offset " + cut + " was passed by the scan");
        }
        List<String> notes = new ArrayList<>(scan.notes);
        for (SnapshotManifest m : run.snapshots) {
            long o = m.replicationOffset();
            if (o > snapshot.replicationOffset() && o <= cut && scan.at(o) == null) {
                notes.add("snapshot " + m.id() + " (offset " + o + ") is not at a command boundary outside a "
                        + "transaction of the log; not used");
            }
        }
        LogScan.Checkpoint from = scan.at(snapshot.replicationOffset());
        LogScan.Checkpoint to = scan.at(cut);
        long fromOffset = snapshot.replicationOffset();
        Instant cutTime = cut == fromOffset ? run.timeOf(snapshot)
                : run.holding(cut).map(s -> s.arrivalOf(cut)).orElse(run.timeOf(snapshot));
        if (cut == fromOffset) {
            notes.add("nothing of the log is replayed: the restore is snapshot " + snapshot.id() + " alone");
        }
        if (scan.stopTime >= 0 && c.point() instanceof CutPoint.At) {
            notes.add("the log goes on with commands of " + AofTime.iso(scan.stopTime) + " (its next #TS second); "
                    + "they are not kept");
        }
        return new Plan(c.source(), c.point(), run.timeline.id(), run.window, snapshot, run.between(fromOffset, cut), cut,
                cutTime, scan.adjustment, scan.matched, from.db(), from.time(), to.commands() - from.commands(),
                to.dropped() - from.dropped(), notes);
    }

    // ------------------------------------------------------------------ refusals

    private static RestoreException refusal(Candidates c, String what, Optional<Timeline> spanning, Instant time,
                                            long offset) {
        List<Window> windows = c.windows();
        if (windows.isEmpty()) {
            return new RestoreException(RestoreException.Kind.NOT_FOUND, what + ": source " + c.source()
                    + " has no restorable window (no timeline has a snapshot it can start from)", windows, null);
        }
        if (spanning.isPresent() && !spanning.get().gaps().isEmpty()) {
            Timeline t = spanning.get();
            StringBuilder gaps = new StringBuilder();
            for (Timeline.Gap g : t.gaps()) {
                gaps.append(gaps.length() == 0 ? "" : ", ").append("offsets ").append(g.afterOffset() + 1).append("..")
                        .append(g.upToOffset());
            }
            return new RestoreException(RestoreException.Kind.GAP, what + " lies in timeline " + t.id()
                    + " beyond a gap in its log (" + gaps + " never reached the repository) and no snapshot of the "
                    + "timeline lies between the gap and the point, so it cannot be restored. Restorable: "
                    + describe(windows) + nearest(windows, time, offset), windows, null);
        }
        Window first = windows.get(0);
        Window last = windows.stream().max(Comparator.comparing(Window::toTime)).orElseThrow();
        String where = time != null
                ? (time.getEpochSecond() < first.fromTime().getEpochSecond() ? "before the earliest"
                : time.getEpochSecond() > last.toTime().getEpochSecond() ? "after the latest" : "between the")
                : "outside the";
        return new RestoreException(RestoreException.Kind.OUTSIDE_WINDOW, what + " is " + where
                + " restorable points of source " + c.source() + prunedBefore(spanning, time, offset) + ". Restorable: "
                + describe(windows) + nearest(windows, time, offset), windows, null);
    }

    /** Why a point inside a timeline but before its start is not restorable: prune removed the log there. */
    private static String prunedBefore(Optional<Timeline> spanning, Instant time, long offset) {
        if (spanning.isEmpty() || !spanning.get().isTrimmed()) {
            return "";
        }
        Timeline t = spanning.get();
        Timeline.Start start = t.start();
        boolean before = time != null ? time.getEpochSecond() < start.time().getEpochSecond() : offset < start.offset();
        return before ? " (prune removed timeline " + t.id() + "'s log before its snapshot " + start.snapshot()
                + " on " + t.pruned().prunedAt().truncatedTo(java.time.temporal.ChronoUnit.SECONDS) + ")" : "";
    }

    private static String describe(List<Window> windows) {
        StringBuilder sb = new StringBuilder();
        for (Window w : windows) {
            sb.append(sb.length() == 0 ? "" : "; ").append("timeline ").append(w.timeline()).append(" from ")
                    .append(w.describe());
        }
        return sb.toString();
    }

    /** The latest restorable point before and the earliest after, as options to type. */
    private static String nearest(List<Window> windows, Instant time, long offset) {
        Window before = null;
        Window after = null;
        for (Window w : windows) {
            boolean isBefore = time != null ? !w.toTime().isAfter(time) : w.toOffset() < offset;
            boolean isAfter = time != null ? w.fromTime().isAfter(time) : w.fromOffset() > offset;
            if (isBefore && (before == null || w.toTime().isAfter(before.toTime()))) {
                before = w;
            }
            if (isAfter && (after == null || w.fromTime().isBefore(after.fromTime()))) {
                after = w;
            }
        }
        StringBuilder sb = new StringBuilder();
        if (before != null) {
            sb.append(". Nearest before: --at ").append(AofTime.iso(before.toTime().getEpochSecond()))
                    .append(" or --offset ").append(before.toOffset()).append(" (timeline ").append(before.timeline())
                    .append(')');
        }
        if (after != null) {
            sb.append(before == null ? ". Nearest after: --at " : "; nearest after: --at ")
                    .append(AofTime.iso(after.fromTime().getEpochSecond()))
                    .append(" or --offset ").append(after.fromOffset()).append(" (timeline ").append(after.timeline())
                    .append(')');
        }
        return sb.toString();
    }
}
