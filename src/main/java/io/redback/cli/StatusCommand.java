package io.redback.cli;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.redback.cluster.ClusterSources;
import io.redback.cluster.ClusterStatus;
import io.redback.drill.DrillResult;
import io.redback.drill.Drills;
import io.redback.repo.Repository;
import io.redback.repo.SegmentManifest;
import io.redback.repo.SnapshotManifest;
import io.redback.storage.Storage;
import io.redback.repo.StreamStatus;
import io.redback.repo.Timeline;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code redback status}: per source, its timelines and recovery windows, whether its stream is
 * running and how far behind it is, and its last snapshot.
 */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = {"Show, for each source in the repository: its timelines (id, start, recovery window from the "
                + "base snapshot, or after a prune the oldest kept one, to the newest restorable write, segments, "
                + "and any GAP in the offsets), the state of its `redback stream` (from the stream.json it rewrites "
                + "about once a second: running, or not "
                + "running since when; the offsets received, durable (fsync'd in its spool) and committed (in the "
                + "repository), each with its lag behind received in bytes and seconds; spool), and its newest "
                + "snapshot; and its last restore drill (`redback drill`: when, verdict, RTO), flagged when there "
                + "is none within --drill-max-age.",
                "",
                "A cluster (--name CLUSTER, or every cluster of the repository without --name): its shards' sources "
                        + "as above, then per shard its newest snapshot, the reach of its log and its stream's lag, "
                        + "and the recovery window common to every shard."},
        footerHeading = "%nExamples:%n",
        footer = {"  redback status --repo /backups/redis",
                "  redback status --name cache-1 --json | jq '.sources[0].stream.lagSeconds'",
                "",
                "A stream whose stream.json is older than 30 s is reported as not running.",
                "Exit codes: 0 shown, 1 a timeline has a gap (or lost its base snapshot), 2 the repository could "
                        + "not be read."})
public final class StatusCommand implements Callable<Integer> {
    /** A stream.json older than this means the stream is not running. */
    static final Duration STALE = Duration.ofSeconds(30);

    @Mixin
    RepoOptions repo;

    @Mixin
    SourceNameOption only;

    @Mixin
    JsonOption output;

    @Mixin
    DrillMaxAgeOption drillAge;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private final Clock clock = Clock.systemUTC();

    /** What is known about one source. */
    record SourceStatus(String source, Optional<StreamStatus> stream, List<Timeline> timelines,
                        List<SnapshotManifest> snapshots, Optional<DrillResult> drill) {
        /** Whether the snapshot t's restores start from (its base, or after a prune its oldest kept one) is there. */
        boolean hasStart(Timeline t) {
            return snapshots.stream().anyMatch(m -> m.id().equals(t.start().snapshot()));
        }

        boolean healthy() {
            return timelines.stream().allMatch(t -> t.gaps().isEmpty() && hasStart(t));
        }

        /**
         * The end of t's window: its last restorable command's arrival, or later, up to when the
         * stream's status vouches nothing more arrived (as restores count it).
         */
        Instant until(Timeline t) {
            Instant last = t.restorableUntil();
            if (t.restorableOffset() != t.endOffset()) {
                return last;
            }
            return stream.flatMap(st -> st.caughtUpUntil(t)).filter(q -> q.isAfter(last)).orElse(last);
        }
    }

