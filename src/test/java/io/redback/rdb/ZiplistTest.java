package io.redback.rdb;

import static io.redback.rdb.Blobs.hex;
import static io.redback.rdb.Recorder.str;
import static org.assertj.core.api.Assertions.assertThat;

import io.redback.rdb.Blobs.Op;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

@io.redback.testsupport.Fast
class ZiplistTest {
    /** redis-tests encodings.rdb "list_zipped" (Redis 2.x: no immediate integers yet). */
    private static final byte[] REDIS_2_LIST = hex(
            "3000000025000000080000c0010004c0020004c0030004016103016203016303d0a086010006e000bca06501000000ff");
    /** librdb hash_zl_v6.rdb "myhash" (Redis 6.0). */
    private static final byte[] REDIS_6_HASH = hex(
            "39000000320000000c0000f202f302f402f502f602f70203372e300503382e30050473747231060473747232"
            + "060473747233060473747234ff");

    @Test
    void walks_ziplists_that_redis_wrote() throws Exception {
        Recorder r = new Recorder();
        assertThat(Ziplist.walk(REDIS_2_LIST, 0, REDIS_2_LIST.length, r)).isEqualTo(8);
        assertThat(r.items).containsExactly(1L, 2L, 3L, str("a"), str("b"), str("c"), 100000L, 6000000000L);

        Recorder h = new Recorder();
        assertThat(Ziplist.walk(REDIS_6_HASH, 0, REDIS_6_HASH.length, h)).isEqualTo(12);
        assertThat(h.items).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, str("7.0"), str("8.0"),
                str("str1"), str("str2"), str("str3"), str("str4"));
    }

    @Test
    void writer_reproduces_the_bytes_redis_6_wrote() throws Exception {
        Recorder h = new Recorder();
        Ziplist.walk(REDIS_6_HASH, 0, REDIS_6_HASH.length, h);
        ZiplistWriter w = new ZiplistWriter();
        for (Object item : h.items) {
            w.addAuto(item instanceof Long v ? Long.toString(v).getBytes(StandardCharsets.US_ASCII)
                    : ((Recorder.Str) item).bytes());
        }
        assertThat(w.toByteArray()).isEqualTo(REDIS_6_HASH);
    }

    @Property(tries = 500)
    void writer_then_walk_round_trips(@ForAll("opLists") List<Op> ops, @ForAll boolean bigPrevlen) throws Exception {
        byte[] zl = Blobs.ziplist(ops, bigPrevlen);
        Recorder r = new Recorder();
        assertThat(Ziplist.walk(zl, 0, zl.length, r)).isEqualTo(ops.size());
        assertThat(r.items).isEqualTo(Blobs.expected(ops));

        byte[] padded = Blobs.padded(zl);
        Recorder r2 = new Recorder();
        assertThat(Ziplist.walk(padded, 3, zl.length, r2)).isEqualTo(ops.size());
        assertThat(r2.items).isEqualTo(r.items);
    }

    @Test
    void integers_take_the_smallest_encoding() throws Exception {
        long[][] dataBytesByValue = {
            {0, 0}, {12, 0}, {13, 1}, {-1, 1}, {127, 1}, {-128, 1}, {128, 2}, {-129, 2}, {32767, 2},
            {32768, 3}, {-32769, 3}, {8388607, 3}, {8388608, 4}, {-8388609, 4}, {Integer.MAX_VALUE, 4},
            {Integer.MAX_VALUE + 1L, 8}, {Long.MIN_VALUE, 8},
        };
        for (long[] c : dataBytesByValue) {
            byte[] zl = new ZiplistWriter().addInteger(c[0]).toByteArray();
            assertThat(zl.length).as("value %d", c[0]).isEqualTo(Ziplist.HEADER_SIZE + 2 + c[1] + 1);
            Recorder r = new Recorder();
            Ziplist.walk(zl, 0, zl.length, r);
            assertThat(r.items).containsExactly(c[0]);
        }
    }

    @Test
    void strings_switch_length_form_at_64_and_16384_bytes() throws Exception {
        int[][] headerByLength = {{0, 1}, {63, 1}, {64, 2}, {16383, 2}, {16384, 5}};
        for (int[] c : headerByLength) {
            byte[] s = new byte[c[0]];
            Arrays.fill(s, (byte) 'z');
            byte[] zl = new ZiplistWriter().addBytes(s).addInteger(1).toByteArray();
            int first = 1 + c[1] + c[0];
            int prevlen = first < 254 ? 1 : 5;
            assertThat(zl.length).as("length %d", c[0]).isEqualTo(Ziplist.HEADER_SIZE + first + prevlen + 1 + 1);
            Recorder r = new Recorder();
            Ziplist.walk(zl, 0, zl.length, r);
            assertThat(r.items).containsExactly(new Recorder.Str(s), 1L);
        }
    }

    @Test
    void prevlen_grows_to_five_bytes_at_254() throws Exception {
        // An entry of 253 bytes (prevlen 1 + header 2 + 250 data) keeps the next prevlen at one byte.
        byte[] small = new ZiplistWriter().addBytes(new byte[250]).addInteger(7).toByteArray();
        assertThat(small[Ziplist.HEADER_SIZE + 253] & 0xff).isEqualTo(253);
        byte[] big = new ZiplistWriter().addBytes(new byte[251]).addInteger(7).toByteArray();
        assertThat(big[Ziplist.HEADER_SIZE + 254] & 0xff).isEqualTo(Ziplist.BIG_PREVLEN);
        assertThat(Ziplist.walk(small, 0, small.length, null)).isEqualTo(2);
        assertThat(Ziplist.walk(big, 0, big.length, null)).isEqualTo(2);
    }

    @Test
    void accepts_a_five_byte_prevlen_holding_a_small_value() throws Exception {
        // Redis leaves these behind after a cascade update shrinks an entry.
        byte[] zl = new ZiplistWriter().forceBigPrevlen().addInteger(1).addBytes("x".getBytes()).toByteArray();
        Recorder r = new Recorder();
        assertThat(Ziplist.walk(zl, 0, zl.length, r)).isEqualTo(2);
        assertThat(r.items).containsExactly(1L, str("x"));
    }

    @Test
    void reads_0x81_to_0xBF_as_the_32_bit_string_form_like_redis() throws Exception {
        // ZIP_ENTRY_ENCODING keeps only the top two bits of a string encoding byte.
        byte[] zl = new ZiplistWriter().addBytes(new byte[20000]).toByteArray();
        zl[Ziplist.HEADER_SIZE + 1] = (byte) 0xBF;
        assertThat(Ziplist.walk(zl, 0, zl.length, null)).isEqualTo(1);
    }

    @Test
    void count_65535_means_unknown() throws Exception {
        byte[] zl = new ZiplistWriter().addInteger(1).addInteger(2).toByteArray();
        zl[8] = (byte) 0xFF;
        zl[9] = (byte) 0xFF;
        assertThat(Ziplist.walk(zl, 0, zl.length, null)).isEqualTo(2);
    }

    @Test
    void empty_ziplist_has_its_tail_at_the_header_end() throws Exception {
        byte[] zl = new ZiplistWriter().toByteArray();
        assertThat(zl).isEqualTo(hex("0b0000000a0000000000ff"));
        assertThat(Ziplist.walk(zl, 0, zl.length, null)).isZero();
        zl[4] = 0;
        assertThat(fail(zl)).hasMessage("ziplist tail offset says 0, expected 10 for an empty ziplist");
    }

    // --- Each kind of damage is reported with what was expected and what was found ----------

    @Test
    void reports_header_damage() {
        byte[] zl = new ZiplistWriter().addInteger(5).addInteger(300).toByteArray();
        byte[] shorter = Arrays.copyOf(zl, zl.length - 1);
        assertThat(fail(shorter)).hasMessage("ziplist header says 17 bytes, blob has 16");
        assertThat(fail(new byte[5]).getMessage()).startsWith("ziplist needs at least 11 bytes");

        byte[] noEnd = zl.clone();
        noEnd[noEnd.length - 1] = 1;
        assertThat(fail(noEnd)).hasMessage("ziplist must end with 0xFF, last byte is 0x01");

        byte[] tailPast = zl.clone();
        tailPast[4] = 18;
        assertThat(fail(tailPast)).hasMessage("ziplist tail offset 18 is past the terminator at 16");

        byte[] tailWrong = zl.clone();
        tailWrong[4] = 10;
        BlobException e = fail(tailWrong);
        assertThat(e).hasMessage("ziplist tail offset says 10, last entry is at 12");
        assertThat(e.position()).isEqualTo(4);

        byte[] count = zl.clone();
        count[8] = 3;
        assertThat(fail(count)).hasMessage("ziplist header says 3 entries, found 2");
    }

    @Test
    void reports_broken_prevlen_chain() {
        byte[] zl = new ZiplistWriter().addInteger(5).addInteger(300).toByteArray();
        zl[12] = 3; // second entry's prevlen; the first entry has 2 bytes
        BlobException e = fail(zl);
        assertThat(e).hasMessage("ziplist entry 1: prevlen says 3, previous entry has 2 bytes");
        assertThat(e.position()).isEqualTo(12);

        byte[] first = new ZiplistWriter().addInteger(5).toByteArray();
        first[10] = 1;
        assertThat(fail(first)).hasMessage("ziplist entry 0: prevlen says 1, previous entry has 0 bytes");
    }

    @Test
    void reports_invalid_encodings() {
        for (int b : new int[] {0xC1, 0xCF, 0xD1, 0xE5, 0xF0 - 1, 0xFF}) {
            byte[] zl = new ZiplistWriter().addInteger(5).addInteger(6).toByteArray();
            zl[13] = (byte) b;
            BlobException e = fail(zl);
            assertThat(e.getMessage()).isEqualTo(String.format("ziplist entry 1: invalid encoding byte 0x%02X", b));
            assertThat(e.position()).isEqualTo(13);
        }
    }

    @Test
    void reports_entries_that_run_past_the_end() {
        byte[] zl = new ZiplistWriter().addBytes("hello".getBytes()).toByteArray();
        zl[11] = 30;
        assertThat(fail(zl)).hasMessage("ziplist entry 0: needs 32 bytes, only 7 before the terminator");

        byte[] early = new ZiplistWriter().addInteger(1).addInteger(2).toByteArray();
        early[12] = (byte) 0xFF;
        assertThat(fail(early)).hasMessage("ziplist terminator 0xFF at byte 12, expected only as the last byte (14)");

        byte[] bigPrev = new ZiplistWriter().addInteger(1).toByteArray();
        bigPrev[10] = (byte) 0xFE;
        assertThat(fail(bigPrev)).hasMessage("ziplist entry 0: 5-byte prevlen runs past the terminator");
    }

    // --- Damage never escapes as anything but BlobException -------------------------------------

    @Property(tries = 1000)
    void any_single_byte_change_walks_or_is_rejected(@ForAll("smallOpLists") List<Op> ops, @ForAll boolean bigPrevlen,
            @ForAll @IntRange(max = 1_000_000) int where, @ForAll byte value) {
        byte[] zl = Blobs.ziplist(ops, bigPrevlen);
        zl[where % zl.length] = value;
        Blobs.assertWalksOrRejects(Ziplist::walk, 1, zl);
    }

    @Property(tries = 1000)
    void any_truncation_walks_or_is_rejected(@ForAll("smallOpLists") List<Op> ops,
            @ForAll @IntRange(max = 1_000_000) int cut, @ForAll boolean fixHeader) {
        byte[] zl = Blobs.ziplist(ops, false);
        int len = cut % (zl.length + 1);
        byte[] t = Arrays.copyOf(zl, len);
        if (fixHeader && len >= 4) {
            for (int i = 0; i < 4; i++) {
                t[i] = (byte) (len >>> (8 * i));
            }
            t[len - 1] = (byte) 0xFF;
        }
        Blobs.assertWalksOrRejects(Ziplist::walk, 1, t);
    }

    @Test
    void every_byte_change_of_a_redis_ziplist_walks_or_is_rejected() {
        Blobs.assertEveryByteChangeWalksOrRejects(Ziplist::walk, 1, REDIS_2_LIST);
        Blobs.assertEveryByteChangeWalksOrRejects(Ziplist::walk, 1, REDIS_6_HASH);
        List<Op> mixed = new ArrayList<>();
        for (long v : Blobs.EDGE_INTEGERS) {
            mixed.add(new Op.Int(v));
        }
        mixed.add(new Op.Bytes(new byte[300]));
        mixed.add(new Op.Int(1));
        Blobs.assertEveryByteChangeWalksOrRejects(Ziplist::walk, 1, Blobs.ziplist(mixed, false));
    }

    @Test
    void every_byte_change_of_each_encoding_first_and_last_walks_or_is_rejected() {
        for (Op op : Blobs.oneOfEachEncoding()) {
            for (boolean big : new boolean[] {false, true}) {
                Blobs.assertEveryByteChangeWalksOrRejects(Ziplist::walk, 1, Blobs.ziplist(List.of(op), big));
                Blobs.assertEveryByteChangeWalksOrRejects(Ziplist::walk, 1, Blobs.ziplist(List.of(op, new Op.Int(1)), big));
                Blobs.assertEveryByteChangeWalksOrRejects(Ziplist::walk, 1, Blobs.ziplist(List.of(new Op.Int(1), op), big));
            }
        }
    }

    @Provide
    Arbitrary<List<Op>> opLists() {
        return Blobs.ops(Blobs.strings(63, 64, 250, 251, 252, 253, 254, 255, 4095, 4096, 16383, 16384)).list().ofMaxSize(30);
    }

    @Provide
    Arbitrary<List<Op>> smallOpLists() {
        return Blobs.ops(Blobs.strings(63, 64, 250, 251, 252)).list().ofMaxSize(8);
    }

    private static BlobException fail(byte[] b) {
        return LzfTest.catchBlob(() -> Ziplist.walk(b, 0, b.length, new Recorder()));
    }
}
