package io.redback.rdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.SplittableRandom;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

@io.redback.testsupport.Fast
class Crc64Test {
    private static final String LOREM = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed "
            + "do eiusmod tempor incididunt ut labore et dolore magna "
            + "aliqua. Ut enim ad minim veniam, quis nostrud exercitation "
            + "ullamco laboris nisi ut aliquip ex ea commodo consequat. Duis "
            + "aute irure dolor in reprehenderit in voluptate velit esse "
            + "cillum dolore eu fugiat nulla pariatur. Excepteur sint "
            + "occaecat cupidatat non proident, sunt in culpa qui officia "
            + "deserunt mollit anim id est laborum.";

    @Test
    void redis_check_value_of_123456789() {
        byte[] b = "123456789".getBytes(StandardCharsets.US_ASCII);
        assertThat(Crc64.update(0, b, 0, b.length)).isEqualTo(0xe9c6d914c4b8d9caL);
        assertThat(Crc64.updateBitwise(0, b, 0, b.length)).isEqualTo(0xe9c6d914c4b8d9caL);
    }

    @Test
    void redis_self_test_lorem_ipsum_including_the_trailing_nul() {
        byte[] text = LOREM.getBytes(StandardCharsets.US_ASCII);
        byte[] b = Arrays.copyOf(text, text.length + 1); // sizeof(li) in crc64.c counts the NUL
        assertThat(Crc64.update(0, b, 0, b.length)).isEqualTo(0xc7794709e69683b3L);
        assertThat(Crc64.updateBitwise(0, b, 0, b.length)).isEqualTo(0xc7794709e69683b3L);
    }

    @Test
    void empty_input_leaves_the_crc_unchanged() {
        assertThat(Crc64.update(0, new byte[0], 0, 0)).isZero();
        assertThat(Crc64.update(0x1234L, new byte[4], 2, 0)).isEqualTo(0x1234L);
    }

    @Test
    void rejects_ranges_outside_the_array() {
        assertThatThrownBy(() -> Crc64.update(0, new byte[8], 4, 5)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> Crc64.update(0, new byte[8], -1, 2)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void table_driven_matches_bitwise_around_the_block_sizes() {
        // The fast path switches strategy at 8 bytes and at 4 x 4096-byte lanes; probe both edges.
        SplittableRandom r = new SplittableRandom(7);
        byte[] data = new byte[3 * 16384 + 64];
        r.nextBytes(data);
        int[] lengths = {0, 1, 7, 8, 9, 15, 16, 17, 16383, 16384, 16385, 16384 + 8, 32767, 32768, 32769, 3 * 16384 + 5};
        for (int len : lengths) {
            for (int off : new int[] {0, 1, 3, 7}) {
                long seed = r.nextLong();
                assertThat(Crc64.update(seed, data, off, len))
                        .as("len %d off %d", len, off)
                        .isEqualTo(Crc64.updateBitwise(seed, data, off, len));
            }
        }
    }

    @Property(tries = 300)
    void table_driven_equals_bitwise(@ForAll("data") byte[] data, @ForAll @IntRange(max = 64) int cutStart,
            @ForAll @IntRange(max = 64) int cutEnd, @ForAll long seed) {
        int off = Math.min(cutStart, data.length);
        int len = Math.max(0, data.length - off - cutEnd);
        assertThat(Crc64.update(seed, data, off, len)).isEqualTo(Crc64.updateBitwise(seed, data, off, len));
    }

    @Property(tries = 300)
    void incremental_equals_one_shot(@ForAll("data") byte[] data, @ForAll @IntRange(max = 100_000) int split1,
            @ForAll @IntRange(max = 100_000) int split2) {
        int a = Math.min(split1, split2) % (data.length + 1);
        int b = Math.max(a, Math.max(split1, split2) % (data.length + 1));
        long crc = Crc64.update(0, data, 0, a);
        crc = Crc64.update(crc, data, a, b - a);
        crc = Crc64.update(crc, data, b, data.length - b);
        assertThat(crc).isEqualTo(Crc64.update(0, data, 0, data.length));
    }

    @Provide
    Arbitrary<byte[]> data() {
        Arbitrary<Integer> lengths = Arbitraries.frequencyOf(
                Tuple.of(3, Arbitraries.integers().between(0, 300)),
                Tuple.of(1, Arbitraries.integers().between(16_000, 70_000)));
        return Combinators.combine(lengths, Arbitraries.longs()).as((n, seed) -> {
            byte[] b = new byte[n];
            new SplittableRandom(seed).nextBytes(b);
            return b;
        });
    }
}
