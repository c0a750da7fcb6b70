package io.redback.rdb;

import static io.redback.rdb.Blobs.hex;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

@io.redback.testsupport.Fast
class IntsetTest {
    /** redis-tests encodings.rdb "set_zipped_1", "_2" and "_3": one intset of each width. */
    private static final byte[] REDIS_INT16 = hex("02000000040000000100020003000400");
    private static final byte[] REDIS_INT32 = hex("0400000004000000a0860100400d0300e0930400801a0600");
    private static final byte[] REDIS_INT64 = hex("080000000600000000ca9a3b000000000094357700000000005ed0b2"
            + "0000000000286bee0000000000f2052a0100000000bca06501000000");

    @Test
    void walks_intsets_that_redis_wrote() throws Exception {
        Recorder r = new Recorder();
        assertThat(Intset.walk(REDIS_INT16, 0, REDIS_INT16.length, r)).isEqualTo(4);
        assertThat(r.items).containsExactly(1L, 2L, 3L, 4L);
        r.items.clear();
        assertThat(Intset.walk(REDIS_INT32, 0, REDIS_INT32.length, r)).isEqualTo(4);
        assertThat(r.items).containsExactly(100000L, 200000L, 300000L, 400000L);
        r.items.clear();
        assertThat(Intset.walk(REDIS_INT64, 0, REDIS_INT64.length, r)).isEqualTo(6);
        assertThat(r.items).containsExactly(1000000000L, 2000000000L, 3000000000L, 4000000000L,
                5000000000L, 6000000000L);
    }

    @Test
    void writer_reproduces_the_bytes_redis_wrote() {
        assertThat(new IntsetWriter().add(3).add(1).add(4).add(2).toByteArray()).isEqualTo(REDIS_INT16);
        assertThat(new IntsetWriter().add(400000).add(100000).add(300000).add(200000).toByteArray())
                .isEqualTo(REDIS_INT32);
    }

    @Property(tries = 500)
    void writer_then_walk_round_trips(@ForAll("members") List<Long> members, @ForAll boolean widest) throws Exception {
        IntsetWriter w = new IntsetWriter();
        members.forEach(w::add);
        if (widest) {
            w.encoding(8);
        }
        byte[] is = w.toByteArray();
        TreeSet<Long> expected = new TreeSet<>(members);
        Recorder r = new Recorder();
        assertThat(Intset.walk(is, 0, is.length, r)).isEqualTo(expected.size());
        assertThat(r.items).containsExactlyElementsOf(expected);

        byte[] padded = Blobs.padded(is);
        assertThat(Intset.walk(padded, 3, is.length, null)).isEqualTo(expected.size());
    }

    @Test
    void width_is_the_narrowest_that_holds_every_member() {
        assertThat(new IntsetWriter().add(Short.MIN_VALUE).add(Short.MAX_VALUE).toByteArray()[0]).isEqualTo((byte) 2);
        assertThat(new IntsetWriter().add(Short.MAX_VALUE + 1L).toByteArray()[0]).isEqualTo((byte) 4);
        assertThat(new IntsetWriter().add(Short.MIN_VALUE - 1L).toByteArray()[0]).isEqualTo((byte) 4);
        assertThat(new IntsetWriter().add(Integer.MAX_VALUE + 1L).toByteArray()[0]).isEqualTo((byte) 8);
        assertThat(new IntsetWriter().add(Integer.MIN_VALUE - 1L).toByteArray()[0]).isEqualTo((byte) 8);
        assertThatThrownBy(() -> new IntsetWriter().add(70000).encoding(2).toByteArray())
                .isInstanceOf(IllegalStateException.class);
    }

    // --- Each kind of damage is reported with what was expected and what was found ----------

    @Test
    void reports_bad_encoding_size_and_emptiness() {
        byte[] bad = REDIS_INT16.clone();
        bad[0] = 3;
        assertThat(fail(bad)).hasMessage("intset encoding says 3, expected 2, 4 or 8");
        assertThat(fail(Arrays.copyOf(REDIS_INT16, 15)))
                .hasMessage("intset header says 4 members of 2 bytes (16 bytes in all), blob has 15");
        assertThat(fail(hex("0200000000000000"))).hasMessage("intset is empty");
        assertThat(fail(hex("020000"))).hasMessage("intset needs an 8-byte header, blob has 3 bytes");
        byte[] huge = hex("08000000ffffffff");
        assertThat(fail(huge).getMessage()).startsWith("intset header says 4294967295 members of 8 bytes");
    }

    @Test
    void reports_members_out_of_order_or_repeated() throws Exception {
        byte[] swapped = hex("0400000003000000" + "01000000" + "03000000" + "02000000");
        BlobException e = fail(swapped);
        assertThat(e).hasMessage("intset member 2: 2 is not greater than the previous member 3");
        assertThat(e.position()).isEqualTo(16);
        assertThat(fail(hex("020000000200000005000500")))
                .hasMessage("intset member 1: 5 is not greater than the previous member 5");
        byte[] extremes = hex("08000000020000000000000000000080ffffffffffffff7f");
        Recorder r = new Recorder();
        assertThat(Intset.walk(extremes, 0, extremes.length, r)).isEqualTo(2);
        assertThat(r.items).containsExactly(Long.MIN_VALUE, Long.MAX_VALUE);
    }

    // --- Damage never escapes as anything but BlobException -------------------------------------

    @Property(tries = 1000)
    void any_single_byte_change_walks_or_is_rejected(@ForAll("members") List<Long> members,
            @ForAll @IntRange(max = 1_000_000) int where, @ForAll byte value) {
        IntsetWriter w = new IntsetWriter();
        members.forEach(w::add);
        byte[] is = w.toByteArray();
        is[where % is.length] = value;
        Blobs.assertWalksOrRejects(Intset::walk, 1, is);
    }

    @Property(tries = 500)
    void any_truncation_walks_or_is_rejected(@ForAll("members") List<Long> members,
            @ForAll @IntRange(max = 1_000_000) int cut) {
        IntsetWriter w = new IntsetWriter();
        members.forEach(w::add);
        byte[] is = w.toByteArray();
        int len = cut % (is.length + 1);
        Blobs.assertWalksOrRejects(Intset::walk, 1, Arrays.copyOf(is, len));
    }

    @Test
    void every_byte_change_of_a_redis_intset_walks_or_is_rejected() {
        Blobs.assertEveryByteChangeWalksOrRejects(Intset::walk, 1, REDIS_INT16);
        Blobs.assertEveryByteChangeWalksOrRejects(Intset::walk, 1, REDIS_INT32);
        Blobs.assertEveryByteChangeWalksOrRejects(Intset::walk, 1, REDIS_INT64);
    }

    @Provide
    Arbitrary<List<Long>> members() {
        return Blobs.integers().list().ofMinSize(1).ofMaxSize(40);
    }

    private static BlobException fail(byte[] b) {
        return LzfTest.catchBlob(() -> Intset.walk(b, 0, b.length, new Recorder()));
    }
}
