package io.redback.rdb;

import static io.redback.rdb.Blobs.hex;
import static io.redback.rdb.Recorder.str;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.util.Arrays;
import java.util.Objects;
import java.util.SplittableRandom;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

@io.redback.testsupport.Fast
class LzfTest {

    // --- Values written by real Redis (librdb test dumps) --------------------------------------

    @Test
    void decompresses_a_listpack_hash_that_redis_7_2_compressed() throws Exception {
        // hash_lp_v11.rdb, key "hash1": 53 compressed bytes, 62 raw.
        byte[] lzf = hex("0f3e0000000a00866669656c6432070201800902330703a0090b34078876616c7565342e"
                + "3009801b0b350783352e300406010601ff");
        byte[] lp = new byte[62];
        Lzf.decompress(lzf, 0, lzf.length, lp, 0, lp.length);
        Recorder r = new Recorder();
        assertThat(Listpack.walk(lp, 0, lp.length, r)).isEqualTo(10);
        assertThat(r.items).containsExactly(str("field2"), 2L, str("field3"), 3L, str("field4"),
                str("value4.0"), str("field5"), str("5.0"), 6L, 6L);
    }

    @Test
    void decompresses_a_zipmap_that_redis_2_compressed() throws Exception {
        // hash_zm_v2.rdb, key "myhash": 67 compressed bytes, 77 raw.
        byte[] lzf = hex("150901310100310132010032013301003303312e310300400402312e3240080032200800"
                + "334008073304616161310400600520040032600a0032400a0033600a0133ff");
        byte[] zm = new byte[77];
        Lzf.decompress(lzf, 0, lzf.length, zm, 0, zm.length);
        Recorder r = new Recorder();
        assertThat(Zipmap.walk(zm, 0, zm.length, r)).isEqualTo(9);
        assertThat(r.items).containsExactly(str("1"), str("1"), str("2"), str("2"), str("3"), str("3"),
                str("1.1"), str("1.1"), str("1.2"), str("1.2"), str("1.3"), str("1.3"),
                str("aaa1"), str("aaa1"), str("aaa2"), str("aaa2"), str("aaa3"), str("aaa3"));
        assertThat(stream(lzf, 77, 1)).isEqualTo(array(lzf, 77));
    }

    // --- Round trips ----------------------------------------------------------------------------

    @Property(tries = 300)
    void compress_then_decompress_gives_the_input_back(@ForAll("anyBytes") byte[] data) throws Exception {
        assertRoundTrip(data);
    }

    @Property(tries = 300)
    void repetitive_data_round_trips_and_shrinks(@ForAll("repetitive") byte[] data) throws Exception {
        byte[] c = assertRoundTrip(data);
        if (data.length >= 1000) {
            assertThat(c.length).isLessThan(data.length / 2);
        }
    }

    @Property(tries = 200)
    void streaming_decoder_equals_array_decoder_for_valid_data(@ForAll("repetitive") byte[] data,
            @ForAll @IntRange(min = 1, max = 9) int readSize) throws Exception {
        byte[] c = compress(data);
        Outcome expected = array(c, data.length);
        assertThat(expected.out).isEqualTo(data);
        assertThat(stream(c, data.length, readSize)).isEqualTo(expected);
    }

    @Test
    void a_long_value_streams_in_bounded_chunks() throws Exception {
        // 6 MiB with repeats at every distance up to the 8 KiB limit, crossing many window slides.
        byte[] data = new byte[6 << 20];
        SplittableRandom r = new SplittableRandom(3);
        int i = 0;
        while (i < data.length) {
            int len = Math.min(data.length - i, 1 + r.nextInt(300));
            int dist = 1 + r.nextInt(Lzf.MAX_DISTANCE);
            if (i >= dist && r.nextInt(4) != 0) {
                for (int k = 0; k < len; k++) {
                    data[i + k] = data[i + k - dist];
                }
            } else {
                for (int k = 0; k < len; k++) {
                    data[i + k] = (byte) r.nextInt(256);
                }
            }
            i += len;
        }
        byte[] c = compress(data);
        int[] biggest = {0};
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new LzfStreamDecoder(source(c, 0, c.length, 1000), c.length, data.length).decode((b, off, len) -> {
            biggest[0] = Math.max(biggest[0], len);
            out.write(b, off, len);
        });
        assertThat(out.toByteArray()).isEqualTo(data);
        assertThat(biggest[0]).isLessThanOrEqualTo(64 * 1024);
    }

    // --- Hand-made streams at the edges of the format ------------------------------------------

