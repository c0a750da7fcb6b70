package io.redback.rdb;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/**
 * Public door to the package-private listpack walker for the JMH benchmarks in
 * {@code io.redback.bench}. Holds one reusable sink, so a walk allocates nothing.
 */
public final class ListpackBenchSupport {
    private final SummingSink sink = new SummingSink();

    /**
     * A listpack like a small Redis hash: 64 field/value pairs (128 entries). Fields are 8-20 byte
     * names; values are a mix of small counters, epoch timestamps, negative numbers and short text.
     */
    public static byte[] realisticListpack() {
        SplittableRandom r = new SplittableRandom(2024);
        ListpackWriter w = new ListpackWriter();
        String[] words = {"name", "email", "last_seen", "score", "city", "plan", "visits", "flags"};
        for (int i = 0; i < 64; i++) {
            String field = words[i % words.length] + ":" + (1000 + r.nextInt(90000));
            w.addAuto(field.getBytes(StandardCharsets.US_ASCII));
            switch (i % 4) {
                case 0 -> w.addAuto(Integer.toString(r.nextInt(128)).getBytes(StandardCharsets.US_ASCII));
                case 1 -> w.addAuto(Long.toString(1_700_000_000L + r.nextInt(50_000_000)).getBytes(StandardCharsets.US_ASCII));
                case 2 -> w.addAuto(Integer.toString(-r.nextInt(5000)).getBytes(StandardCharsets.US_ASCII));
                default -> {
                    byte[] text = new byte[5 + r.nextInt(36)];
                    for (int k = 0; k < text.length; k++) {
                        text[k] = (byte) ('a' + r.nextInt(26));
                    }
                    w.addBytes(text);
                }
            }
        }
        return w.toByteArray();
    }

    /**
     * A sorted set as the small-key dataset of bench/gen-dataset.py has them: 20 members
     * ({@code member-0} to {@code member-19}), each with a full-precision random double score in shortest form (such as
     * {@code 734.0138845921437}), LZF-compressed as Redis stores it in an RDB. Returns the
     * compressed bytes; {@link #zsetRawLength()} is the listpack's length.
     */
    public static byte[] compressedZsetListpack() {
        byte[] lp = zsetListpack();
        byte[] out = new byte[lp.length];
        int n = Lzf.compress(lp, 0, lp.length, out, 0, lp.length - 1);
        if (n == 0) {
            throw new IllegalStateException("the sorted set's listpack did not compress");
        }
        return java.util.Arrays.copyOf(out, n);
    }

    public static int zsetRawLength() {
        return zsetListpack().length;
    }

    private static byte[] zsetListpack() {
        SplittableRandom r = new SplittableRandom(19);
        ListpackWriter w = new ListpackWriter();
        for (int i = 0; i < 20; i++) {
            w.addBytes(("member-" + i).getBytes(StandardCharsets.US_ASCII));
            w.addAuto(Double.toString(r.nextDouble(-1000, 1000)).getBytes(StandardCharsets.US_ASCII));
        }
        return w.toByteArray();
    }

    /**
     * What check does with such a blob: LZF-decompress it into a reused array, then walk it
     * (structure only); returns the entry count.
     */
    public static int decompressAndValidate(byte[] compressed, byte[] out, int rawLength) throws Exception {
        Lzf.decompress(compressed, 0, compressed.length, out, 0, rawLength);
        return Listpack.walk(out, 0, rawLength, null);
    }

    /** LZF validation alone, as check does for a compressed string value it does not look at. */
    public static int validateLzf(byte[] compressed, int rawLength) throws Exception {
        Lzf.validate(compressed, 0, compressed.length, rawLength);
        return rawLength;
    }

    /** Structural validation only; returns the entry count. */
    public static int validate(byte[] lp) throws Exception {
        return Listpack.walk(lp, 0, lp.length, null);
    }

    /** Full walk delivering every entry to a sink that touches each value; returns a digest. */
    public long walkWithSink(byte[] lp) throws Exception {
        sink.sum = 0;
        Listpack.walk(lp, 0, lp.length, sink);
        return sink.sum;
    }

    private static final class SummingSink implements EntrySink {
        long sum;

        @Override
        public void string(byte[] buf, int off, int len) {
            // Look at the bytes as a consumer would (hash, compare), without copying them.
            sum += len;
            if (len > 0) {
                sum += buf[off] + buf[off + len - 1];
            }
        }

        @Override
        public void integer(long value) {
            sum += value;
        }
    }
}
