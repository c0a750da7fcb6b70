package io.redback.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Discovery reads the replies of real servers: CLUSTER NODES (6.x and later, with replicas,
 * hostnames and slots being moved) and CLUSTER SHARDS (7.0+), and says which line is wrong.
 */
@io.redback.testsupport.Fast
class ClusterDiscoveryTest {
    static final String P1 = "e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca";
    static final String P2 = "67ed2db8d677e59ec4a4cefb06858cf2a1a89fa1";
    static final String P3 = "292f8b365bb7edb5e285caf0b7e6ddc7265d2f4f";

    static final String NODES = String.join("\n",
            "07c37dfeb235213a872192d90877d0cd55635b91 127.0.0.1:30004@31004,hostname4 slave " + P1
                    + " 0 1426238317239 4 connected",
            P2 + " 127.0.0.1:30002@31002,hostname2 master - 0 1426238316232 2 connected 5461-10922",
            P3 + " 127.0.0.1:30003@31003,hostname3 master - 0 1426238318243 3 connected 10923-16383",
            "6ec23923021cf3ffec47632106199cb7f496ce01 127.0.0.1:30005@31005,hostname5 slave " + P2
                    + " 0 1426238316232 5 connected",
            "824fe116063bc5fcf9f4ffd895bc17aee7731ac3 127.0.0.1:30006@31006,hostname6 slave,fail " + P3
                    + " 0 1426238317741 6 disconnected",
            P1 + " 127.0.0.1:30001@31001,hostname1 myself,master - 0 0 1 connected 0-5460",
            "");

    @Test
    void clusterNodesGivesShardsInSlotOrderWithTheirHealthyReplicas() {
        ClusterTopology t = ClusterDiscovery.fromNodes(NODES);
        assertThat(t.shards()).hasSize(3);
        assertThat(t.shards().get(0).primary().id()).isEqualTo(P1);
        assertThat(t.shards().get(0).primary().address()).isEqualTo("127.0.0.1:30001");
        assertThat(t.shards().get(0).slots()).containsExactly(new ClusterTopology.SlotRange(0, 5460));
        assertThat(t.shards().get(0).configEpoch()).isEqualTo(1);
        assertThat(t.shards().get(0).replicas()).extracting(ClusterTopology.Node::port).containsExactly(30004);
        assertThat(t.shards().get(1).configEpoch()).isEqualTo(2);
        assertThat(t.shards().get(2).replicas()).as("a failed replica is no place to back up from").isEmpty();
        assertThat(t.migrations()).isEmpty();
        assertThat(t.unassignedSlots()).isZero();
    }

    @Test
    void slotsBeingMovedAreSeenOnBothSides() {
        String text = NODES.replace("connected 0-5460", "connected 0-5460 [93->-" + P3 + "]")
                .replace("connected 10923-16383", "connected 10923-16383 [93-<-" + P1 + "]");
        ClusterTopology t = ClusterDiscovery.fromNodes(text);
        assertThat(t.migrations()).containsExactlyInAnyOrder(
                new ClusterTopology.Migration(93, P1, P3, true),
                new ClusterTopology.Migration(93, P3, P1, false));
        assertThat(t.shards().get(0).slots()).containsExactly(new ClusterTopology.SlotRange(0, 5460));
    }

    @Test
    void singleSlotsAndSeveralRangesAreKept() {
        String text = P1 + " 10.0.0.1:6379@16379 myself,master - 0 0 7 connected 0-10 12 20-30\n";
        ClusterTopology t = ClusterDiscovery.fromNodes(text);
        assertThat(t.shards().get(0).slots()).extracting(Object::toString).containsExactly("0-10", "12", "20-30");
        assertThat(t.shards().get(0).slotCount()).isEqualTo(11 + 1 + 11);
    }

    @Test
    void clusterShardsGroupsNodesAndTakesEpochsAndMigrationsFromClusterNodes() {
        Object reply = List.of(
                List.of(b("slots"), List.of(10923L, 16383L), b("nodes"), List.of(
                        node(P3, 30003, "master", "online"),
                        node("824fe116063bc5fcf9f4ffd895bc17aee7731ac3", 30006, "replica", "fail"))),
                List.of(b("slots"), List.of(0L, 5460L), b("nodes"), List.of(
                        node(P1, 30001, "master", "online"),
                        node("07c37dfeb235213a872192d90877d0cd55635b91", 30004, "replica", "online"))),
                List.of(b("slots"), List.of(5461L, 10922L), b("nodes"), List.of(
                        node(P2, 30002, "master", "online"))),
                List.of(b("slots"), List.of(), b("nodes"), List.of(
                        node("ffffffffffffffffffffffffffffffffffffffff", 30009, "master", "online"))));
        String nodes = NODES.replace("connected 0-5460", "connected 0-5460 [93->-" + P3 + "]");
        ClusterTopology t = ClusterDiscovery.fromShards(reply, nodes);
        assertThat(t.shards()).as("the empty primary holds nothing to back up").hasSize(3);
        assertThat(t.shards()).extracting(s -> s.primary().id()).containsExactly(P1, P2, P3);
        assertThat(t.shards().get(0).replicas()).extracting(ClusterTopology.Node::port).containsExactly(30004);
        assertThat(t.shards().get(2).replicas()).isEmpty();
        assertThat(t.shards().get(2).configEpoch()).isEqualTo(3);
        assertThat(t.migrations()).containsExactly(new ClusterTopology.Migration(93, P1, P3, true));
    }

    @Test
    void aDamagedLineIsNamed() {
        assertThatThrownBy(() -> ClusterDiscovery.fromNodes(P1 + " 127.0.0.1:30001@31001 master - 0 0\n"))
                .isInstanceOf(ClusterException.class).hasMessageContaining("line 1").hasMessageContaining("fields");
        assertThatThrownBy(() -> ClusterDiscovery.fromNodes(P1 + " 127.0.0.1:30001@31001 master - 0 0 1 connected x-y\n"))
                .isInstanceOf(ClusterException.class).hasMessageContaining("line 1 could not be read");
        assertThatThrownBy(() -> ClusterDiscovery.fromNodes(P1 + " 127.0.0.1:30001@31001 master - 0 0 1 connected 0-16384\n"))
                .isInstanceOf(ClusterException.class).hasMessageContaining("0-16383");
    }

    private static List<Object> node(String id, long port, String role, String health) {
        return List.of(b("id"), b(id), b("port"), port, b("ip"), b("127.0.0.1"), b("endpoint"), b("127.0.0.1"),
                b("hostname"), b(""), b("role"), b(role), b("replication-offset"), 1234L, b("health"), b(health));
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