    @Override
    public Integer call() {
        PrintWriter out = Terminal.out(spec);
        PrintWriter err = Terminal.err(spec);
        Duration maxAge;
        try {
            maxAge = drillAge.maxAge();
        } catch (IllegalArgumentException e) {
            err.println("redback status: " + e.getMessage());
            return Main.USAGE;
        }
        List<SourceStatus> all = new ArrayList<>();
        List<ClusterStatus> clusters = new ArrayList<>();
        String where;
        try (Storage storage = repo.openStorage()) {
            Repository repository = repo.open(storage);
            where = repository.describe();
            for (String source : repository.sources(only.name)) {
                all.add(status(repository, source));
            }
            boolean nothing = only.name != null && all.get(0).stream().isEmpty() && all.get(0).timelines().isEmpty()
                    && all.get(0).snapshots().isEmpty();
            if (nothing && ClusterSources.isCluster(repository, only.name)) {
                // --name CLUSTER: each of its shards as a source, then the whole
                all.clear();
                for (String source : ClusterSources.shardSources(repository, only.name)) {
                    all.add(status(repository, source));
                }
                clusters.add(ClusterStatus.of(repository, only.name));
                nothing = false;
            } else if (only.name == null) {
                for (String cluster : ClusterSources.names(repository)) {
                    clusters.add(ClusterStatus.of(repository, cluster));
                }
            }
            if (nothing) {
                err.println("redback status: source " + only.name + " has no snapshots, timelines or stream in " + where
                        + " (sources there: " + String.join(", ", repository.sources()) + ")");
                return Main.USAGE;
            }
        } catch (IOException | RuntimeException e) {
            err.println("redback status: " + Text.message(e));
            return Main.USAGE;
        }
        Instant now = clock.instant().truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
        if (output.json) {
            out.println(Json.write(new StatusJson(where, now.toString(),
                    all.stream().map(s -> SourceJson.of(s, now, maxAge)).toList(),
                    clusters.stream().map(c -> ClusterStatusText.json(c, now)).toList())));
        } else if (all.isEmpty()) {
            out.println("no sources in " + where + " yet: `redback backup` takes a snapshot, `redback stream` ships "
                    + "the log");
        } else {
            for (SourceStatus s : all) {
                printSource(out, s, now, maxAge);
            }
            for (ClusterStatus c : clusters) {
                ClusterStatusText.print(out, c, now, repo.repo);
            }
        }
        out.flush();
        return all.stream().allMatch(SourceStatus::healthy) ? Main.OK : Main.PROBLEM;
    }

    private static SourceStatus status(Repository repository, String source) throws IOException {
        return new SourceStatus(source, repository.timelines().status(source), repository.timelines().of(source),
                repository.catalog().snapshots(source), Drills.latest(repository, source));
    }

    // ------------------------------------------------------------------------------------ text

    private void printSource(PrintWriter out, SourceStatus s, Instant now, Duration maxAge) {
        out.println(s.source() + s.stream().map(st -> " (" + st.sourceAddress() + ")").orElse(""));
        out.println("  stream      " + s.stream().map(st -> streamLine(st, now)).orElse(
                "never ran for this source (no stream.json); `redback stream` ships the log"));
        if (s.timelines().isEmpty()) {
            out.println("  timelines   none: no log shipped, so only snapshots can be restored");
        }
        String current = s.stream().map(st -> st.timeline() == null ? null : st.timeline().toString()).orElse(null);
        for (Timeline t : s.timelines()) {
            printTimeline(out, s, t, t.id().toString().equals(current));
        }
        if (s.snapshots().isEmpty()) {
            out.println("  snapshot    none");
        } else {
            SnapshotManifest last = s.snapshots().get(0);
            out.println("  snapshot    " + last.id() + ", " + TimelineText.ago(last.finishedAt(), now) + " ("
                    + Text.size(last.storedSize()) + "; " + s.snapshots().size() + " in all)");
        }
        out.println("  drill       " + drillLine(s.drill(), now, maxAge));
    }

    /** The last drill: when, verdict, RTO; flagged when there is none within maxAge. */
    private static String drillLine(Optional<DrillResult> drill, Instant now, Duration maxAge) {
        if (drill.isEmpty()) {
            return "NONE: no restore drill recorded; `redback drill` proves the backups restore";
        }
        DrillResult d = drill.get();
        Instant at = Instant.parse(d.startedAt());
        return d.verdict() + " " + TimelineText.ago(at, now) + " (" + d.id() + ", RTO "
                + DrillCommand.seconds(d.rtoSeconds()) + ")" + (d.passed() ? "" : ": " + d.problems().size()
                + " problem(s), see the drill") + (Drills.overdue(drill, now, maxAge) ? "; OVERDUE: none within "
                + TimelineText.span(maxAge) : "");
    }

