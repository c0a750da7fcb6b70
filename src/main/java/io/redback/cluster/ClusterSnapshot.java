package io.redback.cluster;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.redback.repo.Quantities;
import java.util.List;

/**
 * The manifest of a cluster snapshot ({@code clusters/<cluster>/snapshots/<id>.json}), written
 * after every shard's snapshot is committed: which snapshot of which per-shard source holds which
 * slots, the nodes and config epoch it was taken from, each shard's replication id and offset,
 * and the times. Shard i's source is {@code <cluster>.shard-<i>}, shards numbered by the
 * cluster's {@link ShardMap} (at first from 0 in the order of their first slot; a shard keeps its
 * index through failovers and resharding, and an index may be missing after a shard was removed).
 * Times are ISO-8601 UTC text. Shards taken by a scan ({@code method: scan}) have no replication
 * id or offset.
 */
@JsonPropertyOrder({"formatVersion", "id", "cluster", "startedAt", "finishedAt", "allowedMigrating", "migrating",
        "shards", "method"})
public record ClusterSnapshot(int formatVersion, String id, String cluster, String startedAt, String finishedAt,
                              boolean allowedMigrating, List<String> migrating, List<ShardSnapshot> shards,
                              String method) {
    public static final int FORMAT_VERSION = 1;

    /** A cluster snapshot whose shards were taken by full syncs. */
    public ClusterSnapshot(int formatVersion, String id, String cluster, String startedAt, String finishedAt,
                           boolean allowedMigrating, List<String> migrating, List<ShardSnapshot> shards) {
        this(formatVersion, id, cluster, startedAt, finishedAt, allowedMigrating, migrating, shards, SYNC);
    }

    /**
     * {@code method}: how every shard's snapshot was taken, "sync" or "scan" (a manifest written
     * before the field existed has none, and was taken by full syncs).
     */
    @JsonCreator
    public ClusterSnapshot {
        migrating = migrating == null ? List.of() : List.copyOf(migrating);
        shards = shards == null ? List.of() : List.copyOf(shards);
        method = method == null ? SYNC : method;
    }

    /** One line for people (list, the stream's events): id, cluster, shards with their slots and snapshots. */
    public String line() {
        StringBuilder s = new StringBuilder("cluster snapshot " + id + " of " + cluster + ": " + shards.size()
                + " shards");
        long keys = 0;
        for (ShardSnapshot shard : shards) {
            keys += shard.keys();
            s.append(" [").append(shard.index()).append(": slots ").append(String.join(",", shard.slots()))
                    .append(", ").append(shard.source()).append('/').append(shard.snapshot()).append(']');
        }
        s.append(", ").append(Quantities.printCount(keys)).append(" keys")
                .append(allowedMigrating ? ", slots were migrating" : "");
        return s.toString();
    }

    /** The method of shards taken by full syncs. */
    public static final String SYNC = "sync";
    /** The method of shards taken by scans (no replication id or offset). */
    public static final String SCAN = "scan";

    /**
     * One shard's part: its index, slot ranges ("0-5460"), its primary's node id and config
     * epoch, the node the RDB came from, and the snapshot stored as {@code source}/{@code snapshot}.
     */
    @JsonPropertyOrder({"index", "slots", "primaryId", "configEpoch", "nodeId", "nodeAddress", "replica", "source",
            "snapshot", "replicationId", "replicationOffset", "keys", "startedAt", "finishedAt"})
    public record ShardSnapshot(int index, List<String> slots, String primaryId, long configEpoch, String nodeId,
                                String nodeAddress, boolean replica, String source, String snapshot,
                                String replicationId, Long replicationOffset, long keys, String startedAt,
                                String finishedAt) {
        public ShardSnapshot {
            slots = slots == null ? List.of() : List.copyOf(slots);
        }
    }

    /** The per-shard source name of shard index of cluster. */
    public static String shardSource(String cluster, int index) {
        return cluster + ".shard-" + index;
    }
}
