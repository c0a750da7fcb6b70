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