    @Test
    void back_reference_may_reach_exactly_8192_bytes_back() throws Exception {
        byte[] c = farReference(8192);
        Outcome o = array(c, 8192 + 264);
        assertThat(Arrays.copyOfRange(o.out, 8192, 8192 + 264)).isEqualTo(Arrays.copyOfRange(o.out, 0, 264));
        assertThat(stream(c, 8192 + 264, 5)).isEqualTo(o);
    }

    @Test
    void back_reference_before_the_start_of_the_output_is_rejected() throws Exception {
        byte[] c = farReference(8191); // 8191 literal bytes, then a reference 8192 back
        Outcome o = array(c, 8191 + 264);
        assertThat(o.message).isEqualTo("LZF back-reference reaches 8192 bytes back, only 8191 bytes written");
        assertThat(o.position).isEqualTo(c.length - 3);
        assertThat(stream(c, 8191 + 264, 3)).isEqualTo(o);
    }

    @Test
    void overlapping_reference_repeats_a_run() throws Exception {
        // literal "ab", then copy 264 bytes from 2 back: "abab...".
        byte[] c = {1, 'a', 'b', (byte) 0xE0, (byte) (262 - 7), 1};
        byte[] out = array(c, 266).out;
        for (int k = 0; k < out.length; k++) {
            assertThat(out[k]).isEqualTo((byte) (k % 2 == 0 ? 'a' : 'b'));
        }
    }

    @Test
    void every_kind_of_damage_is_named() {
        assertThat(array(new byte[] {2, 'a', 'b'}, 3).message)
                .isEqualTo("LZF literal needs 3 more input bytes, found 2");
        assertThat(array(new byte[] {2, 'a', 'b', 'c'}, 2).message)
                .isEqualTo("LZF literal of 3 bytes at output byte 0 overruns the expected length of 2 bytes");
        assertThat(array(new byte[] {0, 'a', 0x20}, 4).message)
                .isEqualTo("LZF back-reference needs 1 more input bytes, found 0");
        assertThat(array(new byte[] {0, 'a', (byte) 0xE0, 0}, 20).message)
                .isEqualTo("LZF back-reference needs 2 more input bytes, found 1");
        assertThat(array(new byte[] {0, 'a', 0x20, 0}, 2).message)
                .isEqualTo("LZF back-reference of 3 bytes at output byte 1 overruns the expected length of 2 bytes");
        Outcome shortOut = array(new byte[] {0, 'a'}, 5);
        assertThat(shortOut.message).isEqualTo("LZF data ends after 1 output bytes, expected 5");
        assertThat(shortOut.position).isEqualTo(2);
        assertThat(array(new byte[0], 0).out).isEmpty();
        assertThat(array(new byte[0], 1).message).isEqualTo("LZF data ends after 0 output bytes, expected 1");
    }

    @Test
    void positions_are_relative_to_the_compressed_blob() {
        byte[] c = {0, 'a', 0x20, 5}; // reference 6 back after one byte
        byte[] padded = Blobs.padded(c);
        BlobException e = catchBlob(() -> Lzf.decompress(padded, 3, c.length, new byte[10], 2, 4));
        assertThat(e.position()).isEqualTo(2);
    }

    // --- Damage never escapes as anything but BlobException ------------------------------------

    @Property(tries = 1000)
    void corrupted_streams_fail_cleanly_and_identically(@ForAll("repetitive") byte[] data,
            @ForAll @IntRange(max = 1_000_000) int where, @ForAll byte value, @ForAll @IntRange(min = -3, max = 3) int lenDelta,
            @ForAll @IntRange(min = 1, max = 40) int readSize) throws Exception {
        byte[] c = compress(data);
        if (c.length > 0) {
            c[where % c.length] = value;
        }
        int outLen = Math.max(0, data.length + lenDelta);
        Outcome a = array(c, outLen);
        assertThat(stream(c, outLen, readSize)).isEqualTo(a);
    }

    @Property(tries = 1000)
    void truncated_streams_fail_cleanly_and_identically(@ForAll("repetitive") byte[] data,
            @ForAll @IntRange(max = 1_000_000) int cut, @ForAll @IntRange(min = 1, max = 40) int readSize)
            throws Exception {
        Assume.that(data.length > 0);
        byte[] c = compress(data);
        byte[] t = Arrays.copyOf(c, cut % c.length);
        Outcome a = array(t, data.length);
        assertThat(a.message).isNotNull();
        assertThat(stream(t, data.length, readSize)).isEqualTo(a);
    }

