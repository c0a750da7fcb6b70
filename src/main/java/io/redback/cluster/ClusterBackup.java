package io.redback.cluster;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.redback.backup.Backup;
import io.redback.backup.ScanSnapshot;
import io.redback.rdb.RdbException;
import io.redback.redis.RedisUri;
import io.redback.redis.ReplicaOptions;
import io.redback.redis.ReplicaSync;
import io.redback.redis.TransferProgress;
import io.redback.repo.Compression;
import io.redback.repo.Repository;
import io.redback.repo.SnapshotId;
import io.redback.repo.SnapshotManifest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Takes a cluster snapshot: one snapshot per shard, all at once (one full sync per shard, from a
 * replica when asked and one is there, else from the primary; or a scan of each primary), each committed as a snapshot of
 * its per-shard source ({@link ClusterSnapshot#shardSource}) by {@link Backup#take}, then the
 * {@link ClusterSnapshot} manifest that groups them, written last: a failed shard leaves no
 * cluster snapshot (its siblings' snapshots stay, usable alone, and prune treats them as any).
 * Refused while slots are migrating unless allowed, which the manifest records. Shards are
 * numbered by the cluster's {@link ShardMap}, recorded first when it changed.
 */
public final class ClusterBackup {
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * How to take it; {@code scan}: scan each primary ({@code --method scan}) with these options
     * instead of a full sync, or null.
     */
    public record Options(boolean preferReplica, boolean allowMigrating, Compression compression,
                          ReplicaOptions replica, ScanSnapshot.Options scan) {
        public Options {
            Objects.requireNonNull(compression, "compression");
            Objects.requireNonNull(replica, "replica");
            if (scan != null && preferReplica) {
                throw new IllegalArgumentException("a scan reads each shard's primary: --prefer-replica goes with a "
                        + "full sync (--method sync)");
            }
        }

        /** Full syncs. */
        public Options(boolean preferReplica, boolean allowMigrating, Compression compression, ReplicaOptions replica) {
            this(preferReplica, allowMigrating, compression, replica, null);
        }
    }

    /** The cluster snapshot and each shard's stored snapshot, in shard order. */
    public record Taken(ClusterSnapshot manifest, List<SnapshotManifest> shards) {
    }

    private ClusterBackup() {
    }

    /**
     * Takes and stores a snapshot of every shard of topology; template gives the user, password
     * and TLS settings used for every node.
     *
     * @throws ClusterException when slots are migrating (and not allowed), or the cluster has no shard
     * @throws RdbException when a shard's RDB is damaged (no cluster snapshot is written)
     * @throws IOException when a node or the repository fails (no cluster snapshot is written)
     */
    public static Taken take(Repository repository, String cluster, ClusterTopology topology, RedisUri template,
                             Options options, Clock clock) throws IOException, RdbException {
        Repository.checkSourceName(ClusterSnapshot.shardSource(cluster, 0));
        if (topology.shards().isEmpty()) {
            throw new ClusterException("the cluster at " + template.address() + " has no shard serving slots");
        }
        if (!topology.migrations().isEmpty() && !options.allowMigrating()) {
            throw new ClusterException("slots are migrating between shards (" + describe(topology.migrations())
                    + "): a snapshot now could hold a key twice or miss it; wait for the resharding to end, or "
                    + "add --allow-migrating to take it anyway (recorded in the cluster snapshot)");
        }
        // Each shard's index (and source) comes from the cluster's shard map, so that a shard keeps its
        // source through failovers and resharding; a change is recorded before any shard is copied.
        ShardMap.Update map = ShardMap.record(repository, cluster, topology, clock);
        SnapshotId id = repository.newSnapshotId(clock);
        Instant started = clock.instant();
        List<ClusterTopology.Shard> shards = topology.shards();
        ExecutorService pool = Executors.newFixedThreadPool(shards.size(), r -> {
            Thread t = new Thread(r, "cluster-backup");
            t.setDaemon(true);
            return t;
        });
        List<SnapshotManifest> stored = new ArrayList<>();
        List<ClusterSnapshot.ShardSnapshot> parts = new ArrayList<>();
        try {
            List<Future<ClusterSnapshot.ShardSnapshot>> futures = new ArrayList<>();
            List<SnapshotManifest[]> results = new ArrayList<>();
            for (int i = 0; i < shards.size(); i++) {
                int index = map.indexOf(i);
                ClusterTopology.Shard shard = shards.get(i);
                SnapshotManifest[] slot = new SnapshotManifest[1];
                results.add(slot);
                futures.add(pool.submit(() -> {
                    ClusterTopology.Node node = options.preferReplica() && !shard.replicas().isEmpty()
                            ? shard.replicas().get(0) : shard.primary();
                    RedisUri uri = template.atNode(node.host(), node.port());
                    String source = ClusterSnapshot.shardSource(cluster, index);
                    Backup.Rdb rdb = options.scan() != null
                            ? new Backup.Scan(ScanSnapshot.start(uri, options.scan()))
                            : new Backup.FullSync(ReplicaSync.start(uri, options.replica()));
                    SnapshotManifest m = Backup.take(repository, source, uri, rdb,
                            options.compression(), TransferProgress.NONE, clock).manifest();
                    slot[0] = m;
                    return new ClusterSnapshot.ShardSnapshot(index,
                            shard.slots().stream().map(ClusterTopology.SlotRange::toString).toList(),
                            shard.primary().id(), shard.configEpoch(), node.id(), node.address(), !node.primary(),
                            source, m.id().toString(), m.replicationId(), m.replicationOffset(), m.totalKeys(),
                            m.startedAt().toString(), m.finishedAt().toString());
                }));
            }
            for (int i = 0; i < futures.size(); i++) {
                try {
                    parts.add(futures.get(i).get());
                    stored.add(results.get(i)[0]);
                } catch (ExecutionException e) {
                    Throwable cause = e.getCause();
                    String where = "shard " + map.indexOf(i) + " (slots " + shards.get(i).slots().get(0) + "...)";
                    if (cause instanceof RdbException r) {
                        throw r;
                    }
                    if (cause instanceof IOException io) {
                        throw new IOException(where + ": " + io.getMessage(), io);
                    }
                    if (cause instanceof RuntimeException re) {
                        throw re;
                    }
                    throw new IOException(where + ": " + cause, cause);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while the shards were being backed up", e);
                }
            }
        } finally {
            pool.shutdownNow();
        }
        // In index order (the topology's is by first slot, which a resharding can change).
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < parts.size(); i++) {
            order.add(i);
        }
        order.sort((a, b) -> Integer.compare(parts.get(a).index(), parts.get(b).index()));
        List<ClusterSnapshot.ShardSnapshot> sortedParts = order.stream().map(parts::get).toList();
        List<SnapshotManifest> sortedStored = order.stream().map(stored::get).toList();
        // Slots that changed hands while the shards were copied would make the parts disagree.
        ClusterTopology after = ClusterDiscovery.discover(template);
        if (!slotsOf(after).equals(slotsOf(topology))) {
            throw new ClusterException("the cluster's slots changed hands while its shards were backed up (from "
                    + slotsOf(topology) + " to " + slotsOf(after) + "): the shards' snapshots are stored, but no "
                    + "cluster snapshot groups them; back up again");
        }
        ClusterSnapshot manifest = new ClusterSnapshot(ClusterSnapshot.FORMAT_VERSION, id.toString(), cluster,
                started.toString(), clock.instant().toString(), options.allowMigrating() && !topology.migrations().isEmpty(),
                topology.migrations().stream().map(ClusterTopology.Migration::toString).toList(), sortedParts,
                options.scan() != null ? ClusterSnapshot.SCAN : ClusterSnapshot.SYNC);
        byte[] json = JSON.writeValueAsBytes(manifest);
        repository.storage().put(repository.clusterSnapshotKey(cluster, id), new ByteArrayInputStream(json), json.length);
        return new Taken(manifest, sortedStored);
    }

    /** Each shard's slot ranges, in shard order: what must not change during a backup. */
    private static List<List<ClusterTopology.SlotRange>> slotsOf(ClusterTopology t) {
        return t.shards().stream().map(ClusterTopology.Shard::slots).toList();
    }

    private static String describe(List<ClusterTopology.Migration> migrations) {
        List<String> first = migrations.stream().limit(3).map(ClusterTopology.Migration::toString).toList();
        return String.join("; ", first) + (migrations.size() > 3 ? "; and " + (migrations.size() - 3) + " more" : "");
    }
}
