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
class ListpackTest {

    /** hash_lp_v11.rdb key "hash2" as Redis 7.2 wrote it (LZF, 67 bytes compressed, 86 raw). */
    private static byte[] redisHash2() throws BlobException {
        byte[] lzf = hex("13560000000c00866669656c6437078676616c75652007600f0038a00f0338070901801902390787"
                + "60190331300887602a400880110c31080b010c018431322e3005ff");
        byte[] lp = new byte[86];
        Lzf.decompress(lzf, 0, lzf.length, lp, 0, lp.length);
        return lp;
    }

    @Test
    void walks_a_hash_that_redis_wrote() throws Exception {
        byte[] lp = redisHash2();
        Recorder r = new Recorder();
        assertThat(Listpack.walk(lp, 0, lp.length, r)).isEqualTo(12);
        assertThat(r.items).containsExactly(str("field7"), str("value7"), str("field8"), str("value8"),
                9L, str("value9"), str("field10"), str("value10"), str("field11"), 11L, 12L, str("12.0"));
        assertThat(Listpack.walk(lp, 0, lp.length, null)).isEqualTo(12);
    }

    @Test
    void writer_reproduces_the_bytes_redis_wrote() throws Exception {
        byte[] lp = redisHash2();
        Recorder r = new Recorder();
        Listpack.walk(lp, 0, lp.length, r);
        ListpackWriter w = new ListpackWriter();
        for (Object item : r.items) {
            // Redis received every field and value as text; lpAppend chose the encodings.
            w.addAuto(item instanceof Long v ? Long.toString(v).getBytes(StandardCharsets.US_ASCII)
                    : ((Recorder.Str) item).bytes());
        }
        assertThat(w.toByteArray()).isEqualTo(lp);
    }

    @Property(tries = 500)
    void writer_then_walk_round_trips(@ForAll("opLists") List<Op> ops) throws Exception {
        byte[] lp = Blobs.listpack(ops);
        Recorder r = new Recorder();
        assertThat(Listpack.walk(lp, 0, lp.length, r)).isEqualTo(ops.size());
        assertThat(r.items).isEqualTo(Blobs.expected(ops));

        byte[] padded = Blobs.padded(lp);
        Recorder r2 = new Recorder();
        assertThat(Listpack.walk(padded, 3, lp.length, r2)).isEqualTo(ops.size());
        assertThat(r2.items).isEqualTo(r.items);
    }

    /** The entry decoding RdbReader's walk of a big listpack uses gives what walk gives, backlens included. */
    @Property(tries = 300)
    void entry_decoding_agrees_with_walk(@ForAll("opLists") List<Op> ops) throws Exception {
        byte[] lp = Blobs.listpack(ops);
        Recorder walked = new Recorder();
        Listpack.walk(lp, 0, lp.length, walked);
        Recorder decoded = new Recorder();
        byte[] backlen = new byte[5];
        int p = Listpack.HEADER_SIZE;
        while ((lp[p] & 0xff) != Listpack.EOF) {
            int b = lp[p] & 0xff;
            int enc = Listpack.encodingBytes(b);
            long size = enc;
            if (Listpack.isString(b)) {
                long len = Listpack.stringLength(lp, p, b);
                decoded.string(lp, p + enc, (int) len);
                size += len;
            } else {
                decoded.integer(Listpack.integer(lp, p, b));
            }
            int bl = Listpack.writeBacklen(size, backlen, 0);
            assertThat(Arrays.copyOfRange(lp, p + (int) size, p + (int) size + bl)).isEqualTo(Arrays.copyOf(backlen, bl));
            p += (int) size + bl;
        }
        assertThat(p).isEqualTo(lp.length - 1);
        assertThat(decoded.items).isEqualTo(walked.items);
    }

    @Test
    void only_the_unused_bytes_have_no_encoding() {
        for (int b = 0; b < 0xFF; b++) {
            assertThat(Listpack.encodingBytes(b) == 0).as("byte %02X", b).isEqualTo(b >= 0xF5);
        }
    }

