package io.redback.repo;

import io.redback.storage.Storage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Applies a {@link RetentionPolicy} to each source and removes what it forgets, then what no
 * restore can reach any more, then garbage. Snapshots: those the policy forgets go, manifest
 * first. Timelines ({@link TimelineRetention}): each stays restorable from its oldest kept
 * snapshot on, so the segments that end at or before that snapshot's offset go (a segment
 * straddling it stays whole); a timeline with no kept snapshot goes whole, except the current
 * one, which keeps its newest snapshot. Before deleting anything of a timeline, prune writes its
 * {@code pruned.json}, so that readers never take the removed head for a gap nor see half a
 * timeline. Garbage: temporaries under tmp/, and snapshot or segment data objects without a
 * manifest (an interrupted backup, upload or prune), only once they are older than
 * {@link #GRACE}, because a younger one may belong to a backup or a stream still writing. A
 * crash at any point leaves a valid repository that the next prune finishes. Prune is also
 * where the file backend's temporaries of crashed puts go ({@link Storage#removeTemporaries}),
 * with the same grace. A dry run plans
 * the same and changes nothing; the report says what goes and why the rest stays. Prune never
 * deletes on the strength of what it could not read: a source with a document that cannot be
 * read (see {@link SkippedDocument}) keeps all its snapshots and timelines as they are until the
 * document is repaired or removed, and the report names it.
 */
public final class Pruner {
    /** How old garbage must be before it is removed. */
    public static final Duration GRACE = Duration.ofDays(1);

    private final Repository repository;
    private final Clock clock;

    public Pruner(Repository repository, Clock clock) {
        this.repository = repository;
        this.clock = clock;
    }

    /** What a prune did (or, in a dry run, would do). Removals are in the order they happen. */
    public record Report(boolean dryRun, RetentionPolicy policy, List<SnapshotDecision> snapshots,
                         List<TimelineDecision> timelines, List<Removal> removals, List<SkippedDocument> unreadable) {
        public Report {
            snapshots = List.copyOf(snapshots);
            timelines = List.copyOf(timelines);
            removals = List.copyOf(removals);
            unreadable = List.copyOf(unreadable);
        }

        /** The sources left as they are because a document of theirs could not be read, sorted. */
        public List<String> sourcesLeftAsTheyAre() {
            return unreadable.stream().map(SkippedDocument::source).distinct().sorted().toList();
        }

        /** The snapshots forgotten by the policy. */
        public List<SnapshotDecision> forgotten() {
            return snapshots.stream().filter(d -> !d.keep()).toList();
        }
    }

    /** A snapshot and the verdict on it, with the rules that keep it. */
    public record SnapshotDecision(String source, SnapshotId id, boolean keep, List<String> reasons) {
        public SnapshotDecision {
            reasons = List.copyOf(reasons);
        }
    }

    /** What prune does to a timeline. */
    public enum TimelineAction {
        /** Nothing of it goes. */
        KEEP,
        /** The log before its oldest kept snapshot goes. */
        TRIM,
        /** It goes whole: no snapshot of it is kept. */
        REMOVE
    }

    /**
     * A timeline and what prune does to it: the time range its log covered ({@code from}, when
     * the state its restores started from was current, to the arrival of its last write), where
     * its restores start afterwards (null when removed, or when no snapshot lies on it), how many
     * segments and bytes go, and why.
     */
    public record TimelineDecision(String source, SnapshotId id, TimelineAction action, Instant from, Instant to,
                                   Timeline.Start start, int segmentsRemoved, long bytesRemoved, String reason) {
    }

    /** One object removed, and why; timeline names the timeline whose trim or removal it is part of (else null). */
    public record Removal(String key, long size, String reason, SnapshotId timeline) {
        public Removal(String key, long size, String reason) {
            this(key, size, reason, null);
        }
    }

    /**
     * Prunes source (every source when null) by policy; with dryRun nothing is written or
     * deleted. Stops at the first failure, leaving the repository valid: run it again to finish.
     */
    public Report prune(RetentionPolicy policy, String source, boolean dryRun) throws IOException {
        return prune(policy, source, dryRun, Map.of());
    }

    /**
     * As {@link #prune(RetentionPolicy, String, boolean)}, keeping besides what the policy keeps
     * the snapshots another document needs: {@code pinned} maps a source to snapshot ids and why
     * each is needed (a kept cluster snapshot names it).
     */
    public Report prune(RetentionPolicy policy, String source, boolean dryRun,
                        Map<String, Map<SnapshotId, String>> pinned) throws IOException {
        return prune(policy, source == null ? null : List.of(source), dryRun, pinned);
    }

    /** As {@link #prune(RetentionPolicy, String, boolean, Map)} for the sources named by only (every source when null). */
    public Report prune(RetentionPolicy policy, List<String> only, boolean dryRun,
                        Map<String, Map<SnapshotId, String>> pinned) throws IOException {
        Storage storage = repository.storage();
        Catalog catalog = repository.catalog();
        Timelines timelines = repository.timelines();
        List<SnapshotManifest> manifests = new ArrayList<>();
        List<Storage.ObjectInfo> listed = new ArrayList<>();
        if (only == null) {
            manifests.addAll(catalog.snapshots());
        } else {
            for (String s : only) {
                manifests.addAll(catalog.snapshots(s));
            }
        }
        Set<String> sources = new TreeSet<>();
        manifests.forEach(m -> sources.add(m.source()));
        sources.addAll(only == null ? timelines.sources() : only);
        Map<String, List<Timeline>> timelinesBySource = new TreeMap<>();
        Map<String, Optional<StreamStatus>> streams = new TreeMap<>();
        for (String s : sources) {
            timelinesBySource.put(s, timelines.all(s));
            streams.put(s, timelines.status(s));
        }
        // Listed after the documents were read: an object committed in between is seen with its manifest here.
        if (only == null) {
            listed.addAll(storage.list(Layout.SOURCES));
        } else {
            for (String s : only) {
                listed.addAll(storage.list(Layout.sourcePrefix(s)));
            }
        }
        SourceObjects objects = new SourceObjects(listed);

        // What could not be read may be what keeps the rest: its source is left as it is (garbage apart, which
        // never depends on a document's content).
        List<SkippedDocument> unreadable = repository.skipped().stream().filter(d -> d.source() != null
                && (only == null || only.contains(d.source()))).toList();
        Set<String> leftAsTheyAre = new HashSet<>();
        unreadable.forEach(d -> leftAsTheyAre.add(d.source()));
        Plan plan = new Plan(clock.instant());
        for (String s : sources) {
            if (leftAsTheyAre.contains(s)) {
                continue;
            }
            planSource(s, manifests.stream().filter(m -> m.source().equals(s)).toList(), timelinesBySource.get(s),
                    streams.get(s), policy, pinned.getOrDefault(s, Map.of()), objects, plan);
        }
        planGarbage(objects, plan, storage.list(Layout.TMP));
        if (!dryRun) {
            // pruned.json first: from then on readers start each timeline where it now starts, or ignore it.
            for (PrunedHead head : plan.heads) {
                byte[] json = RepoJson.write(head);
                storage.put(Layout.prunedKey(head.source(), head.timeline()), new ByteArrayInputStream(json),
                        json.length);
            }
            for (Removal r : plan.removals()) {
                storage.delete(r.key());
            }
            // Temporaries of crashed puts (file backend): no listing shows them, so no Removal names them.
            storage.removeTemporaries(plan.now.minus(GRACE));
        }
        return new Report(dryRun, policy, plan.snapshots, plan.timelines, plan.removals(), unreadable);
    }

    /** What one prune decides, collected source by source, and the order its removals happen in. */
    private static final class Plan {
        final Instant now;
        final List<SnapshotDecision> snapshots = new ArrayList<>();
        final List<TimelineDecision> timelines = new ArrayList<>();
        final List<PrunedHead> heads = new ArrayList<>();
        final List<Removal> forgotten = new ArrayList<>();
        final List<Removal> unreachable = new ArrayList<>();
        final List<Removal> garbage = new ArrayList<>();
        final Set<String> plannedFolders = new HashSet<>();

        Plan(Instant now) {
            this.now = now;
        }

        /** Snapshots first (their timelines' pruned.json already names where restores start), then logs, then garbage. */
        List<Removal> removals() {
            List<Removal> all = new ArrayList<>(forgotten);
            all.addAll(unreachable);
            all.addAll(garbage);
            return all;
        }
    }

    private void planSource(String source, List<SnapshotManifest> snapshots, List<Timeline> all,
                            Optional<StreamStatus> stream, RetentionPolicy policy, Map<SnapshotId, String> pinned,
                            SourceObjects objects, Plan plan) {
        List<Retention.Decision> decisions = Retention.apply(snapshots.stream().map(SnapshotManifest::id).toList(),
                policy).stream().map(d -> d.keep() || !pinned.containsKey(d.id()) ? d
                        : new Retention.Decision(d.id(), true, List.of(pinned.get(d.id())))).toList();
        Set<SnapshotId> kept = new HashSet<>();
        decisions.stream().filter(Retention.Decision::keep).forEach(d -> kept.add(d.id()));
        List<Timeline> live = all.stream().filter(t -> !isRemoving(t)).toList();
        Set<SnapshotId> current = new HashSet<>();
        if (!live.isEmpty()) {
            current.add(live.get(live.size() - 1).id());
        }
        stream.map(StreamStatus::timeline).ifPresent(current::add);
        TimelineRetention.Result judged = TimelineRetention.apply(live, snapshots, kept, current);

        for (Retention.Decision d : decisions) {
            boolean alsoKept = !d.keep() && judged.alsoKept().contains(d.id());
            List<String> reasons = alsoKept ? List.of(TimelineRetention.CURRENT_TIMELINE) : d.reasons();
            plan.snapshots.add(new SnapshotDecision(source, d.id(), d.keep() || alsoKept, reasons));
            if (!d.keep() && !alsoKept) {
                String folder = Layout.snapshotPrefix(source, d.id());
                planForgotten(source, d.id(), objects.snapshotFolders.getOrDefault(folder, List.of()), plan.forgotten);
                plan.plannedFolders.add(folder);
            }
        }
        for (TimelineRetention.Verdict v : judged.verdicts()) {
            planTimeline(v, objects.timelineObjects(source, v.timeline().id()), plan);
        }
        for (Timeline t : all) {
            if (isRemoving(t)) {
                planTimeline(new TimelineRetention.Verdict(t, TimelineAction.REMOVE, null, t.logStart(),
                        "an interrupted prune was removing it"), objects.timelineObjects(source, t.id()), plan);
            }
        }
    }

    /**
     * The removals a timeline verdict needs: for TRIM, the segments that end at or before its new
     * log start (also those a crash left behind earlier), and its pruned.json to write first; for
     * REMOVE, every segment, then timeline.json, then pruned.json (written first unless there).
     * Each segment goes manifest first. Segment data without a manifest is left to
     * {@link #planGarbage}, with its grace.
     */
    private static void planTimeline(TimelineRetention.Verdict v, List<Storage.ObjectInfo> objects, Plan plan) {
        Timeline t = v.timeline();
        TimelineManifest tm = t.manifest();
        String name = tm.source() + "/" + tm.id();
        boolean remove = v.action() == TimelineAction.REMOVE;
        String why = remove ? "segment of timeline " + name + ", which is removed" : "segment of timeline " + name
                + " before offset " + v.logStart() + ", where its kept log starts: no restore can reach it";
        List<Removal> removals = new ArrayList<>();
        int segments = 0;
        for (SegmentObjects s : SegmentObjects.of(objects)) {
            if (s.hasManifest() && (remove || s.endOffset() <= v.logStart())) {
                segments++;
                s.manifestFirst().forEach(o -> removals.add(new Removal(o.key(), o.size(), why, tm.id())));
            }
        }
        if (!remove) {
            // What an interrupted compaction left: a merged segment covers it, so no restore reads it.
            Set<String> planned = new HashSet<>();
            removals.forEach(r -> planned.add(r.key()));
            for (Storage.ObjectInfo o : Leftovers.of(t, objects)) {
                if (planned.add(o.key())) {
                    removals.add(new Removal(o.key(), o.size(), "segment of timeline " + name + " that a compacted "
                            + "segment covers (left by an interrupted `redback compact`)", tm.id()));
                }
            }
        }
        if (remove) {
            String timelineKey = Layout.timelineKey(tm.source(), tm.id());
            String prunedKey = Layout.prunedKey(tm.source(), tm.id());
            removals.add(new Removal(timelineKey, size(objects, timelineKey), "timeline " + name + " is removed: "
                    + v.reason(), tm.id()));
            removals.add(new Removal(prunedKey, size(objects, prunedKey), "prune's own record that timeline " + tm.id()
                    + " is being removed, deleted last", tm.id()));
            if (!isRemoving(t)) {
                plan.heads.add(PrunedHead.removing(tm, plan.now));
            }
        } else if (v.action() == TimelineAction.TRIM) {
            plan.heads.add(PrunedHead.trimmed(tm, plan.now, v.start(), v.logStart()));
        }
        plan.unreachable.addAll(removals);
        plan.timelines.add(new TimelineDecision(tm.source(), tm.id(), v.action(), t.start().time(), t.endTime(),
                v.start(), segments, removals.stream().mapToLong(Removal::size).sum(), v.reason()));
    }

    /** The objects of one segment in a timeline folder (its manifest, its data, or both), by offset. */
    private record SegmentObjects(long endOffset, boolean hasManifest, List<Storage.ObjectInfo> manifestFirst) {
        static List<SegmentObjects> of(List<Storage.ObjectInfo> timelineFolder) {
            Map<String, List<Storage.ObjectInfo>> byName = new TreeMap<>(); // names sort in offset order
            Map<String, Long> ends = new HashMap<>();
            Set<String> withManifest = new HashSet<>();
            for (Storage.ObjectInfo o : timelineFolder) {
                Layout.parseTimelineKey(o.key()).flatMap(Layout.TimelineKey::segment).ifPresent(s -> {
                    List<Storage.ObjectInfo> list = byName.computeIfAbsent(s.name(), n -> new ArrayList<>());
                    ends.put(s.name(), s.endOffset());
                    if (s.isManifest()) {
                        list.add(0, o); // the manifest goes first: from then on the segment is gone
                        withManifest.add(s.name());
                    } else {
                        list.add(o);
                    }
                });
            }
            List<SegmentObjects> out = new ArrayList<>();
            byName.forEach((n, list) -> out.add(new SegmentObjects(ends.get(n), withManifest.contains(n), list)));
            return out;
        }
    }

    private static long size(List<Storage.ObjectInfo> objects, String key) {
        return objects.stream().filter(o -> o.key().equals(key)).mapToLong(Storage.ObjectInfo::size).findFirst().orElse(0);
    }

    /**
     * Garbage older than {@link #GRACE}: snapshot folders without a manifest, segment data
     * without its manifest, temporaries. A pruned.json whose timeline.json and segments are gone
     * (a removal interrupted at its last step) goes at once: nothing else writes one.
     */
    private static void planGarbage(SourceObjects objects, Plan plan, List<Storage.ObjectInfo> tmp) {
        Instant cutoff = plan.now.minus(GRACE);
        Set<String> planned = new HashSet<>();
        plan.unreachable.forEach(r -> planned.add(r.key()));
        objects.snapshotFolders.forEach((folder, list) -> {
            if (!plan.plannedFolders.contains(folder) && list.stream().noneMatch(Pruner::isManifest)
                    && list.stream().allMatch(o -> o.lastModified().isBefore(cutoff))) {
                list.forEach(o -> plan.garbage.add(new Removal(o.key(), o.size(),
                        "data without a manifest (an interrupted backup or prune), last written " + o.lastModified())));
            }
        });
        objects.timelineFolders.forEach((folder, list) -> {
            Set<String> manifests = new HashSet<>();
            boolean hasTimeline = false;
            for (Storage.ObjectInfo o : list) {
                Layout.TimelineKey k = Layout.parseTimelineKey(o.key()).orElseThrow();
                hasTimeline |= k.isTimeline();
                k.segment().filter(Layout.SegmentObject::isManifest).ifPresent(s -> manifests.add(s.name()));
            }
            for (Storage.ObjectInfo o : list) {
                Layout.TimelineKey k = Layout.parseTimelineKey(o.key()).orElseThrow();
                Optional<Layout.SegmentObject> s = k.segment();
                if (s.isPresent() && !s.get().isManifest() && !manifests.contains(s.get().name())
                        && o.lastModified().isBefore(cutoff) && !planned.contains(o.key())) {
                    plan.garbage.add(new Removal(o.key(), o.size(), "segment data without a manifest (an interrupted "
                            + "upload or prune), last written " + o.lastModified()));
                } else if (k.isPruned() && !hasTimeline && manifests.isEmpty() && !planned.contains(o.key())) {
                    plan.garbage.add(new Removal(o.key(), o.size(), "left by a prune interrupted while removing "
                            + "timeline " + k.timeline() + ", which is gone"));
                }
            }
        });
        for (Storage.ObjectInfo o : tmp) {
            if (o.lastModified().isBefore(cutoff)) {
                plan.garbage.add(new Removal(o.key(), o.size(), "temporary, last written " + o.lastModified()));
            }
        }
    }

    /** The manifest first (the snapshot is gone from then on), then everything else in its folder. */
    private static void planForgotten(String source, SnapshotId id, List<Storage.ObjectInfo> objects, List<Removal> plan) {
        String manifest = Layout.manifestKey(source, id);
        String why = "snapshot " + source + "/" + id + " is forgotten: no --keep-* rule keeps it";
        plan.add(new Removal(manifest, size(objects, manifest), why));
        for (Storage.ObjectInfo o : objects) {
            if (!o.key().equals(manifest)) {
                plan.add(new Removal(o.key(), o.size(), "data of forgotten snapshot " + source + "/" + id));
            }
        }
    }

    private static boolean isRemoving(Timeline t) {
        return t.pruned() != null && t.pruned().isRemoving();
    }

    private static boolean isManifest(Storage.ObjectInfo o) {
        return o.key().endsWith("/" + Layout.MANIFEST);
    }

    /** One listing of the sources pruned, by snapshot folder and by timeline folder; anything else is not ours to judge. */
    private static final class SourceObjects {
        final Map<String, List<Storage.ObjectInfo>> snapshotFolders = new LinkedHashMap<>();
        final Map<String, List<Storage.ObjectInfo>> timelineFolders = new LinkedHashMap<>();

        SourceObjects(List<Storage.ObjectInfo> listing) {
            for (Storage.ObjectInfo o : listing) {
                Layout.parseSnapshotKey(o.key()).ifPresent(k ->
                        snapshotFolders.computeIfAbsent(k.folder(), f -> new ArrayList<>()).add(o));
                Layout.parseTimelineKey(o.key()).ifPresent(k -> timelineFolders.computeIfAbsent(
                        Layout.timelinesPrefix(k.source()) + k.timeline() + "/", f -> new ArrayList<>()).add(o));
            }
        }

        List<Storage.ObjectInfo> timelineObjects(String source, SnapshotId timeline) {
            return timelineFolders.getOrDefault(Layout.timelinesPrefix(source) + timeline + "/", List.of());
        }
    }
}