    private static String streamLine(StreamStatus st, Instant now) {
        Instant updated = st.updatedAt();
        String ago = TimelineText.ago(updated, now);
        String state;
        boolean stale = Duration.between(updated, now).compareTo(STALE) > 0;
        boolean stopped = st.state().equals("stopped");
        boolean failed = st.state().equals("failed");
        if (failed) {
            state = "not running (failed " + ago + ", see the message; restart it)";
        } else if (stale) {
            state = "not running (last seen " + ago + (stopped ? ", stopped cleanly"
                    : ", " + st.state() + " then: it did not stop cleanly (killed? host down?)") + ")";
        } else if (stopped) {
            state = "not running (stopped cleanly " + ago + ")";
        } else {
            state = st.state() + " (updated " + ago + ")";
        }
        StringBuilder sb = new StringBuilder(state);
        String lag = st.lagSeconds() == null ? "? s" : String.format(Locale.ROOT, "%.1f s", st.lagSeconds());
        if (st.durableOffset() == null) {
            sb.append(String.format(Locale.ROOT, "%n              received %,d, committed %,d; lag %s, %s; spool %s",
                    st.receivedOffset(), st.committedOffset(), Text.size(st.lagBytes()), lag,
                    Text.size(st.spoolBytes())));
        } else {
            // Each lag is counted from the received offset: what a loss of the spool, or of the host, would cost.
            sb.append(String.format(Locale.ROOT, "%n              received %,d; durable %,d (%s, %.1f s behind); "
                            + "committed %,d (%s, %s behind)%n              spool %s; WAITAOF waits for the %s",
                    st.receivedOffset(), st.durableOffset(), Text.size(st.durableLagBytes()),
                    st.durableLagSeconds() == null ? 0.0 : st.durableLagSeconds(), st.committedOffset(),
                    Text.size(st.lagBytes()), lag, Text.size(st.spoolBytes()), st.durableAt()));
        }
        if (st.message() != null && !st.message().isBlank()) {
            sb.append(String.format("%n              message  %s", st.message()));
        }
        return sb.toString();
    }

    private static void printTimeline(PrintWriter out, SourceStatus s, Timeline t, boolean current) {
        Timeline.Start start = t.start();
        out.println("  timeline    " + t.id() + (current ? " (the stream's)" : "") + ": started "
                + TimelineText.second(t.manifest().startedAt()) + " at offset " + t.manifest().startOffset());
        Instant until = s.until(t);
        out.println("    window    " + TimelineText.second(start.time()) + " .. "
                + TimelineText.second(until) + " (" + TimelineText.span(Duration.between(start.time(), until))
                + "), offsets " + start.offset() + ".." + t.restorableOffset());
        if (t.isTrimmed()) {
            out.println("    pruned    " + TimelineText.pruned(t));
        }
        long stored = t.segments().stream().mapToLong(SegmentManifest::storedSize).sum();
        long raw = t.segments().stream().mapToLong(SegmentManifest::rawSize).sum();
        out.println(String.format(Locale.ROOT, "    segments  %,d, %s stored (%s of log)", t.segments().size(),
                Text.size(stored), Text.size(raw)));
        if (!s.hasStart(t)) {
            out.println("    MISSING   " + (t.isTrimmed() ? "snapshot " + start.snapshot() + ", where its restores start,"
                    : "the base snapshot " + t.id()) + " is not in the repository: this timeline cannot be restored");
        }
        for (Timeline.Gap g : t.gaps()) {
            out.println("    GAP       " + TimelineText.gap(t, g) + "; restores stop at offset " + t.restorableOffset());
        }
    }

    private static boolean running(StreamStatus st, Instant now) {
        return !st.state().equals("stopped") && !st.state().equals("failed")
                && Duration.between(st.updatedAt(), now).compareTo(STALE) <= 0;
    }

    // ------------------------------------------------------------------------------------ JSON

    /** The {@code --json} document: the repository, when it was looked at, each source. */
    record StatusJson(String repository, String time, List<SourceJson> sources,
                      @JsonInclude(JsonInclude.Include.NON_EMPTY) List<ClusterStatusText.ClusterJson> clusters) {
    }

