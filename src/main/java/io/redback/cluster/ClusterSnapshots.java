package io.redback.cluster;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.redback.files.NewFile;
import io.redback.pitr.RestoreException;
import io.redback.repo.Repository;
import io.redback.repo.Retention;
import io.redback.repo.RetentionPolicy;
import io.redback.repo.SnapshotId;
import io.redback.repo.SnapshotManifest;
import io.redback.restore.PhaseListener;
import io.redback.restore.SnapshotRestore;
import io.redback.storage.Storage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Reads cluster snapshots back: the list of them (for {@code list}), one by id (or the start of
 * one), and a restore into files: {@code DIR/shard-N/dump.rdb} per shard, each verified as any
 * snapshot restore, and {@code DIR/cluster.json} saying which slots each directory holds; and
 * what prune does to them ({@link #retention}).
 */
public final class ClusterSnapshots {
    static final int MAX_DOCUMENT = 1 << 20;
    static final ObjectMapper READER = new ObjectMapper()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private ClusterSnapshots() {
    }

    /** Every cluster snapshot in the repository (of cluster, or all when null), oldest first. */
    public static List<ClusterSnapshot> list(Repository repository, String cluster) throws IOException {
        String prefix = cluster == null ? repository.clustersPrefix() : repository.clusterSnapshotsPrefix(cluster);
        List<ClusterSnapshot> out = new ArrayList<>();
        for (Storage.ObjectInfo o : repository.storage().list(prefix)) {
            if (!o.key().endsWith(".json") || !o.key().contains("/snapshots/") || o.size() > MAX_DOCUMENT) {
                continue;
            }
            try (InputStream in = repository.storage().get(o.key())) {
                ClusterSnapshot s = READER.readValue(in.readNBytes(MAX_DOCUMENT), ClusterSnapshot.class);
                if (s.formatVersion() == ClusterSnapshot.FORMAT_VERSION) {
                    out.add(s);
                }
            } catch (IOException e) {
                // a damaged document names no snapshot; check --repo reports it (ClusterCheck)
            }
        }
        out.sort(Comparator.comparing(ClusterSnapshot::id));
        return out;
    }

    /** The cluster snapshot whose id is, or starts with, idOrPrefix; empty when none. */
    public static Optional<ClusterSnapshot> find(Repository repository, String idOrPrefix) throws IOException {
        List<ClusterSnapshot> hits = list(repository, null).stream()
                .filter(s -> s.id().startsWith(idOrPrefix)).toList();
        if (hits.size() > 1) {
            throw new ClusterException("'" + idOrPrefix + "' is the start of " + hits.size()
                    + " cluster snapshots; give more of the id");
        }
        return hits.stream().findFirst();
    }

    /** The cluster snapshot with exactly this id; empty when none (then it may be a plain snapshot's). */
    public static Optional<ClusterSnapshot> exact(Repository repository, String id) throws IOException {
        return list(repository, null).stream().filter(s -> s.id().equals(id)).findFirst();
    }

    /** The verdict on one cluster snapshot: kept (with the rules that keep it) or forgotten, and its manifest's key. */
    public record Decision(String cluster, String id, boolean keep, List<String> reasons, String key) {
        public Decision {
            reasons = List.copyOf(reasons);
        }
    }

    /**
     * What prune does to cluster snapshots: each one's verdict, and the shard snapshots the kept
     * ones name, per source, with the reason (for {@link io.redback.repo.Pruner}, which then keeps
     * them whatever the shard sources' own policy says).
     */
    public record Retained(List<Decision> decisions, Map<String, Map<SnapshotId, String>> pinned) {
        public Retained {
            decisions = List.copyOf(decisions);
        }

        /** The forgotten ones. */
        public List<Decision> forgotten() {
            return decisions.stream().filter(d -> !d.keep()).toList();
        }
    }

    /**
     * Applies policy to the cluster snapshots of each cluster (of only, when given; the others
     * are all kept), the way prune applies it to a source's snapshots. A shard snapshot that a
     * kept cluster snapshot names is pinned, so that no cluster snapshot is ever left naming a
     * removed shard snapshot; the forgotten ones go first ({@link #remove}), before any shard
     * snapshot, and their shards' snapshots are then judged by the shard sources' own policy.
     */
    public static Retained retention(Repository repository, RetentionPolicy policy, String only) throws IOException {
        return retention(repository, policy, only, true);
    }

    /**
     * Every shard snapshot any cluster snapshot names, per source, with the reason: what a prune
     * that does not judge cluster snapshots (the agent's, of one source) must keep.
     */
    public static Map<String, Map<SnapshotId, String>> named(Repository repository) throws IOException {
        return retention(repository, null, null, false).pinned();
    }

    private static Retained retention(Repository repository, RetentionPolicy policy, String only, boolean judge)
            throws IOException {
        Map<String, List<ClusterSnapshot>> byCluster = new TreeMap<>();
        for (ClusterSnapshot c : list(repository, null)) {
            byCluster.computeIfAbsent(c.cluster(), k -> new ArrayList<>()).add(c);
        }
        List<Decision> decisions = new ArrayList<>();
        Map<String, Map<SnapshotId, String>> pinned = new TreeMap<>();
        for (Map.Entry<String, List<ClusterSnapshot>> e : byCluster.entrySet()) {
            Map<SnapshotId, ClusterSnapshot> ids = new LinkedHashMap<>();
            for (ClusterSnapshot c : e.getValue()) {
                if (SnapshotId.isId(c.id())) {
                    ids.put(SnapshotId.parse(c.id()), c);
                }
            }
            boolean inScope = judge && (only == null || only.equals(e.getKey()));
            List<Retention.Decision> judged = inScope ? Retention.apply(ids.keySet(), policy)
                    : ids.keySet().stream().map(id -> new Retention.Decision(id, true, List.of("not pruned"))).toList();
            for (Retention.Decision d : judged) {
                ClusterSnapshot c = ids.get(d.id());
                decisions.add(new Decision(c.cluster(), c.id(), d.keep(), d.reasons(),
                        repository.clusterSnapshotKey(c.cluster(), d.id())));
                if (d.keep()) {
                    for (ClusterSnapshot.ShardSnapshot shard : c.shards()) {
                        if (SnapshotId.isId(shard.snapshot())) {
                            pinned.computeIfAbsent(shard.source(), k -> new LinkedHashMap<>())
                                    .putIfAbsent(SnapshotId.parse(shard.snapshot()), "cluster snapshot " + c.id());
                        }
                    }
                }
            }
        }
        return new Retained(decisions, pinned);
    }

    /** Deletes the manifests of the forgotten cluster snapshots (before any shard snapshot goes). */
    public static void remove(Repository repository, Retained retained) throws IOException {
        for (Decision d : retained.forgotten()) {
            repository.storage().delete(d.key());
        }
    }

    /** What a restore into files wrote: each shard's directory and the snapshot it holds. */
    public record Restored(Path dir, List<Path> shardDirs, List<SnapshotRestore.Result> results) {
    }

    /**
     * Writes every shard of snapshot as {@code dir/shard-<index>/dump.rdb}, the shards in parallel
     * as {@link ClusterRestore#fetch} downloads them, and then {@code dir/cluster.json} (only when
     * every shard is written). After a failure no further shard starts and those running are
     * awaited; the shards written stay.
     *
     * @throws RestoreException as {@link SnapshotRestore#toDir} for a shard (the first that failed
     *     in shard order, named)
     */
    public static Restored toDir(Repository repository, ClusterSnapshot snapshot, Path dir, boolean force)
            throws IOException, RestoreException {
        return toDir(repository, snapshot, dir, force, null);
    }

    static Restored toDir(Repository repository, ClusterSnapshot snapshot, Path dir, boolean force,
                          Parallel.InFlight inFlight) throws IOException, RestoreException {
        Path d = dir.toAbsolutePath().normalize();
        List<SnapshotManifest> manifests = manifests(repository, snapshot);
        for (ClusterSnapshot.ShardSnapshot shard : snapshot.shards()) {
            SnapshotRestore.prepare(d.resolve("shard-" + shard.index()), force); // every refusal before any write
        }
        List<Parallel.Task<SnapshotRestore.Result>> tasks = new ArrayList<>();
        for (int i = 0; i < snapshot.shards().size(); i++) {
            ClusterSnapshot.ShardSnapshot shard = snapshot.shards().get(i);
            SnapshotManifest m = manifests.get(i);
            tasks.add(stopped -> {
                try {
                    return new SnapshotRestore(new AtomicLong(), PhaseListener.NONE)
                            .toDir(new SnapshotRestore.Snapshot(repository.storage(), m), d.resolve("shard-"
                                    + shard.index()), force);
                } catch (RestoreException e) {
                    throw ofShard(snapshot, shard, e);
                }
            });
        }
        List<SnapshotRestore.Result> results = Parallel.run(tasks, Parallel.downloads(tasks.size()), r -> true,
                "redback-restore", "restoring the shards of cluster snapshot " + snapshot.id(), inFlight);
        List<Path> dirs = new ArrayList<>();
        List<Map<String, Object>> described = new ArrayList<>();
        for (ClusterSnapshot.ShardSnapshot shard : snapshot.shards()) {
            dirs.add(d.resolve("shard-" + shard.index()));
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("dir", "shard-" + shard.index());
            entry.put("slots", shard.slots());
            entry.put("primaryId", shard.primaryId());
            entry.put("source", shard.source());
            entry.put("snapshot", shard.snapshot());
            entry.put("keys", shard.keys());
            described.add(entry);
        }
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("cluster", snapshot.cluster());
        doc.put("snapshot", snapshot.id());
        doc.put("shards", described);
        NewFile.write(d.resolve("cluster.json"), ClusterBackup.JSON.writeValueAsBytes(doc), NewFile.Mode.DEFAULT);
        return new Restored(d, dirs, results);
    }

    /** Every shard's snapshot manifest, in shard order. */
    static List<SnapshotManifest> manifests(Repository repository, ClusterSnapshot snapshot) {
        List<SnapshotManifest> manifests = new ArrayList<>();
        for (ClusterSnapshot.ShardSnapshot shard : snapshot.shards()) {
            try {
                manifests.add(repository.catalog().find(shard.source(), shard.snapshot()));
            } catch (IOException | RuntimeException e) {
                throw new ClusterException("cluster snapshot " + snapshot.id() + ": shard " + shard.index()
                        + "'s snapshot " + shard.source() + "/" + shard.snapshot() + " cannot be read (" + e.getMessage()
                        + "); a prune of that source may have removed it");
            }
        }
        return manifests;
    }

    /** A shard's failure as the cluster snapshot's: the same kind, the shard named first. */
    static RestoreException ofShard(ClusterSnapshot snapshot, ClusterSnapshot.ShardSnapshot shard,
                                    RestoreException e) {
        return new RestoreException(e.kind(), "cluster snapshot " + snapshot.id() + ", shard " + shard.index()
                + " (" + shard.source() + "/" + shard.snapshot() + "): " + e.getMessage(), e.windows(), e);
    }
}
