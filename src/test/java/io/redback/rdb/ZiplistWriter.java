package io.redback.rdb;

import java.util.Arrays;

/**
 * Builds a ziplist the way Redis's {@code ziplistPush} does, for tests: integers in the smallest
 * encoding (immediate 0..12, then int8, 16, 24, 32, 64), strings with a 6-, 14- or 32-bit length,
 * and a 1-byte prevlen below 254 (5 bytes otherwise, or always when forced, which Redis also
 * produces when an entry shrinks after a cascade update).
 */
final class ZiplistWriter {
    private byte[] buf = new byte[64];
    private int size = Ziplist.HEADER_SIZE;
    private int count;
    private int last = -1;
    private int prevSize;
    private boolean bigPrevlen;

    /** Writes every following prevlen in the 5-byte form. */
    ZiplistWriter forceBigPrevlen() {
        bigPrevlen = true;
        return this;
    }

    ZiplistWriter addBytes(byte[] s) {
        int start = beginEntry(5 + s.length);
        int len = s.length;
        if (len <= 0x3F) {
            buf[size++] = (byte) len;
        } else if (len <= 0x3FFF) {
            buf[size++] = (byte) (0x40 | len >>> 8);
            buf[size++] = (byte) len;
        } else {
            buf[size++] = (byte) 0x80;
            buf[size++] = (byte) (len >>> 24);
            buf[size++] = (byte) (len >>> 16);
            buf[size++] = (byte) (len >>> 8);
            buf[size++] = (byte) len;
        }
        System.arraycopy(s, 0, buf, size, len);
        size += len;
        return endEntry(start);
    }

    ZiplistWriter addInteger(long v) {
        int start = beginEntry(9);
        if (v >= 0 && v <= 12) {
            buf[size++] = (byte) (0xF1 + v);
        } else if (v >= Byte.MIN_VALUE && v <= Byte.MAX_VALUE) {
            buf[size++] = (byte) 0xFE;
            putLe(v, 1);
        } else if (v >= Short.MIN_VALUE && v <= Short.MAX_VALUE) {
            buf[size++] = (byte) 0xC0;
            putLe(v, 2);
        } else if (v >= -(1 << 23) && v <= (1 << 23) - 1) {
            buf[size++] = (byte) 0xF0;
            putLe(v, 3);
        } else if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) {
            buf[size++] = (byte) 0xD0;
            putLe(v, 4);
        } else {
            buf[size++] = (byte) 0xE0;
            putLe(v, 8);
        }
        return endEntry(start);
    }

    /** As Redis: canonical int64 text becomes an integer entry, anything else a string. */
    ZiplistWriter addAuto(byte[] s) {
        return ListpackWriter.isCanonicalInt64(s, 0, s.length)
                ? addInteger(ListpackWriter.parseInt64(s, 0, s.length))
                : addBytes(s);
    }

    byte[] toByteArray() {
        byte[] out = Arrays.copyOf(buf, size + 1);
        out[size] = (byte) Ziplist.END;
        putLe(out, 0, size + 1, 4);
        putLe(out, 4, count == 0 ? Ziplist.HEADER_SIZE : last, 4);
        putLe(out, 8, Math.min(count, Ziplist.COUNT_UNKNOWN), 2);
        return out;
    }

    private int beginEntry(int maxBody) {
        if (buf.length - size < 5 + maxBody) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, size + 5 + maxBody));
        }
        int start = size;
        if (prevSize < Ziplist.BIG_PREVLEN && !bigPrevlen) {
            buf[size++] = (byte) prevSize;
        } else {
            buf[size++] = (byte) Ziplist.BIG_PREVLEN;
            putLe(prevSize, 4);
        }
        return start;
    }

    private ZiplistWriter endEntry(int start) {
        last = start;
        prevSize = size - start;
        count++;
        return this;
    }

    private void putLe(long v, int bytes) {
        putLe(buf, size, v, bytes);
        size += bytes;
    }

    private static void putLe(byte[] b, int at, long v, int bytes) {
        for (int i = 0; i < bytes; i++) {
            b[at + i] = (byte) (v >>> (8 * i));
        }
    }
}
