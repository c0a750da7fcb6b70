package io.redback.cli;

import io.redback.repo.LockHolder;
import io.redback.repo.Timeline;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * What {@code redback check --repo} found: per source, what was checked (snapshots, timelines,
 * segments) and the problems (a gap or overlap in a timeline's offsets, a missing or damaged
 * object, a manifest that cannot be used), and the repository's locks (notes, not problems),
 * printed for people or as one JSON document.
 */
record RepoCheckReport(String repository, boolean readData, List<SourceResult> sources, List<LockHolder> locks,
                       Instant checkedAt, long bytesRead, long elapsedMs) {

    /**
     * One problem: its source, kind ({@code gap}, {@code overlap}, {@code missing}, {@code damaged},
     * {@code manifest}, {@code orphan}), the object concerned (or null), the timeline (or null), and
     * the sentence that says where and what.
     */
    record Problem(String source, String kind, String object, String timeline, String message) {
    }

    /** One source: snapshots checked, its timelines, segments checked, problems, and notes that are not problems. */
    record SourceResult(String source, int snapshots, List<Timeline> timelines, int segments, List<Problem> problems,
                        List<String> notes) {
    }

    List<Problem> problems() {
        List<Problem> all = new ArrayList<>();
        sources.forEach(s -> all.addAll(s.problems()));
        return all;
    }

    boolean clean() {
        return problems().isEmpty();
    }

    /** One note per lock: who holds it, and for a stale one what to do. */
    List<String> lockNotes() {
        List<String> notes = new ArrayList<>();
        for (LockHolder h : locks) {
            notes.add(h.isStale(checkedAt)
                    ? "stale lock of " + LockText.line(h, checkedAt) + ": its process is gone (prune and compact "
                    + "ignore it); `redback unlock --repo " + repository + "` removes it"
                    : "lock of " + LockText.line(h, checkedAt) + ": " + (h.operation().equals("unknown")
                    ? "an unreadable lock object, held until it is stale" : "a " + h.operation() + " is running")
                    + " (another prune or compact waits until it ends)");
        }
        return notes;
    }

    private int total(java.util.function.ToIntFunction<SourceResult> f) {
        return sources.stream().mapToInt(f).sum();
    }

    /** The text report. */
    void print(PrintWriter out) {
        List<Problem> problems = problems();
        String counts = String.format(Locale.ROOT, "%d source(s), %d snapshot(s), %d timeline(s), %d segment(s)",
                sources.size(), total(SourceResult::snapshots), total(s -> s.timelines().size()),
                total(SourceResult::segments));
        String what = readData ? "every object read: sizes and SHA-256s match, RDBs read whole (CRC64 where it was "
                + "enabled), logs parse "
                + "and add up to their offsets" : "every object present with its size (--read-data also reads them)";
        if (problems.isEmpty()) {
            out.println(repository + ": CLEAN: " + counts + "; " + what);
        } else {
            out.println(repository + ": PROBLEMS: " + problems.size() + " found in " + counts);
        }
        for (SourceResult s : sources) {
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
                out.println(String.format(Locale.ROOT, "    %-8s %s", p.kind().toUpperCase(Locale.ROOT), p.message()));
            }
            for (String n : s.notes()) {
                out.println("    note     " + n);
            }
        }
        for (String n : lockNotes()) {
            out.println("  note       " + n);
        }
        if (readData) {
            out.println(String.format(Locale.ROOT, "  read       %s in %.1f s", BackupCli.size(bytesRead),
                    elapsedMs / 1000.0));
        }
        Set<String> kinds = new LinkedHashSet<>();
        problems.forEach(p -> kinds.add(p.kind()));
        for (String k : kinds) {
            out.println("  advice     " + advice(k));
        }
    }

    /** What to do about a kind of problem. */
    static String advice(String kind) {
        return switch (kind) {
            case "gap" -> "gap: no segment holds those offsets (segments deleted, or lost before they were shipped); "
                    + "restores of the timeline reach up to the gap's start. A new snapshot (`redback backup`, or a "
                    + "restarted stream) starts a restorable history after it.";
            case "overlap" -> "overlap: two segments claim the same offsets; remove the one that does not belong "
                    + "(compare their manifests' replicationId and times) or restore from a copy.";
            case "missing" -> "missing: a manifest names an object the repository no longer has; restore it from a copy "
                    + "of the repository. Until then restores cannot use it.";
            case "damaged" -> "damaged: the object is not what its manifest describes, or a document (a manifest, "
                    + "timeline.json, stream.json) cannot be read; restore it from a copy of the repository (a torn "
                    + "stream.json is rewritten by its running stream). Until then restores cannot use it, and prune "
                    + "leaves its source as it is.";
            case "manifest" -> "manifest: a manifest cannot be read or lies elsewhere than it says; fix or remove it "
                    + "(the message names it), then check again.";
            case "orphan" -> "orphan: segments whose timeline.json is gone cannot be used; restore it from a copy.";
            default -> kind;
        };
    }

    /** The JSON document. */
    Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("repository", repository);
        m.put("verdict", clean() ? "clean" : "problems");
        m.put("readData", readData);
        List<Map<String, Object>> list = new ArrayList<>();
        for (SourceResult s : sources) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("source", s.source());
            o.put("snapshots", s.snapshots());
            List<Map<String, Object>> timelines = new ArrayList<>();
            for (Timeline t : s.timelines()) {
                Map<String, Object> tm = new LinkedHashMap<>();
                tm.put("id", t.id().toString());
                tm.put("startOffset", t.manifest().startOffset());
                tm.put("logStart", t.logStart());
                tm.put("pruned", TimelineText.prunedJson(t));
                tm.put("endOffset", t.endOffset());
                tm.put("restorableOffset", t.restorableOffset());
                tm.put("restorableUntil", t.restorableUntil().toString());
                tm.put("segments", t.segments().size());
                tm.put("contiguous", t.gaps().isEmpty());
                List<TimelineText.GapJson> gaps = new ArrayList<>();
                t.gaps().forEach(g -> gaps.add(TimelineText.gapJson(t, g)));
                tm.put("gaps", gaps);
                timelines.add(tm);
            }
            o.put("timelines", timelines);
            o.put("segments", s.segments());
            o.put("problems", s.problems().size());
            o.put("notes", s.notes());
            list.add(o);
        }
        m.put("sources", list);
        List<Map<String, Object>> problems = new ArrayList<>();
        for (Problem p : problems()) {
            Map<String, Object> pm = new LinkedHashMap<>();
            pm.put("source", p.source());
            pm.put("kind", p.kind());
            pm.put("timeline", p.timeline());
            pm.put("object", p.object());
            pm.put("message", p.message());
            pm.put("advice", advice(p.kind()));
            problems.add(pm);
        }
        m.put("problems", problems);
        List<LockText.LockJson> lockList = new ArrayList<>();
        locks.forEach(h -> lockList.add(LockText.json(h, checkedAt)));
        m.put("locks", lockList);
        m.put("notes", lockNotes());
        m.put("bytesRead", bytesRead);
        m.put("elapsedMs", elapsedMs);
        return m;
    }
}