    @Property(tries = 1000)
    void a_stream_inside_larger_arrays_decodes_as_alone_and_writes_only_its_output(@ForAll("repetitive") byte[] data,
            @ForAll @IntRange(max = 1_000_000) int where, @ForAll byte value, @ForAll boolean corrupt,
            @ForAll @IntRange(min = -3, max = 3) int lenDelta, @ForAll @IntRange(max = 64) int margin) {
        // The input in the middle of a bigger buffer (as a reader's input buffer holds it) and the
        // output in the middle of a bigger array: the same result as exact arrays, bytes outside
        // the output range untouched, whatever follows the stream.
        byte[] c = compress(data);
        if (corrupt && c.length > 0) {
            c[where % c.length] = value;
        }
        int outLen = Math.max(0, data.length + lenDelta);
        Outcome expected = array(c, outLen);
        SplittableRandom r = new SplittableRandom(where);
        byte[] in = new byte[margin + c.length + 64];
        for (int i = 0; i < in.length; i++) {
            in[i] = (byte) r.nextInt(256);
        }
        System.arraycopy(c, 0, in, margin, c.length);
        byte[] out = new byte[margin + outLen + 64];
        Arrays.fill(out, (byte) 0x5A);
        Outcome got;
        try {
            Lzf.decompress(in, margin, c.length, out, margin, outLen);
            got = new Outcome(Arrays.copyOfRange(out, margin, margin + outLen), null, null);
        } catch (BlobException e) {
            got = new Outcome(null, e.position(), e.getMessage());
        }
        assertThat(got).isEqualTo(expected);
        for (int i = 0; i < margin; i++) {
            assertThat(out[i]).isEqualTo((byte) 0x5A);
        }
        for (int i = margin + outLen; i < out.length; i++) {
            assertThat(out[i]).isEqualTo((byte) 0x5A);
        }
    }

    @Property(tries = 1000)
    void random_bytes_fail_cleanly_and_identically(@ForAll("anyBytes") byte[] garbage,
            @ForAll @IntRange(max = 20_000) int outLen, @ForAll @IntRange(min = 1, max = 40) int readSize)
            throws Exception {
        Outcome a = array(garbage, outLen);
        assertThat(stream(garbage, outLen, readSize)).isEqualTo(a);
    }

    // --- Compressor contract ---------------------------------------------------------------------

    @Property(tries = 200)
    void compress_reports_0_when_the_output_does_not_fit(@ForAll("repetitive") byte[] data,
            @ForAll @IntRange(min = 1, max = 1000) int shortBy) throws Exception {
        byte[] c = compress(data);
        byte[] exact = new byte[c.length];
        assertThat(Lzf.compress(data, 0, data.length, exact, 0)).isEqualTo(c.length);
        byte[] small = new byte[Math.max(0, c.length - shortBy)];
        assertThat(Lzf.compress(data, 0, data.length, small, 0)).isZero();
    }

    @Test
    void compress_honours_offsets() throws Exception {
        byte[] data = "xxhello hello hello hello hello hello!yy".getBytes();
        byte[] out = new byte[100];
        int n = Lzf.compress(data, 2, data.length - 4, out, 5);
        byte[] back = new byte[data.length - 4];
        Lzf.decompress(out, 5, n, back, 0, back.length);
        assertThat(back).isEqualTo(Arrays.copyOfRange(data, 2, data.length - 2));
        assertThat(Lzf.compress(data, 0, 0, out, 0)).isZero();
    }

    // --- Streaming source contract ----------------------------------------------------------------

    @Test
    void stream_decoder_reads_exactly_the_compressed_length() throws Exception {
        byte[] data = "abcabcabcabcabcabcabcabcabcabcabcabc".getBytes();
        byte[] c = compress(data);
        byte[] withTail = Arrays.copyOf(c, c.length + 10);
        int[] pos = {0};
        ByteSource src = (b, off, len) -> {
            int n = Math.min(len, withTail.length - pos[0]);
            System.arraycopy(withTail, pos[0], b, off, n);
            pos[0] += n;
            return n == 0 ? -1 : n;
        };
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new LzfStreamDecoder(src, c.length, data.length).decode(out::write);
        assertThat(out.toByteArray()).isEqualTo(data);
        assertThat(pos[0]).isEqualTo(c.length);
    }

    @Test
    void source_ending_early_is_an_eof_error() {
        byte[] c = compress("abcabcabcabcabcabcabcabcabcabcabcabc".getBytes());
        assertThatThrownBy(() -> new LzfStreamDecoder(source(c, 0, c.length - 2, 4), c.length, 36)
                        .decode((b, off, len) -> { }))
                .isInstanceOf(EOFException.class)
                .hasMessageContaining("of " + c.length + " compressed bytes");
    }

