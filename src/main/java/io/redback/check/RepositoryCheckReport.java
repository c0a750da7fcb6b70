package io.redback.check;

import com.fasterxml.jackson.annotation.JsonValue;
import io.redback.repo.LockHolder;
import io.redback.repo.Timeline;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What a {@link RepositoryCheck} found: per source, what was checked (snapshots, timelines,
 * segments), the problems (a gap or overlap in a timeline's offsets, a missing or damaged object,
 * a document that cannot be used) and notes that are not problems; the repository's locks (a
 * running prune or compact holds one: never a problem); when it was checked, how many stored bytes
 * were read ({@code readData}) and how long it took. Clean when no source has a problem.
 */
public record RepositoryCheckReport(String repository, boolean readData, List<SourceResult> sources,
                                    List<LockHolder> locks, Instant checkedAt, long bytesRead, long elapsedMs) {

    public RepositoryCheckReport {
        sources = List.copyOf(sources);
        locks = List.copyOf(locks);
    }

    /** What kind of problem: each says what restores lose and what to do ({@link #advice()}). */
    public enum Kind {
        /** Offsets of a timeline that no segment holds: its restores stop before them. */
        GAP,
        /** Two segments that hold the same offsets. */
        OVERLAP,
        /** An object a manifest names is not there. */
        MISSING,
        /** An object that is not what its manifest says, or a document that cannot be read. */
        DAMAGED,
        /** A manifest that cannot be read or lies elsewhere than it says. */
        MANIFEST,
        /** Segment manifests whose timeline.json is gone. */
        ORPHAN;

        /** The kind as JSON and messages name it: {@code gap}, {@code overlap}, ... */
        @JsonValue
        public String jsonName() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** What to do about a problem of this kind. */
        public String advice() {
            return switch (this) {
                case GAP -> "gap: no segment holds those offsets (segments deleted, or lost before they were "
                        + "shipped); restores of the timeline reach up to the gap's start. A new snapshot "
                        + "(`redback backup`, or a restarted stream) starts a restorable history after it.";
                case OVERLAP -> "overlap: two segments claim the same offsets; remove the one that does not belong "
                        + "(compare their manifests' replicationId and times) or restore from a copy.";
                case MISSING -> "missing: a manifest names an object the repository no longer has; restore it from a "
                        + "copy of the repository. Until then restores cannot use it.";
                case DAMAGED -> "damaged: the object is not what its manifest describes, or a document (a manifest, "
                        + "timeline.json, stream.json) cannot be read; restore it from a copy of the repository (a "
                        + "torn stream.json is rewritten by its running stream). Until then restores cannot use it, "
                        + "and prune leaves its source as it is.";
                case MANIFEST -> "manifest: a manifest cannot be read or lies elsewhere than it says; fix or remove it "
                        + "(the message names it), then check again.";
                case ORPHAN -> "orphan: segments whose timeline.json is gone cannot be used; restore it from a copy.";
            };
        }
    }

    /**
     * One problem: its source, kind, the object concerned (or null), the timeline (or null), and
     * the sentence that says where and what.
     */
    public record Problem(String source, Kind kind, String object, String timeline, String message) {
    }

    /**
     * One source: the snapshots checked, its timelines (as readers see them), the segments
     * checked, its problems, and notes that are not problems (leftovers of an interrupted upload or
     * compaction, an RDB written without a checksum).
     */
    public record SourceResult(String source, int snapshots, List<Timeline> timelines, int segments,
                               List<Problem> problems, List<String> notes) {
        public SourceResult {
            timelines = List.copyOf(timelines);
            problems = List.copyOf(problems);
            notes = List.copyOf(notes);
        }
    }

    /** Every problem, source by source. */
    public List<Problem> problems() {
        List<Problem> all = new ArrayList<>();
        sources.forEach(s -> all.addAll(s.problems()));
        return all;
    }

    /** True when no problem was found. */
    public boolean clean() {
        return sources.stream().allMatch(s -> s.problems().isEmpty());
    }
}