    @Test
    void integers_take_the_smallest_encoding() throws Exception {
        long[][] sizeByValue = { // value, encoding+data bytes
            {0, 1}, {127, 1}, {128, 2}, {-1, 2}, {4095, 2}, {-4096, 2}, {4096, 3}, {-4097, 3},
            {32767, 3}, {-32768, 3}, {32768, 4}, {-32769, 4}, {8388607, 4}, {-8388608, 4},
            {8388608, 5}, {-8388609, 5}, {Integer.MAX_VALUE, 5}, {Integer.MIN_VALUE, 5},
            {Integer.MAX_VALUE + 1L, 9}, {Integer.MIN_VALUE - 1L, 9}, {Long.MAX_VALUE, 9}, {Long.MIN_VALUE, 9},
        };
        for (long[] c : sizeByValue) {
            byte[] lp = new ListpackWriter().addInteger(c[0]).toByteArray();
            assertThat(lp.length).as("value %d", c[0]).isEqualTo(Listpack.HEADER_SIZE + c[1] + 1 + 1);
            Recorder r = new Recorder();
            Listpack.walk(lp, 0, lp.length, r);
            assertThat(r.items).containsExactly(c[0]);
        }
    }

    @Test
    void strings_switch_length_form_at_64_and_4096_bytes() throws Exception {
        int[][] headerByLength = {{0, 1}, {63, 1}, {64, 2}, {4095, 2}, {4096, 5}};
        for (int[] c : headerByLength) {
            byte[] s = new byte[c[0]];
            Arrays.fill(s, (byte) 'x');
            byte[] lp = new ListpackWriter().addBytes(s).toByteArray();
            int e = c[1] + c[0];
            assertThat(lp.length).as("length %d", c[0]).isEqualTo(Listpack.HEADER_SIZE + e + Listpack.backlenBytes(e) + 1);
            Recorder r = new Recorder();
            Listpack.walk(lp, 0, lp.length, r);
            assertThat(r.items).containsExactly(new Recorder.Str(s));
        }
    }

    @Test
    void backlen_size_follows_redis_strict_thresholds() throws Exception {
        // Entry size E (encoding + data) -> backlen bytes; note E = 16383 already takes 3 bytes.
        long[][] cases = {{127, 1}, {128, 2}, {16382, 2}, {16383, 3}, {2097150, 3}, {2097151, 4}};
        for (long[] c : cases) {
            int e = (int) c[0];
            int len = e < 66 ? e - 1 : e < 4098 ? e - 2 : e - 5;
            byte[] lp = new ListpackWriter().addBytes(new byte[len]).toByteArray();
            assertThat(lp.length - Listpack.HEADER_SIZE - 1 - e).as("E = %d", e).isEqualTo((int) c[1]);
            assertThat(Listpack.decodeBacklen(lp, lp.length - 2)).isEqualTo(e);
            assertThat(Listpack.walk(lp, 0, lp.length, null)).isEqualTo(1);
        }
    }

    @Test
    void auto_stores_only_canonical_int64_text_as_integers() throws Exception {
        String[] texts = {"0", "-1", "42", "9223372036854775807", "-9223372036854775808",
            "-0", "007", "+5", " 1", "", "9223372036854775808", "1.0", "abc"};
        ListpackWriter w = new ListpackWriter();
        for (String t : texts) {
            w.addAuto(t.getBytes(StandardCharsets.US_ASCII));
        }
        byte[] lp = w.toByteArray();
        Recorder r = new Recorder();
        Listpack.walk(lp, 0, lp.length, r);
        assertThat(r.items).containsExactly(0L, -1L, 42L, Long.MAX_VALUE, Long.MIN_VALUE,
                str("-0"), str("007"), str("+5"), str(" 1"), str(""), str("9223372036854775808"),
                str("1.0"), str("abc"));
    }

