package io.redback.cli;

import io.redback.cluster.ClusterSnapshot;

/** How list and show print a cluster snapshot. */
final class ClusterText {
    private ClusterText() {
    }

    /** One line: id, cluster, shards with their slots and snapshots ({@link ClusterSnapshot#line}). */
    static String line(ClusterSnapshot c) {
        return c.line();
    }

    /** Several lines for show. */
    static String describe(ClusterSnapshot c) {
        StringBuilder s = new StringBuilder();
        s.append(String.format("%-18s %s%n", "id", c.id()));
        s.append(String.format("%-18s %s%n", "cluster", c.cluster()));
        s.append(String.format("%-18s %s%n", "startedAt", c.startedAt()));
        s.append(String.format("%-18s %s%n", "finishedAt", c.finishedAt()));
        s.append(String.format("%-18s %s%n", "allowedMigrating", c.allowedMigrating()));
        for (String m : c.migrating()) {
            s.append(String.format("  %s%n", m));
        }
        for (ClusterSnapshot.ShardSnapshot shard : c.shards()) {
            s.append(String.format("shard %-12d slots %s, primary %s (config epoch %d), from %s%s, snapshot %s/%s, "
                            + "replication %s:%s, %s keys%n", shard.index(), String.join(",", shard.slots()),
                    shard.primaryId(), shard.configEpoch(), shard.nodeAddress(), shard.replica() ? " (replica)" : "",
                    shard.source(), shard.snapshot(), shard.replicationId(), shard.replicationOffset(),
                    Text.count(shard.keys())));
        }
        return s.toString().stripTrailing();
    }
}
