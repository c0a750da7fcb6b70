package io.redback.cluster;

import java.util.List;
import java.util.Objects;

/**
 * What a Redis Cluster looks like at one moment, as {@link ClusterDiscovery} read it from one of
 * its nodes: its shards (a primary, its replicas, the slot ranges it serves, its config epoch) in
 * the order of their first slot, and the slots being moved between shards. Shards without slots
 * (an empty primary) are left out: they hold no data to back up.
 */
public record ClusterTopology(List<Shard> shards, List<Migration> migrations) {
    /** Slots in a cluster: 0..16383. */
    public static final int SLOTS = 16384;

    public ClusterTopology {
        shards = List.copyOf(shards);
        migrations = List.copyOf(migrations);
    }

    /** A node of the cluster: its id, where it listens, and whether it is a primary. */
    public record Node(String id, String host, int port, boolean primary) {
        public Node {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(host, "host");
        }

        public String address() {
            return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
        }
    }

    /** Slots first..last, both included. */
    public record SlotRange(int first, int last) {
        public SlotRange {
            if (first < 0 || last >= SLOTS || first > last) {
                throw new IllegalArgumentException("slot range " + first + "-" + last + " is not within 0-" + (SLOTS - 1));
            }
        }

        public boolean contains(int slot) {
            return slot >= first && slot <= last;
        }

        /** A range as {@link #toString} writes it and CLUSTER NODES lists it: "0-5460", or "12" for one slot. */
        public static SlotRange parse(String text) {
            int dash = text.indexOf('-');
            try {
                int first = Integer.parseInt(dash < 0 ? text : text.substring(0, dash));
                return new SlotRange(first, dash < 0 ? first : Integer.parseInt(text.substring(dash + 1)));
            } catch (NumberFormatException e) {
                throw new ClusterException("'" + text + "' is not a slot range (like 0-5460 or 12)");
            } catch (IllegalArgumentException e) {
                throw new ClusterException(e.getMessage()); // outside 0-16383, or backwards
            }
        }

        @Override
        public String toString() {
            return first == last ? Integer.toString(first) : first + "-" + last;
        }
    }

    /** A primary with its replicas and slots; configEpoch is the primary's. */
    public record Shard(Node primary, List<Node> replicas, List<SlotRange> slots, long configEpoch) {
        public Shard {
            Objects.requireNonNull(primary, "primary");
            replicas = List.copyOf(replicas);
            slots = List.copyOf(slots);
        }

        public int firstSlot() {
            return slots.isEmpty() ? SLOTS : slots.get(0).first();
        }

        public int slotCount() {
            return slots.stream().mapToInt(r -> r.last() - r.first() + 1).sum();
        }

        public boolean holds(int slot) {
            return slots.stream().anyMatch(r -> r.contains(slot));
        }
    }

    /**
     * A slot on its way between shards, as the node that reported it sees it: {@code migrating}
     * (node sends it to peer) or importing (node receives it from peer).
     */
    public record Migration(int slot, String node, String peer, boolean migrating) {
        @Override
        public String toString() {
            return "slot " + slot + (migrating ? " migrating from " + node + " to " + peer
                    : " importing into " + node + " from " + peer);
        }
    }

    /** Slots no shard serves (a cluster in trouble, or still being set up). */
    public int unassignedSlots() {
        return SLOTS - shards.stream().mapToInt(Shard::slotCount).sum();
    }
}