    /** One source: its stream (null without a stream.json), timelines, snapshots, health. */
    record SourceJson(String source, StreamJson stream, List<TimelineJson> timelines, int snapshots,
                      LastSnapshotJson lastSnapshot, LastDrillJson lastDrill, boolean drillOverdue, boolean healthy) {

        static SourceJson of(SourceStatus s, Instant now, Duration maxAge) {
            String current = s.stream().map(st -> st.timeline() == null ? null : st.timeline().toString()).orElse(null);
            List<TimelineJson> timelines = s.timelines().stream()
                    .map(t -> TimelineJson.of(s, t, t.id().toString().equals(current))).toList();
            LastSnapshotJson last = null;
            if (!s.snapshots().isEmpty()) {
                SnapshotManifest l = s.snapshots().get(0);
                last = new LastSnapshotJson(l.id().toString(), l.finishedAt().toString(),
                        Duration.between(l.finishedAt(), now).toSeconds(), l.storedSize(), l.replicationOffset());
            }
            LastDrillJson drill = s.drill().map(d -> new LastDrillJson(d.id(), d.startedAt(),
                    d.age(now).toSeconds(), d.verdict(), d.rtoSeconds(),
                    d.problems().size())).orElse(null);
            return new SourceJson(s.source(), s.stream().map(st -> StreamJson.of(st, now)).orElse(null), timelines,
                    s.snapshots().size(), last, drill, Drills.overdue(s.drill(), now, maxAge), s.healthy());
        }
    }

    /** The newest restore drill: when, its verdict and RTO, how many problems it found. */
    record LastDrillJson(String id, String startedAt, long ageSeconds, String verdict, double rtoSeconds, int problems) {
    }

    /** The newest snapshot and its age. */
    record LastSnapshotJson(String id, String finishedAt, long ageSeconds, long storedSize, Long replicationOffset) {
    }

    /** What the stream last said (stream.json) and whether it still runs. */
    record StreamJson(
            String state,
            boolean running,
            String updatedAt,
            double ageSeconds,
            String sourceAddress,
            String timeline,
            String replicationId,
            long receivedOffset,
            Long durableOffset,
            Long durableLagBytes,
            Double durableLagSeconds,
            long committedOffset,
            long lagBytes,
            Double lagSeconds,
            String durableAt,
            long spoolBytes,
            String message) {

        static StreamJson of(StreamStatus st, Instant now) {
            return new StreamJson(st.state(), StatusCommand.running(st, now), st.updatedAt().toString(),
                    Duration.between(st.updatedAt(), now).toMillis() / 1000.0, st.sourceAddress(),
                    st.timeline() == null ? null : st.timeline().toString(), st.replicationId(), st.receivedOffset(),
                    st.durableOffset(), st.durableLagBytes(), st.durableLagSeconds(), st.committedOffset(),
                    st.lagBytes(), st.lagSeconds(), st.durableAt(), st.spoolBytes(), st.message());
        }
    }

    /** One timeline: its recovery window, its log, what prune trimmed, its gaps. */
    record TimelineJson(
            String id,
            boolean current,
            String replicationId,
            String startedAt,
            long startOffset,
            WindowJson window,
            int segments,
            long storedBytes,
            long rawBytes,
            long endOffset,
            boolean baseSnapshot,
            TimelineText.PrunedJson pruned,
            List<TimelineText.GapJson> gaps) {

        static TimelineJson of(SourceStatus s, Timeline t, boolean current) {
            Timeline.Start start = t.start();
            Instant until = s.until(t);
            WindowJson window = new WindowJson(start.time().toString(), until.toString(), start.offset(),
                    t.restorableOffset(), start.snapshot().toString(),
                    Duration.between(start.time(), until).toMillis() / 1000.0);
            return new TimelineJson(t.id().toString(), current, t.manifest().replicationId(),
                    t.manifest().startedAt().toString(), t.manifest().startOffset(), window, t.segments().size(),
                    t.segments().stream().mapToLong(SegmentManifest::storedSize).sum(),
                    t.segments().stream().mapToLong(SegmentManifest::rawSize).sum(), t.endOffset(), s.hasStart(t),
                    TimelineText.prunedJson(t), t.gaps().stream().map(g -> TimelineText.gapJson(t, g)).toList());
        }
    }

    /** The recovery window: from the base snapshot to the last restorable write. */
    record WindowJson(String from, String to, long fromOffset, long toOffset, String fromSnapshot, double seconds) {
    }
}
