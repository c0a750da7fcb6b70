package io.redback.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The skew bound between shards' cuts: 0 with the instant every shard's span holds when there is
 * one, else by how much the latest last-kept arrival passes the earliest next arrival.
 */
@io.redback.testsupport.Fast
class ClusterSkewTest {
    private static ClusterPointInTime.ShardCut cut(int index, long lastKeptMs, long nextMs) {
        ClusterSnapshot.ShardSnapshot shard = new ClusterSnapshot.ShardSnapshot(index, List.of(), "p", 0, "n", "h:1",
                false, ClusterSnapshot.shardSource("c", index), "s", null, 0L, 0, null, null);
        return new ClusterPointInTime.ShardCut(shard, null, Instant.ofEpochMilli(lastKeptMs), Instant.ofEpochMilli(nextMs),
                false);
    }

    @Test
    void overlappingSpansGiveZeroAndTheCommonInstant() {
        ClusterPointInTime.Skew s = ClusterPointInTime.skew(List.of(cut(0, 1_000, 5_000), cut(1, 3_000, 4_000),
                cut(2, 2_000, 9_000)));
        assertThat(s.boundMs()).isZero();
        assertThat(s.common()).isEqualTo(Instant.ofEpochMilli(3_000));
    }

    @Test
    void aShardThatKeptWritesAfterAnothersCutGivesTheGap() {
        // shard 0 flushed at 4.000 s; shard 2 kept a write that arrived at 4.250 s
        ClusterPointInTime.Skew s = ClusterPointInTime.skew(List.of(cut(0, 3_900, 4_000), cut(1, 4_010, 4_020),
                cut(2, 4_250, 4_300)));
        assertThat(s.boundMs()).isEqualTo(250);
        assertThat(s.common()).isNull();
        assertThat(s.latestKeptShard()).isEqualTo(2);
        assertThat(s.earliestNextShard()).isZero();
    }
}
