package io.redback.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Slots as Redis computes them (values from CLUSTER KEYSLOT of Redis 7.0; the cluster restore test asks a real one too). */
@io.redback.testsupport.Fast
class ClusterSlotTest {
    private static int slot(String key) {
        return ClusterSlot.of(key.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void crc16OfTheSpecsCheckValue() {
        // The cluster spec: CRC16 of "123456789" is 0x31C3.
        assertThat(ClusterSlot.crc16("123456789".getBytes(StandardCharsets.US_ASCII), 0, 9)).isEqualTo(0x31C3);
    }

    @Test
    void slotsAsRedisAnswersThem() {
        assertThat(slot("foo")).isEqualTo(12182);
        assertThat(slot("bar")).isEqualTo(5061);
        assertThat(slot("")).isZero();
        assertThat(slot("somekey")).isEqualTo(11058);
    }

    @Test
    void hashTagsFollowTheFirstBraces() {
        assertThat(slot("{user1000}.following")).isEqualTo(slot("user1000"));
        assertThat(slot("{user1000}.followers")).isEqualTo(slot("user1000"));
        assertThat(slot("foo{}{bar}")).isEqualTo(slot("foo{}{bar}")); // empty first tag: the whole key
        assertThat(slot("foo{}{bar}")).isNotEqualTo(slot("bar"));
        assertThat(slot("foo{{bar}}zap")).isEqualTo(slot("{bar"));
        assertThat(slot("foo{bar}{zap}")).isEqualTo(slot("bar"));
        assertThat(slot("no{close")).isEqualTo(ClusterSlot.crc16("no{close".getBytes(StandardCharsets.UTF_8), 0, 8) & 16383);
    }
}