    // --- Helpers ---------------------------------------------------------------------------------

    @Provide
    Arbitrary<byte[]> anyBytes() {
        return Arbitraries.bytes().array(byte[].class).ofMaxSize(3000);
    }

    /** Runs of a short pattern with occasional noise: what LZF meets in real values. */
    @Provide
    Arbitrary<byte[]> repetitive() {
        Arbitrary<byte[]> pattern = Arbitraries.bytes().between((byte) 'a', (byte) 'd').array(byte[].class).ofMinSize(1).ofMaxSize(24);
        Arbitrary<Integer> length = Arbitraries.frequencyOf(
                Tuple.of(3, Arbitraries.integers().between(0, 600)),
                Tuple.of(1, Arbitraries.integers().between(600, 70_000)));
        return Combinators.combine(pattern, length, Arbitraries.integers().between(0, 50), Arbitraries.longs())
                .as((p, n, noisePerMille, seed) -> {
                    byte[] b = new byte[n];
                    SplittableRandom r = new SplittableRandom(seed);
                    for (int k = 0; k < n; k++) {
                        b[k] = r.nextInt(1000) < noisePerMille ? (byte) r.nextInt(256) : p[k % p.length];
                    }
                    return b;
                });
    }

    private static byte[] compress(byte[] data) {
        byte[] out = new byte[data.length + data.length / 32 + 2];
        int n = Lzf.compress(data, 0, data.length, out, 0);
        assertThat(n > 0 || data.length == 0).as("worst-case buffer must fit").isTrue();
        return Arrays.copyOf(out, n);
    }

    private static byte[] assertRoundTrip(byte[] data) throws BlobException {
        byte[] c = compress(data);
        byte[] back = new byte[data.length];
        Lzf.decompress(c, 0, c.length, back, 0, back.length);
        assertThat(back).isEqualTo(data);
        return c;
    }

    /** 8192 literal-bytes-ish prefix of the given length, then one maximal reference 8192 back. */
    private static byte[] farReference(int literalBytes) {
        ByteArrayOutputStream c = new ByteArrayOutputStream();
        SplittableRandom r = new SplittableRandom(1);
        for (int left = literalBytes; left > 0; ) {
            int run = Math.min(32, left);
            c.write(run - 1);
            for (int k = 0; k < run; k++) {
                c.write(r.nextInt(256));
            }
            left -= run;
        }
        int d = 8192 - 1;
        c.write(0xE0 | d >>> 8);
        c.write(262 - 7);
        c.write(d & 0xff);
        return c.toByteArray();
    }

    static ByteSource source(byte[] b, int off, int len, int maxRead) {
        int[] pos = {off};
        int end = off + len;
        return (dst, o, n) -> {
            if (pos[0] == end) {
                return -1;
            }
            int k = Math.min(Math.min(n, maxRead), end - pos[0]);
            System.arraycopy(b, pos[0], dst, o, k);
            pos[0] += k;
            return k;
        };
    }

    /** What a decoder did: the output, or where and why it refused. */
    record Outcome(byte[] out, Integer position, String message) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Outcome x && Arrays.equals(out, x.out)
                    && Objects.equals(position, x.position) && Objects.equals(message, x.message);
        }

        @Override
        public int hashCode() {
            return Objects.hash(Arrays.hashCode(out), position, message);
        }

        @Override
        public String toString() {
            return message == null ? "output of " + out.length + " bytes" : "error at " + position + ": " + message;
        }
    }

    /** Decodes with {@link Lzf#decompress}; any exception but BlobException fails the test. */
    static Outcome array(byte[] c, int outLen) {
        byte[] out = new byte[outLen];
        try {
            Lzf.decompress(c, 0, c.length, out, 0, outLen);
            return new Outcome(out, null, null);
        } catch (BlobException e) {
            assertThat(e.position()).isBetween(0, c.length);
            return new Outcome(null, e.position(), e.getMessage());
        }
    }

    /** Decodes with {@link LzfStreamDecoder}, reading at most readSize bytes per call. */
    static Outcome stream(byte[] c, int outLen, int readSize) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            new LzfStreamDecoder(source(c, 0, c.length, readSize), c.length, outLen).decode(out::write);
            return new Outcome(out.toByteArray(), null, null);
        } catch (BlobException e) {
            return new Outcome(null, e.position(), e.getMessage());
        }
    }

    interface Blobby {
        void run() throws BlobException;
    }

    static BlobException catchBlob(Blobby r) {
        try {
            r.run();
        } catch (BlobException e) {
            return e;
        }
        throw new AssertionError("expected a BlobException");
    }

}