    @Test
    void count_65535_means_unknown() throws Exception {
        byte[] lp = new ListpackWriter().addInteger(1).addInteger(2).toByteArray();
        lp[4] = (byte) 0xFF;
        lp[5] = (byte) 0xFF;
        assertThat(Listpack.walk(lp, 0, lp.length, null)).isEqualTo(2);

        ListpackWriter big = new ListpackWriter();
        for (int i = 0; i < 70_000; i++) {
            big.addInteger(i);
        }
        byte[] b = big.toByteArray();
        assertThat(b[4] & 0xff | (b[5] & 0xff) << 8).isEqualTo(65535);
        assertThat(Listpack.walk(b, 0, b.length, null)).isEqualTo(70_000);
    }

    @Test
    void empty_listpack_is_valid() throws Exception {
        byte[] lp = new ListpackWriter().toByteArray();
        assertThat(lp).isEqualTo(hex("070000000000ff"));
        assertThat(Listpack.walk(lp, 0, lp.length, null)).isZero();
    }

    // --- Each kind of damage is reported with what was expected and what was found ----------

    @Test
    void reports_header_size_mismatch() {
        byte[] lp = new ListpackWriter().addInteger(5).toByteArray();
        assertThat(fail(lp, 0, lp.length - 1)).hasMessage("listpack header says 9 bytes, blob has 8");
        assertThat(fail(new byte[3], 0, 3).getMessage()).startsWith("listpack needs at least 7 bytes");
    }

    @Test
    void reports_missing_terminator() {
        byte[] lp = new ListpackWriter().addInteger(5).toByteArray();
        lp[lp.length - 1] = 0;
        BlobException e = fail(lp, 0, lp.length);
        assertThat(e).hasMessage("listpack must end with 0xFF, last byte is 0x00");
        assertThat(e.position()).isEqualTo(lp.length - 1);
    }

    @Test
    void reports_unused_encodings() {
        for (int b = 0xF5; b <= 0xFE; b++) {
            byte[] lp = new ListpackWriter().addInteger(5).addInteger(6).toByteArray();
            lp[8] = (byte) b; // second entry's encoding byte
            BlobException e = fail(lp, 0, lp.length);
            assertThat(e.getMessage()).isEqualTo(String.format(
                    "listpack entry 1: invalid encoding byte 0x%02X (0xF5-0xFE are unused)", b));
            assertThat(e.position()).isEqualTo(8);
        }
    }

    @Test
    void reports_backlen_that_disagrees_with_the_entry() {
        byte[] lp = new ListpackWriter().addInteger(1).addInteger(2).addInteger(3).addBytes(new byte[9]).toByteArray();
        int backlen = 6 + 2 + 2 + 2 + 10;
        lp[backlen] = 12;
        BlobException e = fail(lp, 0, lp.length);
        assertThat(e).hasMessage("listpack entry 3: backlen says 12 bytes, entry has 10");
        assertThat(e.position()).isEqualTo(backlen);
    }

    @Test
    void reports_backlen_longer_than_five_bytes() {
        // A 13-bit integer entry (C0 80) whose backlen byte (82) claims to continue leftwards; as in
        // lpDecodeBacklen the read goes on through the entry and the header's count bytes (80 80),
        // all with the continuation bit, and gives up after five bytes.
        byte[] lp = hex("0a000000 8080 c080 82 ff");
        BlobException e = fail(lp, 0, lp.length);
        assertThat(e).hasMessage("listpack entry 0: backlen does not end within 5 bytes, entry has 2 bytes");
        assertThat(e.position()).isEqualTo(8);
    }

    @Test
    void reports_count_mismatch_and_early_terminator() {
        byte[] lp = new ListpackWriter().addInteger(1).addInteger(2).toByteArray();
        lp[4] = 3;
        BlobException e = fail(lp, 0, lp.length);
        assertThat(e).hasMessage("listpack header says 3 entries, found 2");
        assertThat(e.position()).isEqualTo(4);

        byte[] early = new ListpackWriter().addInteger(1).addInteger(2).toByteArray();
        early[8] = (byte) 0xFF; // the second entry's first byte becomes a terminator
        assertThat(fail(early, 0, early.length))
                .hasMessage("listpack terminator 0xFF at byte 8, expected only as the last byte (10)");
    }

