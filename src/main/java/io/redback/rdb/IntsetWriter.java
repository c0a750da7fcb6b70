package io.redback.rdb;

import java.util.Arrays;

/**
 * Builds an intset: members sorted and de-duplicated, stored in the narrowest width that holds
 * them all (as Redis does when it creates one), or in a forced width, since Redis never narrows an
 * intset after removing its large members.
 */
final class IntsetWriter {
    private long[] values = new long[16];
    private int n;
    private int forcedEncoding;

    IntsetWriter add(long v) {
        if (n == values.length) {
            values = Arrays.copyOf(values, n * 2);
        }
        values[n++] = v;
        return this;
    }

    /** Stores members in this many bytes (2, 4 or 8) even if a narrower width would do. */
    IntsetWriter encoding(int bytes) {
        if (bytes != 2 && bytes != 4 && bytes != 8) {
            throw new IllegalArgumentException("intset encoding must be 2, 4 or 8: " + bytes);
        }
        forcedEncoding = bytes;
        return this;
    }

    byte[] toByteArray() {
        long[] sorted = Arrays.copyOf(values, n);
        Arrays.sort(sorted);
        int count = 0;
        for (int i = 0; i < sorted.length; i++) {
            if (count == 0 || sorted[i] != sorted[count - 1]) {
                sorted[count++] = sorted[i];
            }
        }
        int enc = 2;
        for (int i = 0; i < count; i++) {
            enc = Math.max(enc, width(sorted[i]));
        }
        if (forcedEncoding != 0) {
            if (forcedEncoding < enc) {
                throw new IllegalStateException("a member needs " + enc + " bytes, encoding forced to " + forcedEncoding);
            }
            enc = forcedEncoding;
        }
        byte[] out = new byte[Intset.HEADER_SIZE + count * enc];
        putLe(out, 0, enc, 4);
        putLe(out, 4, count, 4);
        for (int i = 0; i < count; i++) {
            putLe(out, Intset.HEADER_SIZE + i * enc, sorted[i], enc);
        }
        return out;
    }

    private static int width(long v) {
        if (v >= Short.MIN_VALUE && v <= Short.MAX_VALUE) {
            return 2;
        }
        return v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE ? 4 : 8;
    }

    private static void putLe(byte[] b, int at, long v, int bytes) {
        for (int i = 0; i < bytes; i++) {
            b[at + i] = (byte) (v >>> (8 * i));
        }
    }
}
