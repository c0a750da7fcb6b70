package io.redback.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A shard keeps its index (and so its source) through a failover and a resharding; a new shard
 * gets a new index, never one given before; what changed is said in the record's words.
 */
@io.redback.testsupport.Fast
class ShardMapTest {
    private static ClusterTopology.Node node(String id, int port, boolean primary) {
        return new ClusterTopology.Node(id, "127.0.0.1", port, primary);
    }

    private static ClusterTopology.Shard shard(String primary, int port, String replica, int first, int last) {
        return new ClusterTopology.Shard(node(primary, port, true),
                replica == null ? List.of() : List.of(node(replica, port + 100, false)),
                List.of(new ClusterTopology.SlotRange(first, last)), 1);
    }

    private static final ClusterTopology THREE = new ClusterTopology(List.of(
            shard("a", 7000, "a2", 0, 5460), shard("b", 7001, "b2", 5461, 10922),
            shard("c", 7002, "c2", 10923, 16383)), List.of());

    @Test
    void theFirstMapNumbersShardsByFirstSlot() {
        ShardMap.Update u = ShardMap.assign(null, "shop", THREE, "id", "now");
        assertThat(u.indices()).containsExactly(0, 1, 2);
        assertThat(u.map().nextIndex()).isEqualTo(3);
        assertThat(u.map().shards().get(2).source()).isEqualTo("shop.shard-2");
        assertThat(u.map().shards().get(0).nodeIds()).containsExactly("a", "a2");
        assertThat(u.recorded()).isTrue();
        assertThat(u.slotsChanged()).isFalse();
    }

    @Test
    void aPromotedReplicaKeepsItsShardsIndexAndNothingElseIsAChange() {
        ShardMap first = ShardMap.assign(null, "shop", THREE, "id", "now").map();
        assertThat(ShardMap.assign(first, "shop", THREE, "id2", "later").recorded()).isFalse();

        // b failed; b2 is the primary now, in a shard the topology lists before a's
        ClusterTopology failedOver = new ClusterTopology(List.of(
                shard("b2", 7101, null, 5461, 10922), shard("a", 7000, "a2", 0, 5460),
                shard("c", 7002, "c2", 10923, 16383)), List.of());
        ShardMap.Update u = ShardMap.assign(first, "shop", failedOver, "id2", "later");
        assertThat(u.indices()).containsExactly(1, 0, 2);
        assertThat(u.recorded()).isTrue();
        assertThat(u.slotsChanged()).isFalse();
        assertThat(u.changes()).singleElement().asString().contains("shard 1: primary now 127.0.0.1:7101", "failover");
    }

    @Test
    void slotsMovingAndAShardAddedOrRemovedAreSaidAndNumbersAreNeverReused() {
        ShardMap first = ShardMap.assign(null, "shop", THREE, "id", "now").map();
        ClusterTopology resharded = new ClusterTopology(List.of(
                shard("a", 7000, "a2", 100, 5460), shard("b", 7001, "b2", 5461, 10922),
                shard("c", 7002, "c2", 10923, 16383),
                new ClusterTopology.Shard(node("d", 7003, true), List.of(),
                        List.of(new ClusterTopology.SlotRange(0, 99)), 4)), List.of());
        ShardMap.Update added = ShardMap.assign(first, "shop", resharded, "id2", "later");
        assertThat(added.indices()).containsExactly(0, 1, 2, 3);
        assertThat(added.slotsChanged()).isTrue();
        assertThat(added.changes()).contains("shard 3 added (slots 0-99, primary 127.0.0.1:7003)",
                "slots 0-99 moved from shard 0 to shard 3");

        // shard 1 gives its slots to shard 2 and leaves; a newcomer later gets 4, not 1
        ClusterTopology removed = new ClusterTopology(List.of(
                shard("a", 7000, "a2", 100, 5460), shard("c", 7002, "c2", 5461, 16383),
                new ClusterTopology.Shard(node("d", 7003, true), List.of(),
                        List.of(new ClusterTopology.SlotRange(0, 99)), 4)), List.of());
        ShardMap.Update gone = ShardMap.assign(added.map(), "shop", removed, "id3", "later");
        assertThat(gone.indices()).containsExactly(0, 2, 3);
        assertThat(gone.changes()).anySatisfy(c -> assertThat(c).startsWith("shard 1 removed"))
                .contains("slots 5461-10922 moved from shard 1 to shard 2");
        ClusterTopology newcomer = new ClusterTopology(List.of(
                shard("a", 7000, "a2", 100, 5460), shard("e", 7004, null, 5461, 6000),
                shard("c", 7002, "c2", 6001, 16383),
                new ClusterTopology.Shard(node("d", 7003, true), List.of(),
                        List.of(new ClusterTopology.SlotRange(0, 99)), 4)), List.of());
        ShardMap.Update again = ShardMap.assign(gone.map(), "shop", newcomer, "id4", "later");
        assertThat(again.indices()).containsExactly(0, 4, 2, 3);
        assertThat(again.map().nextIndex()).isEqualTo(5);
    }

    @Test
    void withoutARecordTheNewestClusterSnapshotsNumberingHolds() {
        ClusterSnapshot snapshot = new ClusterSnapshot(1, "id", "shop", "t0", "t1", false, List.of(), List.of(
                new ClusterSnapshot.ShardSnapshot(0, List.of("0-5460"), "a", 1, "a2", "127.0.0.1:7100", true,
                        "shop.shard-0", "s0", "r", 1L, 1, "t0", "t1"),
                new ClusterSnapshot.ShardSnapshot(1, List.of("5461-10922"), "b", 1, "b", "127.0.0.1:7001", false,
                        "shop.shard-1", "s1", "r", 1L, 1, "t0", "t1"),
                new ClusterSnapshot.ShardSnapshot(2, List.of("10923-16383"), "c", 1, "c", "127.0.0.1:7002", false,
                        "shop.shard-2", "s2", "r", 1L, 1, "t0", "t1")));
        ClusterTopology failedOver = new ClusterTopology(List.of(
                shard("a2", 7100, null, 0, 5460), shard("b", 7001, "b2", 5461, 10922),
                shard("c", 7002, "c2", 10923, 16383)), List.of());
        ShardMap.Update u = ShardMap.assign(ShardMap.fromSnapshot(snapshot), "shop", failedOver, "id", "now");
        assertThat(u.indices()).containsExactly(0, 1, 2);
        assertThat(u.slotsChanged()).isFalse();
    }
}