    @Test
    void reports_entries_that_run_past_the_end() {
        byte[] lp = new ListpackWriter().addBytes("hello".getBytes()).toByteArray();
        lp[6] = (byte) (0x80 | 40); // claims 40 bytes of string
        assertThat(fail(lp, 0, lp.length))
                .hasMessage("listpack entry 0: needs 42 bytes, only 7 before the terminator");
        byte[] big = new ListpackWriter().addBytes(new byte[5000]).toByteArray();
        big[7] = (byte) 0xFF;
        big[10] = (byte) 0x7F; // 32-bit length near 2^31
        assertThat(fail(big, 0, big.length).getMessage()).startsWith("listpack entry 0: needs 21");
    }

    // --- Damage never escapes as anything but BlobException -------------------------------------

    @Property(tries = 1000)
    void any_single_byte_change_walks_or_is_rejected(@ForAll("smallOpLists") List<Op> ops,
            @ForAll @IntRange(max = 1_000_000) int where, @ForAll byte value) {
        byte[] lp = Blobs.listpack(ops);
        lp[where % lp.length] = value;
        Blobs.assertWalksOrRejects(Listpack::walk, 1, lp);
    }

    @Property(tries = 1000)
    void any_truncation_walks_or_is_rejected(@ForAll("smallOpLists") List<Op> ops,
            @ForAll @IntRange(max = 1_000_000) int cut, @ForAll boolean fixHeader) {
        byte[] lp = Blobs.listpack(ops);
        int len = cut % (lp.length + 1);
        byte[] t = Arrays.copyOf(lp, len);
        if (fixHeader && len >= 4) {
            // Keep the size field and terminator plausible so the walk gets past the header checks.
            for (int i = 0; i < 4; i++) {
                t[i] = (byte) (len >>> (8 * i));
            }
            t[len - 1] = (byte) 0xFF;
        }
        Blobs.assertWalksOrRejects(Listpack::walk, 1, t);
    }

    @Test
    void every_byte_change_of_a_redis_listpack_walks_or_is_rejected() throws Exception {
        Blobs.assertEveryByteChangeWalksOrRejects(Listpack::walk, 1, redisHash2());
        List<Op> mixed = new ArrayList<>();
        for (long v : Blobs.EDGE_INTEGERS) {
            mixed.add(new Op.Int(v));
        }
        mixed.add(new Op.Bytes(new byte[70]));
        Blobs.assertEveryByteChangeWalksOrRejects(Listpack::walk, 1, Blobs.listpack(mixed));
    }

    @Test
    void every_byte_change_of_each_encoding_first_and_last_walks_or_is_rejected() {
        // Damage near the end of the array is where a missing bounds check would read past it.
        for (Op op : Blobs.oneOfEachEncoding()) {
            Blobs.assertEveryByteChangeWalksOrRejects(Listpack::walk, 1, Blobs.listpack(List.of(op)));
            Blobs.assertEveryByteChangeWalksOrRejects(Listpack::walk, 1, Blobs.listpack(List.of(op, new Op.Int(1))));
            Blobs.assertEveryByteChangeWalksOrRejects(Listpack::walk, 1, Blobs.listpack(List.of(new Op.Int(1), op)));
        }
    }

    @Provide
    Arbitrary<List<Op>> opLists() {
        return Blobs.ops(Blobs.strings(63, 64, 125, 126, 127, 128, 4095, 4096, 16377, 16378)).list().ofMaxSize(30);
    }

    @Provide
    Arbitrary<List<Op>> smallOpLists() {
        return Blobs.ops(Blobs.strings(63, 64, 126, 127)).list().ofMaxSize(8);
    }

    private static BlobException fail(byte[] b, int off, int len) {
        return LzfTest.catchBlob(() -> Listpack.walk(b, off, len, new Recorder()));
    }
}
