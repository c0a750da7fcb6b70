package io.redback.cli;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.redback.cluster.ClusterCheck;
import io.redback.repo.LockHolder;
import io.redback.repo.Timeline;
import io.redback.check.RepositoryCheckReport;
import io.redback.check.RepositoryCheckReport.Problem;
import io.redback.check.RepositoryCheckReport.SourceResult;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.ToIntFunction;

/**
 * How {@code redback check --repo} shows a {@link RepositoryCheckReport}: a text report for
 * people (a verdict line, each source with its timelines, problems and notes, the locks, advice
 * per kind of problem), or one JSON document.
 */
final class RepoCheckOutput {
    private RepoCheckOutput() {
    }

    /** One note per lock: who holds it, and for a stale one what to do. */
    static List<String> lockNotes(RepositoryCheckReport r) {
        List<String> notes = new ArrayList<>();
        for (LockHolder h : r.locks()) {
            notes.add(h.isStale(r.checkedAt())
                    ? "stale lock of " + LockText.line(h, r.checkedAt()) + ": its process is gone (prune and compact "
                    + "ignore it); `redback unlock --repo " + r.repository() + "` removes it"
                    : "lock of " + LockText.line(h, r.checkedAt()) + ": " + (h.operation().equals("unknown")
                    ? "an unreadable lock object, held until it is stale" : "a " + h.operation() + " is running")
                    + " (another prune or compact waits until it ends)");
        }
        return notes;
    }

    private static int total(RepositoryCheckReport r, ToIntFunction<SourceResult> f) {
        return r.sources().stream().mapToInt(f).sum();
    }

    /** The text report. */
    static void print(RepositoryCheckReport r, PrintWriter out) {
        print(r, List.of(), out);
    }

    /** The text report, with a verdict per cluster after the sources (its shards are among them). */
    static void print(RepositoryCheckReport r, List<ClusterCheck.Verdict> clusters, PrintWriter out) {
        List<Problem> problems = r.problems();
        int clusterProblems = clusters.stream().mapToInt(c -> c.problems().size()).sum();
        String counts = String.format(Locale.ROOT, "%d source(s), %d snapshot(s), %d timeline(s), %d segment(s)",
                r.sources().size(), total(r, SourceResult::snapshots), total(r, s -> s.timelines().size()),
                total(r, SourceResult::segments))
                + (clusters.isEmpty() ? "" : String.format(Locale.ROOT, ", %d cluster(s)", clusters.size()));
        String what = r.readData() ? "every object read: sizes and SHA-256s match, RDBs read whole (CRC64 where it "
                + "was enabled), logs parse and add up to their offsets"
                : "every object present with its size (--read-data also reads them)";
        if (problems.isEmpty() && clusterProblems == 0) {
            out.println(r.repository() + ": CLEAN: " + counts + "; " + what);
        } else {
            out.println(r.repository() + ": PROBLEMS: " + (problems.size() + clusterProblems) + " found in " + counts);
        }
        for (SourceResult s : r.sources()) {
            out.println(String.format(Locale.ROOT, "  %-12s %d snapshot(s)%s", s.source(), s.snapshots(),
                    s.timelines().isEmpty() ? ", no timeline" : ""));
            for (Timeline t : s.timelines()) {
                out.println(String.format(Locale.ROOT, "    timeline %s: %,d segment(s), offsets %d..%d%s, %s .. %s%s",
                        t.id(), t.segments().size(), t.logStart(), t.endOffset(),
                        t.gaps().isEmpty() ? " contiguous" : " WITH " + t.gaps().size() + " GAP(S)",
                        TimelineText.second(t.start().time()), TimelineText.second(t.restorableUntil()),
                        t.isTrimmed() ? "; " + TimelineText.pruned(t) : ""));
            }
            for (Problem p : s.problems()) {
                out.println(String.format(Locale.ROOT, "    %-8s %s", p.kind().jsonName().toUpperCase(Locale.ROOT),
                        p.message()));
            }
            for (String n : s.notes()) {
                out.println("    note     " + n);
            }
        }
        for (ClusterCheck.Verdict c : clusters) {
            out.println(String.format(Locale.ROOT, "  cluster %s: %d shard(s) (%s), %d cluster snapshot(s): %s",
                    c.cluster(), c.shards().size(), String.join(", ", c.shards()), c.snapshots(),
                    c.clean() ? "CLEAN" : "PROBLEMS"));
            for (String p : c.problems()) {
                out.println("    PROBLEM  " + p);
            }
        }
        for (String n : lockNotes(r)) {
            out.println("  note       " + n);
        }
        if (r.readData()) {
            out.println(String.format(Locale.ROOT, "  read       %s in %.1f s", Text.size(r.bytesRead()),
                    r.elapsedMs() / 1000.0));
        }
        Set<RepositoryCheckReport.Kind> kinds = new LinkedHashSet<>();
        problems.forEach(p -> kinds.add(p.kind()));
        for (RepositoryCheckReport.Kind k : kinds) {
            out.println("  advice     " + k.advice());
        }
    }

