package io.redback.cluster;

import io.redback.stream.StreamEvents;
import java.util.List;

/**
 * A cluster stream's events in words ({@code stream --cluster} and the agent's log share them):
 * a shard's own stream event as {@link StreamEvents} words it, with the shard in front (text) or
 * as {@code shard} and {@code source} fields first (JSON), and the cluster's own events: topology
 * recorded, cluster snapshots, a shard started, failing or removed.
 */
public final class ClusterStreamEvents {
    private ClusterStreamEvents() {
    }

    /** The words of an event; the topology's message has a line per shard after its first. */
    public static StreamEvents.Words describe(ClusterStream.Event event) {
        StreamEvents.Fields f = new StreamEvents.Fields();
        String name;
        String text;
        if (event instanceof ClusterStream.ShardEvent s) {
            StreamEvents.Words inner = StreamEvents.describe(s.event());
            return f.put("shard", s.index()).put("source", s.source()).putAll(inner.fields())
                    .words(inner.event(), "shard " + s.index() + " (" + s.address() + "): " + inner.message());
        } else if (event instanceof ClusterStream.ShardStarted s) {
            name = "shard-started";
            f.put("shard", s.index()).put("source", s.source()).put("address", s.address())
                    .put("spool", s.spool().toString());
            text = "shard " + s.index() + ": streaming " + s.address() + " as " + s.source() + " (spool " + s.spool()
                    + ")";
        } else if (event instanceof ClusterStream.ShardFailed s) {
            name = "shard-failed";
            f.put("shard", s.index()).put("source", s.source()).put("reason", s.reason())
                    .put("retryInMs", s.retryIn().toMillis());
            text = "ERROR: shard " + s.index() + " (" + s.source() + ") stopped: " + s.reason() + "; the other "
                    + "shards keep shipping; this shard starts again in " + s.retryIn().toSeconds() + " s from its "
                    + "spool";
        } else if (event instanceof ClusterStream.ShardRemoved r) {
            name = "shard-removed";
            f.put("shard", r.index()).put("source", r.source());
            text = "shard " + r.index() + " serves no slot any more: its link stopped (" + r.source()
                    + " keeps its history)";
        } else if (event instanceof ClusterStream.TopologyRecorded t) {
            name = "topology";
            ShardMap m = t.map();
            f.put("record", m.id()).put("slotsChanged", m.slotsChanged()).put("changes", m.changes())
                    .put("shards", m.shards().stream().map(s -> new TopologyShard(s.index(), s.source(),
                            s.primaryAddress(), s.slots())).toList());
            StringBuilder b = new StringBuilder("topology recorded (clusters/" + m.cluster() + "/shards/" + m.id()
                    + ".json): ");
            b.append(String.join("; ", m.changes()));
            for (ShardMap.Shard s : m.shards()) {
                b.append(System.lineSeparator()).append("  shard ").append(s.index()).append("  slots ")
                        .append(String.join(",", s.slots())).append("  primary ").append(s.primaryAddress());
            }
            text = b.toString();
        } else if (event instanceof ClusterStream.TopologyUnreadable u) {
            name = "topology-unreadable";
            f.put("reason", u.reason());
            text = "WARNING: the cluster's topology could not be read (" + u.reason() + "); the links keep their "
                    + "nodes, trying again";
        } else if (event instanceof ClusterStream.SnapshotDeferred d) {
            name = "cluster-snapshot-deferred";
            f.put("migrating", d.migrating());
            text = "slots are migrating (" + String.join("; ", d.migrating().stream().limit(3).toList())
                    + (d.migrating().size() > 3 ? "; ..." : "") + "): the cluster snapshot waits for the end of the "
                    + "resharding";
        } else if (event instanceof ClusterStream.SnapshotTaken t) {
            name = "cluster-snapshot";
            ClusterSnapshot c = t.snapshot();
            f.put("id", c.id()).put("shards", c.shards().stream()
                    .map(s -> new ShardSnapshot(s.index(), s.source(), s.snapshot(), s.slots())).toList());
            text = c.line() + " stored";
        } else if (event instanceof ClusterStream.SnapshotFailed s) {
            name = "cluster-snapshot-failed";
            f.put("reason", s.reason());
            text = "WARNING: the cluster snapshot failed (" + s.reason() + "); trying again at the next reading of "
                    + "the topology";
        } else if (event instanceof ClusterStream.Stopped s) {
            name = "cluster-stopped";
            f.put("shards", s.shards()).put("failedShards", s.failedShards());
            text = "stopped: " + s.shards() + " shard links stopped" + (s.failedShards().isEmpty() ? ""
                    : "; shards failed meanwhile: " + String.join("; ", s.failedShards()));
        } else {
            throw new IllegalStateException("unknown event " + event);
        }
        return f.words(name, text);
    }

    /** One shard of {@code topology}'s fields. */
    public record TopologyShard(int shard, String source, String primary, List<String> slots) {
    }

    /** One shard of {@code cluster-snapshot}'s fields. */
    public record ShardSnapshot(int shard, String source, String snapshot, List<String> slots) {
    }
}
