package io.redback.rdb;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Tuple;

/** Generators and helpers shared by the blob tests. */
final class Blobs {
    private Blobs() {}

    /** Integers at every encoding boundary of listpack, ziplist and intset, and their neighbours. */
    static final long[] EDGE_INTEGERS = {
        0, 1, 12, 13, 127, 128, -1, -127, -128, -129, 255, 256,
        4095, 4096, -4096, -4097, 8191, 8192,
        Short.MAX_VALUE, Short.MAX_VALUE + 1L, Short.MIN_VALUE, Short.MIN_VALUE - 1L,
        (1 << 23) - 1, 1 << 23, -(1 << 23), -(1 << 23) - 1,
        Integer.MAX_VALUE, Integer.MAX_VALUE + 1L, Integer.MIN_VALUE, Integer.MIN_VALUE - 1L,
        Long.MAX_VALUE, Long.MAX_VALUE - 1, Long.MIN_VALUE, Long.MIN_VALUE + 1,
    };

    static Arbitrary<Long> integers() {
        return Arbitraries.frequencyOf(
                Tuple.of(3, Arbitraries.of(box(EDGE_INTEGERS))),
                Tuple.of(1, Arbitraries.longs()),
                Tuple.of(2, Arbitraries.longs().between(-100_000, 100_000)));
    }

    /** Byte strings, with the length-encoding boundaries (63/64, 4095/4096, 253/254) well represented. */
    static Arbitrary<byte[]> strings(int... edgeLengths) {
        Integer[] edges = new Integer[edgeLengths.length];
        for (int i = 0; i < edges.length; i++) {
            edges[i] = edgeLengths[i];
        }
        Arbitrary<Integer> len = Arbitraries.frequencyOf(
                Tuple.of(6, Arbitraries.integers().between(0, 80)),
                Tuple.of(1, Arbitraries.of(edges)));
        return len.flatMap(n -> Arbitraries.bytes().array(byte[].class).ofSize(n));
    }

    /** Decimal texts, canonical int64s and near misses ("-0", "007", "+5", out of range). */
    static Arbitrary<byte[]> decimalTexts() {
        return Arbitraries.oneOf(
                integers().map(v -> Long.toString(v)),
                Arbitraries.of("-0", "007", "+5", " 1", "1 ", "", "-", "12a", "0x10",
                        "9223372036854775808", "-9223372036854775809", "18446744073709551616",
                        "-9223372036854775808", "9223372036854775807", "00", "0"))
                .map(s -> s.getBytes(StandardCharsets.US_ASCII));
    }