    /** The JSON document of {@code check --repo --json}. */
    record Document(String repository, String verdict, boolean readData, List<SourceJson> sources,
                    List<ProblemJson> problems, List<LockText.LockJson> locks, List<String> notes, long bytesRead,
                    long elapsedMs, @JsonInclude(JsonInclude.Include.NON_EMPTY) List<ClusterJson> clusters) {
    }

    /** A cluster's verdict: its shard sources (each reported as a source), its cluster snapshots, what is wrong. */
    record ClusterJson(String cluster, String verdict, List<String> shards, int clusterSnapshots,
                       List<String> problems) {
    }

    /** A source: what was checked, how many problems (listed in the document's {@code problems}), its notes. */
    record SourceJson(String source, int snapshots, List<TimelineJson> timelines, int segments, int problems,
                      List<String> notes) {
    }

    /** A timeline as the check saw it. */
    record TimelineJson(String id, long startOffset, long logStart, TimelineText.PrunedJson pruned, long endOffset,
                        long restorableOffset, String restorableUntil, int segments, boolean contiguous,
                        List<TimelineText.GapJson> gaps) {
    }

    /** A problem with the advice for its kind. */
    record ProblemJson(String source, String kind, String timeline, String object, String message, String advice) {
    }

    static Document json(RepositoryCheckReport r) {
        return json(r, List.of());
    }

    static Document json(RepositoryCheckReport r, List<ClusterCheck.Verdict> clusters) {
        List<SourceJson> sources = new ArrayList<>();
        for (SourceResult s : r.sources()) {
            List<TimelineJson> timelines = new ArrayList<>();
            for (Timeline t : s.timelines()) {
                timelines.add(new TimelineJson(t.id().toString(), t.manifest().startOffset(), t.logStart(),
                        TimelineText.prunedJson(t), t.endOffset(), t.restorableOffset(), t.restorableUntil().toString(),
                        t.segments().size(), t.gaps().isEmpty(),
                        t.gaps().stream().map(g -> TimelineText.gapJson(t, g)).toList()));
            }
            sources.add(new SourceJson(s.source(), s.snapshots(), timelines, s.segments(), s.problems().size(),
                    s.notes()));
        }
        List<ProblemJson> problems = r.problems().stream().map(p -> new ProblemJson(p.source(), p.kind().jsonName(),
                p.timeline(), p.object(), p.message(), p.kind().advice())).toList();
        boolean clean = r.clean() && clusters.stream().allMatch(ClusterCheck.Verdict::clean);
        return new Document(r.repository(), clean ? "clean" : "problems", r.readData(), sources, problems,
                r.locks().stream().map(h -> LockText.json(h, r.checkedAt())).toList(), lockNotes(r), r.bytesRead(),
                r.elapsedMs(), clusters.stream().map(c -> new ClusterJson(c.cluster(), c.clean() ? "clean" : "problems",
                        c.shards(), c.snapshots(), c.problems())).toList());
    }
}
