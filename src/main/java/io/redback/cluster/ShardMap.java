package io.redback.cluster;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.redback.repo.Repository;
import io.redback.repo.SnapshotId;
import io.redback.storage.Storage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A cluster's shard map, one record of it ({@code clusters/<cluster>/shards/<id>.json}): which
 * index, and so which per-shard source ({@link ClusterSnapshot#shardSource}), each shard of the
 * cluster has from the time it was recorded, with the shard's nodes and slots and what changed
 * since the record before. The newest record holds. A shard keeps its index while its nodes
 * change (a failover promotes a replica the record knows), a new shard gets {@code nextIndex} and
 * an index is never given again, so a source always holds one shard's history. Written by
 * {@code stream --cluster} when it sees the topology change and by {@code backup --cluster}; a
 * cluster without a record is numbered from its newest cluster snapshot, else by first slot.
 */
@JsonPropertyOrder({"formatVersion", "id", "cluster", "recordedAt", "slotsChanged", "changes", "nextIndex",
        "migrating", "shards"})
public record ShardMap(int formatVersion, String id, String cluster, String recordedAt, boolean slotsChanged,
                       List<String> changes, int nextIndex, List<String> migrating, List<Shard> shards) {
    public static final int FORMAT_VERSION = 1;
    private static final int MAX_DOCUMENT = 4 << 20;
    private static final int MAX_CHANGES_LISTED = 50;
    private static final ObjectMapper READER = new ObjectMapper()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    public ShardMap {
        changes = changes == null ? List.of() : List.copyOf(changes);
        migrating = migrating == null ? List.of() : List.copyOf(migrating);
        shards = shards == null ? List.of() : List.copyOf(shards);
    }

    /**
     * One shard: its index and source, its primary (node id and address), every node the record
     * knows in it (primary and replicas, by id: how the shard is recognised after a failover),
     * its slot ranges as text ("0-5460") and its primary's config epoch.
     */
    @JsonPropertyOrder({"index", "source", "primaryId", "primaryAddress", "nodeIds", "slots", "configEpoch"})
    public record Shard(int index, String source, String primaryId, String primaryAddress, List<String> nodeIds,
                        List<String> slots, long configEpoch) {
        public Shard {
            nodeIds = nodeIds == null ? List.of() : List.copyOf(nodeIds);
            slots = slots == null ? List.of() : List.copyOf(slots);
        }

        /** What makes two records of a shard the same (the config epoch alone changes nothing). */
        boolean sameAs(Shard o) {
            return index == o.index && Objects.equals(primaryId, o.primaryId)
                    && (primaryAddress == null || o.primaryAddress == null || primaryAddress.equals(o.primaryAddress))
                    && new HashSet<>(nodeIds).equals(new HashSet<>(o.nodeIds)) && slots.equals(o.slots);
        }
    }

    /**
     * The map that holds now for a topology: {@link #indices()} gives the index of each of the
     * topology's shards (in its order), {@link #changes()} what differs from the record before,
     * {@code slotsChanged} whether slots changed hands or shards came or went (then restores after
     * it need a new cluster snapshot), {@code recorded} whether a new record was written.
     */
    public record Update(ShardMap map, List<Integer> indices, List<String> changes, boolean slotsChanged,
                         boolean recorded) {
        public Update {
            indices = List.copyOf(indices);
            changes = List.copyOf(changes);
        }

        /** The index of the topology's shard at position (its order in {@link ClusterTopology#shards()}). */
        public int indexOf(int position) {
            return indices.get(position);
        }

        /** The position in the topology of the shard with this index, or -1 when no shard has it. */
        public int positionOf(int index) {
            return indices.indexOf(index);
        }
    }

    /** The newest record of cluster's shard map, if any. */
    public static Optional<ShardMap> newest(Repository repository, String cluster) throws IOException {
        String newest = null;
        for (Storage.ObjectInfo o : repository.storage().list(repository.clusterShardMapsPrefix(cluster))) {
            if (o.key().endsWith(".json") && o.size() <= MAX_DOCUMENT && (newest == null || o.key().compareTo(newest) > 0)) {
                newest = o.key();
            }
        }
        if (newest == null) {
            return Optional.empty();
        }
        try (InputStream in = repository.storage().get(newest)) {
            ShardMap m = READER.readValue(in.readNBytes(MAX_DOCUMENT), ShardMap.class);
            if (m.formatVersion() != FORMAT_VERSION) {
                throw new ClusterException(newest + " has format version " + m.formatVersion() + "; this release "
                        + "reads " + FORMAT_VERSION + ": use a newer redback");
            }
            return Optional.of(m);
        }
    }

    /**
     * Matches topology's shards with the newest record (or, without one, the newest cluster
     * snapshot), and writes a new record when anything differs: the first time, when slots changed
     * hands, a shard came or went, or a shard's nodes changed (a failover).
     */
    public static Update record(Repository repository, String cluster, ClusterTopology topology, Clock clock)
            throws IOException {
        Optional<ShardMap> stored = newest(repository, cluster);
        ShardMap previous = stored.orElse(null);
        boolean seeded = false;
        if (previous == null) {
            List<ClusterSnapshot> snapshots = ClusterSnapshots.list(repository, cluster);
            if (!snapshots.isEmpty()) {
                previous = fromSnapshot(snapshots.get(snapshots.size() - 1));
                seeded = true;
            }
        }
        SnapshotId id = repository.newSnapshotId(clock);
        Update u = assign(previous, cluster, topology, id.toString(), clock.instant().toString());
        if (stored.isPresent() && !u.recorded()) {
            return u;
        }
        ShardMap map = u.map();
        List<String> changes = u.changes();
        if (previous == null) {
            changes = List.of("first record: " + map.shards().size() + " shards, numbered by first slot");
        } else if (seeded && changes.isEmpty()) {
            changes = List.of("first record: " + map.shards().size() + " shards, numbered as in cluster snapshot "
                    + snapshotsNewestId(repository, cluster));
        }
        map = new ShardMap(map.formatVersion(), map.id(), map.cluster(), map.recordedAt(), u.slotsChanged(), changes,
                map.nextIndex(), map.migrating(), map.shards());
        byte[] json = ClusterBackup.JSON.writeValueAsBytes(map);
        repository.storage().put(repository.clusterShardMapKey(cluster, id), new ByteArrayInputStream(json), json.length);
        return new Update(map, u.indices(), changes, u.slotsChanged(), true);
    }

    private static String snapshotsNewestId(Repository repository, String cluster) throws IOException {
        List<ClusterSnapshot> s = ClusterSnapshots.list(repository, cluster);
        return s.isEmpty() ? "?" : s.get(s.size() - 1).id();
    }

    /** A map as a cluster snapshot numbered its shards (before shard maps were recorded). */
    static ShardMap fromSnapshot(ClusterSnapshot s) {
        List<Shard> shards = new ArrayList<>();
        int next = 0;
        for (ClusterSnapshot.ShardSnapshot p : s.shards()) {
            List<String> nodes = new ArrayList<>();
            nodes.add(p.primaryId());
            if (p.nodeId() != null && !p.nodeId().equals(p.primaryId())) {
                nodes.add(p.nodeId());
            }
            shards.add(new Shard(p.index(), p.source(), p.primaryId(), p.replica() ? null : p.nodeAddress(), nodes,
                    p.slots(), p.configEpoch()));
            next = Math.max(next, p.index() + 1);
        }
        return new ShardMap(FORMAT_VERSION, s.id(), s.cluster(), s.finishedAt(), false, List.of(), next, List.of(),
                shards);
    }

    /**
     * Gives each of topology's shards an index: the previous shard whose primary is its primary,
     * else one that knew its primary as a node (a promoted replica), else one that knew any of its
     * nodes, else the previous shard left over whose slots it shares most; a shard matching none
     * gets the next new index. Pure: nothing is read or written.
     */
    static Update assign(ShardMap previous, String cluster, ClusterTopology topology, String id, String now) {
        List<ClusterTopology.Shard> current = topology.shards();
        Integer[] indices = new Integer[current.size()];
        List<Shard> before = previous == null ? List.of() : previous.shards();
        Set<Integer> taken = new HashSet<>();
        int next = previous == null ? 0 : previous.nextIndex();
        if (previous != null) {
            // Passes from the strongest sign of identity to the weakest; a previous shard is matched once.
            for (int pass = 0; pass < 4; pass++) {
                for (int i = 0; i < current.size(); i++) {
                    if (indices[i] != null) {
                        continue;
                    }
                    Shard match = match(pass, current.get(i), before, taken);
                    if (match != null) {
                        indices[i] = match.index();
                        taken.add(match.index());
                    }
                }
            }
        }
        for (int i = 0; i < current.size(); i++) {
            if (indices[i] == null) {
                indices[i] = next++;
            }
        }
        List<Shard> shards = new ArrayList<>();
        for (int i = 0; i < current.size(); i++) {
            ClusterTopology.Shard s = current.get(i);
            List<String> nodes = new ArrayList<>();
            nodes.add(s.primary().id());
            s.replicas().forEach(r -> nodes.add(r.id()));
            shards.add(new Shard(indices[i], ClusterSnapshot.shardSource(cluster, indices[i]), s.primary().id(),
                    s.primary().address(), nodes, s.slots().stream().map(ClusterTopology.SlotRange::toString).toList(),
                    s.configEpoch()));
        }
        shards.sort((a, b) -> Integer.compare(a.index(), b.index()));
        List<String> changes = new ArrayList<>();
        boolean slotsChanged = false;
        if (previous != null) {
            for (Shard s : shards) {
                Shard old = before.stream().filter(b -> b.index() == s.index()).findFirst().orElse(null);
                if (old == null) {
                    changes.add("shard " + s.index() + " added (slots " + String.join(",", s.slots()) + ", primary "
                            + s.primaryAddress() + ")");
                    slotsChanged = true;
                } else if (!Objects.equals(old.primaryId(), s.primaryId())) {
                    changes.add("shard " + s.index() + ": primary now " + s.primaryAddress() + " (node " + s.primaryId()
                            + "), was node " + old.primaryId() + " (a failover)");
                } else if (old.primaryAddress() != null && !old.primaryAddress().equals(s.primaryAddress())) {
                    changes.add("shard " + s.index() + ": primary now at " + s.primaryAddress() + ", was at "
                            + old.primaryAddress());
                } else if (!new HashSet<>(old.nodeIds()).equals(new HashSet<>(s.nodeIds()))) {
                    changes.add("shard " + s.index() + ": nodes now " + String.join(",", s.nodeIds()));
                }
            }
            for (Shard old : before) {
                if (shards.stream().noneMatch(s -> s.index() == old.index())) {
                    changes.add("shard " + old.index() + " removed (it serves no slot any more; its source "
                            + old.source() + " keeps its history)");
                    slotsChanged = true;
                }
            }
            List<String> moves = slotMoves(before, shards);
            slotsChanged |= !moves.isEmpty();
            changes.addAll(moves);
        }
        if (changes.size() > MAX_CHANGES_LISTED) {
            int more = changes.size() - MAX_CHANGES_LISTED;
            changes = new ArrayList<>(changes.subList(0, MAX_CHANGES_LISTED));
            changes.add("and " + more + " more");
        }
        boolean differs = previous == null || previous.nextIndex() != next || previous.shards().size() != shards.size();
        for (int i = 0; !differs && i < shards.size(); i++) {
            differs = !shards.get(i).sameAs(previous.shards().get(i));
        }
        ShardMap map = new ShardMap(FORMAT_VERSION, id, cluster, now, slotsChanged, changes, next,
                topology.migrations().stream().map(ClusterTopology.Migration::toString).toList(), shards);
        return new Update(map, Arrays.asList(indices), changes, slotsChanged, differs);
    }

    private static Shard match(int pass, ClusterTopology.Shard s, List<Shard> before, Set<Integer> taken) {
        Shard best = null;
        long bestOverlap = 0;
        for (Shard b : before) {
            if (taken.contains(b.index())) {
                continue;
            }
            switch (pass) {
                case 0 -> {
                    if (s.primary().id().equals(b.primaryId())) {
                        return b;
                    }
                }
                case 1 -> {
                    if (b.nodeIds().contains(s.primary().id())) {
                        return b;
                    }
                }
                case 2 -> {
                    if (s.replicas().stream().anyMatch(r -> b.nodeIds().contains(r.id()))) {
                        return b;
                    }
                }
                default -> {
                    long overlap = 0;
                    for (ClusterTopology.SlotRange r : s.slots()) {
                        for (String text : b.slots()) {
                            ClusterTopology.SlotRange o = ClusterTopology.SlotRange.parse(text);
                            overlap += Math.max(0, Math.min(r.last(), o.last()) - Math.max(r.first(), o.first()) + 1);
                        }
                    }
                    if (overlap > bestOverlap) {
                        bestOverlap = overlap;
                        best = b;
                    }
                }
            }
        }
        return best;
    }

    /** "slots 0-99 moved from shard 0 to shard 3", one line per run of slots that moved alike. */
    private static List<String> slotMoves(List<Shard> before, List<Shard> after) {
        int[] was = owners(before);
        int[] is = owners(after);
        List<String> out = new ArrayList<>();
        int start = -1;
        for (int slot = 0; slot <= ClusterTopology.SLOTS; slot++) {
            boolean moved = slot < ClusterTopology.SLOTS && was[slot] != is[slot];
            boolean sameRun = start >= 0 && moved && was[slot] == was[start] && is[slot] == is[start];
            if (start >= 0 && !sameRun) {
                String slots = start == slot - 1 ? "slot " + start : "slots " + start + "-" + (slot - 1);
                out.add(slots + (was[start] < 0 ? " now served by shard " + is[start]
                        : is[start] < 0 ? " no longer served (were shard " + was[start] + "'s)"
                        : " moved from shard " + was[start] + " to shard " + is[start]));
                start = -1;
            }
            if (moved && start < 0) {
                start = slot;
            }
        }
        return out;
    }

    private static int[] owners(List<Shard> shards) {
        int[] owner = new int[ClusterTopology.SLOTS];
        Arrays.fill(owner, -1);
        for (Shard s : shards) {
            for (String text : s.slots()) {
                ClusterTopology.SlotRange r = ClusterTopology.SlotRange.parse(text);
                Arrays.fill(owner, r.first(), r.last() + 1, s.index());
            }
        }
        return owner;
    }
}