    /** Independent oracle for "Redis would store this text as an integer". */
    static boolean canonicalInt64(byte[] text) {
        String s = new String(text, StandardCharsets.ISO_8859_1);
        try {
            return Long.toString(Long.parseLong(s)).equals(s);
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /** One append to a listpack or ziplist writer, and what a walk must give back for it. */
    sealed interface Op permits Op.Bytes, Op.Int, Op.Auto {
        Object expected();

        record Bytes(byte[] s) implements Op {
            public Object expected() {
                return new Recorder.Str(s);
            }
        }

        record Int(long v) implements Op {
            public Object expected() {
                return v;
            }
        }

        record Auto(byte[] s) implements Op {
            public Object expected() {
                return canonicalInt64(s) ? (Object) Long.parseLong(new String(s, StandardCharsets.US_ASCII))
                        : new Recorder.Str(s);
            }
        }
    }

    static Arbitrary<Op> ops(Arbitrary<byte[]> strings) {
        return Arbitraries.frequencyOf(
                Tuple.of(3, strings.map(Op.Bytes::new)),
                Tuple.of(3, integers().map(Op.Int::new)),
                Tuple.of(2, decimalTexts().map(Op.Auto::new)));
    }

    /** One entry of every listpack and ziplist encoding (strings below the 32-bit forms kept short). */
    static List<Op> oneOfEachEncoding() {
        return List.of(new Op.Int(5), new Op.Int(12), new Op.Int(100), new Op.Int(-5), new Op.Int(1000),
                new Op.Int(30000), new Op.Int(1 << 20), new Op.Int(1 << 30), new Op.Int(1L << 40),
                new Op.Bytes(new byte[0]), new Op.Bytes("abc".getBytes(StandardCharsets.US_ASCII)),
                new Op.Bytes(new byte[64]), new Op.Bytes(new byte[300]));
    }

    static byte[] listpack(List<Op> ops) {
        ListpackWriter w = new ListpackWriter();
        for (Op op : ops) {
            if (op instanceof Op.Bytes b) {
                w.addBytes(b.s());
            } else if (op instanceof Op.Int i) {
                w.addInteger(i.v());
            } else {
                w.addAuto(((Op.Auto) op).s());
            }
        }
        return w.toByteArray();
    }

    static byte[] ziplist(List<Op> ops, boolean bigPrevlen) {
        ZiplistWriter w = new ZiplistWriter();
        if (bigPrevlen) {
            w.forceBigPrevlen();
        }
        for (Op op : ops) {
            if (op instanceof Op.Bytes b) {
                w.addBytes(b.s());
            } else if (op instanceof Op.Int i) {
                w.addInteger(i.v());
            } else {
                w.addAuto(((Op.Auto) op).s());
            }
        }
        return w.toByteArray();
    }

    static List<Object> expected(List<Op> ops) {
        return ops.stream().map(Op::expected).toList();
    }

    /** Any of the walkers, for the shared damage checks. */
    interface Walker {
        int walk(byte[] buf, int off, int len, EntrySink sink) throws BlobException;
    }

    /**
     * A possibly damaged blob must either walk to a consistent result (the returned count matches
     * what the sink saw) or be refused with a BlobException positioned inside the blob. Anything
     * else (an ArrayIndexOutOfBoundsException, say) propagates and fails the test. The blob is
     * walked alone in its array (so that reading past its end throws) and again inside a bigger
     * array (so that offsets are honoured), with and without a sink; all four must agree.
     */
    static void assertWalksOrRejects(Walker w, int itemsPerCount, byte[] blob) {
        Object exact = outcome(w, itemsPerCount, blob, 0, blob.length, true);
        byte[] padded = padded(blob);
        org.assertj.core.api.Assertions.assertThat(outcome(w, itemsPerCount, padded, 3, blob.length, true)).isEqualTo(exact);
        org.assertj.core.api.Assertions.assertThat(outcome(w, itemsPerCount, blob, 0, blob.length, false))
                .isEqualTo(exact instanceof List<?> items ? items.size() / itemsPerCount : exact);
    }

    /** The items seen (or, without a sink, the count), or "error at POS: MESSAGE". */
    private static Object outcome(Walker w, int itemsPerCount, byte[] buf, int off, int len, boolean withSink) {
        Recorder r = withSink ? new Recorder() : null;
        try {
            int n = w.walk(buf, off, len, r);
            if (r == null) {
                return n;
            }
            org.assertj.core.api.Assertions.assertThat(r.items).hasSize(n * itemsPerCount);
            return r.items;
        } catch (BlobException e) {
            org.assertj.core.api.Assertions.assertThat(e.position()).isBetween(0, len);
            org.assertj.core.api.Assertions.assertThat(e.getMessage()).isNotBlank();
            return "error at " + e.position() + ": " + e.getMessage();
        }
    }

    /** Every single-byte value at every position of blob. */
    static void assertEveryByteChangeWalksOrRejects(Walker w, int itemsPerCount, byte[] blob) {
        byte[] b = blob.clone();
        for (int i = 0; i < b.length; i++) {
            for (int v = 0; v < 256; v++) {
                b[i] = (byte) v;
                assertWalksOrRejects(w, itemsPerCount, b);
            }
            b[i] = blob[i];
        }
    }

    static byte[] hex(String s) {
        return HexFormat.of().parseHex(s.replace(" ", ""));
    }

    /** Copies b into a bigger array at offset 3, so that tests also cover off != 0. */
    static byte[] padded(byte[] b) {
        byte[] out = new byte[b.length + 7];
        java.util.Arrays.fill(out, (byte) 0xA5);
        System.arraycopy(b, 0, out, 3, b.length);
        return out;
    }

    private static Long[] box(long[] v) {
        Long[] out = new Long[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = v[i];
        }
        return out;
    }
}
