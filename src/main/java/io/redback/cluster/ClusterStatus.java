package io.redback.cluster;

import io.redback.pitr.Planner;
import io.redback.pitr.Window;
import io.redback.repo.Repository;
import io.redback.repo.SnapshotManifest;
import io.redback.repo.StreamStatus;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * A cluster as {@code status} shows it: its shards (those of its newest cluster snapshot, plus any
 * other source named as one of its shards), each with its newest snapshot, the newest recovery
 * window of its log and its stream; and the whole: the span common to every shard's newest window
 * and after the first cluster snapshot, which is what {@code restore --name CLUSTER --at} can cut.
 */
public record ClusterStatus(String cluster, List<ClusterSnapshot> snapshots, List<Shard> shards,
                            Instant commonFrom, Instant commonTo) {

    public ClusterStatus {
        snapshots = List.copyOf(snapshots);
        shards = List.copyOf(shards);
    }

    /**
     * One shard: its index and source, its slots (from the newest cluster snapshot naming it;
     * empty when none does), its newest snapshot, its newest restorable window, its stream.
     */
    public record Shard(int index, String source, List<String> slots, Optional<SnapshotManifest> newestSnapshot,
                        Optional<Window> window, Optional<StreamStatus> stream) {
        public Shard {
            slots = List.copyOf(slots);
        }
    }

    /** Whether some point can be restored on every shard (the common window is not empty). */
    public boolean hasCommonWindow() {
        return commonFrom != null && commonTo != null && !commonFrom.isAfter(commonTo);
    }

    /** The newest cluster snapshot (null when none). */
    public ClusterSnapshot newest() {
        return snapshots.isEmpty() ? null : snapshots.get(snapshots.size() - 1);
    }

    /** What the repository holds of cluster. */
    public static ClusterStatus of(Repository repository, String cluster) throws IOException {
        List<ClusterSnapshot> snapshots = ClusterSnapshots.list(repository, cluster);
        Planner planner = new Planner(repository);
        List<Shard> shards = new ArrayList<>();
        for (String source : ClusterSources.shardSources(repository, cluster)) {
            int index = ClusterSources.shardIndex(cluster, source);
            List<String> slots = List.of();
            for (ClusterSnapshot s : snapshots) {
                for (ClusterSnapshot.ShardSnapshot shard : s.shards()) {
                    if (shard.index() == index) {
                        slots = shard.slots(); // oldest first: the newest naming it wins
                    }
                }
            }
            List<SnapshotManifest> stored = repository.catalog().snapshots(source);
            Optional<Window> window = planner.windows(source).stream().max(Comparator.comparing(Window::toTime));
            shards.add(new Shard(index, source, slots, stored.stream().findFirst(), window,
                    repository.timelines().status(source)));
        }
        Instant from = snapshots.isEmpty() ? null : Instant.parse(snapshots.get(0).startedAt());
        Instant to = null;
        ClusterSnapshot newest = snapshots.isEmpty() ? null : snapshots.get(snapshots.size() - 1);
        for (Shard s : shards) {
            boolean current = newest == null || newest.shards().stream().anyMatch(p -> p.index() == s.index());
            if (!current) {
                continue; // a shard the cluster no longer has does not narrow the window
            }
            if (s.window().isEmpty()) {
                return new ClusterStatus(cluster, snapshots, shards, null, null);
            }
            Window w = s.window().get();
            from = from == null || w.fromTime().isAfter(from) ? w.fromTime() : from;
            to = to == null || w.toTime().isBefore(to) ? w.toTime() : to;
        }
        return new ClusterStatus(cluster, snapshots, shards, from, to);
    }
}
