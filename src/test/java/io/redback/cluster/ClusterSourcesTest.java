package io.redback.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** A cluster's shard sources are {@code <cluster>.shard-<i>}, and nothing else is taken for one. */
@io.redback.testsupport.Fast
class ClusterSourcesTest {
    @Test
    void shardIndexReadsOnlyTheNamesShardSourceGives() {
        assertThat(ClusterSources.shardIndex("shop", ClusterSnapshot.shardSource("shop", 0))).isZero();
        assertThat(ClusterSources.shardIndex("shop", ClusterSnapshot.shardSource("shop", 12))).isEqualTo(12);
        assertThat(ClusterSources.shardIndex("shop", "shop.shard-")).isEqualTo(-1);
        assertThat(ClusterSources.shardIndex("shop", "shop.shard-01")).isEqualTo(-1);
        assertThat(ClusterSources.shardIndex("shop", "shop.shard-x")).isEqualTo(-1);
        assertThat(ClusterSources.shardIndex("shop", "shop2.shard-1")).isEqualTo(-1);
        assertThat(ClusterSources.shardIndex("shop", "shop")).isEqualTo(-1);
        assertThat(ClusterSources.shardIndex("shop.shard-1", "shop.shard-1.shard-3")).isEqualTo(3);
    }
}
