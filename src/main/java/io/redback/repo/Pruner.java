package io.redback.repo;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Applies a {@link RetentionPolicy} to each source and removes what it forgets, then removes
 * garbage: temporaries under tmp/ and data objects without a manifest (an interrupted backup
 * or prune), both only once they are older than {@link #GRACE}, because a younger one may
 * belong to a backup still running. A forgotten snapshot's manifest is deleted before its data,
 * so a crash in between leaves a valid repository whose leftover data the next prune removes.
 * A dry run plans the same and deletes nothing; the report says what goes and why each kept
 * snapshot stays.
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
    public record Report(boolean dryRun, RetentionPolicy policy, List<SnapshotDecision> snapshots, List<Removal> removals) {
        public Report {
            snapshots = List.copyOf(snapshots);
            removals = List.copyOf(removals);
        }

        /** The snapshots forgotten by the policy. */
        public List<SnapshotDecision> forgotten() {
            return snapshots.stream().filter(d -> !d.keep()).toList();
        }
    }

    /** A snapshot and the policy's verdict on it, with the rules that keep it. */
    public record SnapshotDecision(String source, SnapshotId id, boolean keep, List<String> reasons) {
        public SnapshotDecision {
            reasons = List.copyOf(reasons);
        }
    }

    /** One object removed, and why. */
    public record Removal(String key, long size, String reason) {
    }

    /**
     * Prunes source (every source when null) by policy; with dryRun nothing is deleted. Stops
     * at the first failure, leaving the repository valid: run it again to finish.
     */
    public Report prune(RetentionPolicy policy, String source, boolean dryRun) throws IOException {
        Storage storage = repository.storage();
        Catalog catalog = repository.catalog();
        List<SnapshotManifest> manifests = source == null ? catalog.snapshots() : catalog.snapshots(source);
        // Listed after the manifests were read: a snapshot committed in between is seen with its manifest here.
        Map<String, List<Storage.ObjectInfo>> folders = snapshotFolders(storage.list(
                source == null ? Layout.SOURCES : Layout.snapshotsPrefix(source)));

        Map<String, List<SnapshotId>> bySource = new TreeMap<>();
        for (SnapshotManifest m : manifests) {
            bySource.computeIfAbsent(m.source(), s -> new ArrayList<>()).add(m.id());
        }
        List<SnapshotDecision> decisions = new ArrayList<>();
        List<Removal> plan = new ArrayList<>();
        Set<String> planned = new LinkedHashSet<>();
        for (Map.Entry<String, List<SnapshotId>> e : bySource.entrySet()) {
            for (Retention.Decision d : Retention.apply(e.getValue(), policy)) {
                decisions.add(new SnapshotDecision(e.getKey(), d.id(), d.keep(), d.reasons()));
                if (!d.keep()) {
                    String folder = Layout.snapshotPrefix(e.getKey(), d.id());
                    planForgotten(e.getKey(), d.id(), folders.getOrDefault(folder, List.of()), plan);
                    planned.add(folder);
                }
            }
        }
        Instant cutoff = clock.instant().minus(GRACE);
        folders.forEach((folder, objects) -> {
            if (!planned.contains(folder) && objects.stream().noneMatch(Pruner::isManifest)
                    && objects.stream().allMatch(o -> o.lastModified().isBefore(cutoff))) {
                objects.forEach(o -> plan.add(new Removal(o.key(), o.size(),
                        "data without a manifest (an interrupted backup or prune), last written " + o.lastModified())));
            }
        });
        for (Storage.ObjectInfo o : storage.list(Layout.TMP)) {
            if (o.lastModified().isBefore(cutoff)) {
                plan.add(new Removal(o.key(), o.size(), "temporary, last written " + o.lastModified()));
            }
        }
        if (!dryRun) {
            for (Removal r : plan) {
                storage.delete(r.key());
            }
        }
        return new Report(dryRun, policy, decisions, plan);
    }

    /** The manifest first (the snapshot is gone from then on), then everything else in its folder. */
    private static void planForgotten(String source, SnapshotId id, List<Storage.ObjectInfo> objects, List<Removal> plan) {
        String manifest = Layout.manifestKey(source, id);
        String why = "snapshot " + source + "/" + id + " is forgotten: no --keep-* rule keeps it";
        long manifestSize = objects.stream().filter(o -> o.key().equals(manifest)).mapToLong(Storage.ObjectInfo::size)
                .findFirst().orElse(0);
        plan.add(new Removal(manifest, manifestSize, why));
        for (Storage.ObjectInfo o : objects) {
            if (!o.key().equals(manifest)) {
                plan.add(new Removal(o.key(), o.size(), "data of forgotten snapshot " + source + "/" + id));
            }
        }
    }

    private static boolean isManifest(Storage.ObjectInfo o) {
        return o.key().endsWith("/" + Layout.MANIFEST);
    }

    /** The listed objects that lie in snapshot folders, by folder; anything else is not ours to judge. */
    private static Map<String, List<Storage.ObjectInfo>> snapshotFolders(List<Storage.ObjectInfo> objects) {
        Map<String, List<Storage.ObjectInfo>> folders = new LinkedHashMap<>();
        for (Storage.ObjectInfo o : objects) {
            Layout.parseSnapshotKey(o.key()).ifPresent(k -> folders.computeIfAbsent(k.folder(), f -> new ArrayList<>()).add(o));
        }
        return folders;
    }
}
