package io.redback.rdb;

import java.util.Arrays;

/**
 * Builds a listpack the way Redis does: integers in the smallest encoding that holds them,
 * strings with a 6-, 12- or 32-bit length, and each entry followed by its backlen with Redis's
 * exact size thresholds, so the bytes match what {@code lpAppend} would produce.
 */
final class ListpackWriter {
    private byte[] buf = new byte[64];
    private int size = Listpack.HEADER_SIZE;
    private int count;

    /** Appends s as a string entry, even if it looks like a number. */
    ListpackWriter addBytes(byte[] s) {
        return addBytes(s, 0, s.length);
    }

    ListpackWriter addBytes(byte[] s, int off, int len) {
        int start = size;
        if (len < 64) {
            ensure(1 + len + 5);
            buf[size++] = (byte) (0x80 | len);
        } else if (len < 4096) {
            ensure(2 + len + 5);
            buf[size++] = (byte) (0xE0 | len >>> 8);
            buf[size++] = (byte) len;
        } else {
            ensure(5 + len + 5);
            buf[size++] = (byte) 0xF0;
            putLe(len, 4);
        }
        System.arraycopy(s, off, buf, size, len);
        size += len;
        return endEntry(start);
    }

    /** Appends v as an integer entry in the smallest encoding that holds it. */
    ListpackWriter addInteger(long v) {
        int start = size;
        ensure(9 + 5);
        if (v >= 0 && v <= 127) {
            buf[size++] = (byte) v;
        } else if (v >= -4096 && v <= 4095) {
            int raw = (int) v & 0x1FFF; // negative values wrap to 4096..8191
            buf[size++] = (byte) (0xC0 | raw >>> 8);
            buf[size++] = (byte) raw;
        } else if (v >= Short.MIN_VALUE && v <= Short.MAX_VALUE) {
            buf[size++] = (byte) 0xF1;
            putLe(v, 2);
        } else if (v >= -(1 << 23) && v <= (1 << 23) - 1) {
            buf[size++] = (byte) 0xF2;
            putLe(v, 3);
        } else if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) {
            buf[size++] = (byte) 0xF3;
            putLe(v, 4);
        } else {
            buf[size++] = (byte) 0xF4;
            putLe(v, 8);
        }
        return endEntry(start);
    }

    /**
     * Appends s as Redis's {@code lpAppend} would: as an integer if it is the canonical decimal
     * text of an int64 (no sign on zero, no leading zeros, no spaces), otherwise as a string.
     */
    ListpackWriter addAuto(byte[] s) {
        return isCanonicalInt64(s, 0, s.length) ? addInteger(parseInt64(s, 0, s.length)) : addBytes(s);
    }

    int count() {
        return count;
    }

    /** The finished listpack; the count field says 65535 (unknown) from 65535 entries on. */
    byte[] toByteArray() {
        byte[] out = Arrays.copyOf(buf, size + 1);
        out[size] = (byte) Listpack.EOF;
        int total = size + 1;
        for (int i = 0; i < 4; i++) {
            out[i] = (byte) (total >>> (8 * i));
        }
        int n = Math.min(count, Listpack.COUNT_UNKNOWN);
        out[4] = (byte) n;
        out[5] = (byte) (n >>> 8);
        return out;
    }

    private ListpackWriter endEntry(int start) {
        size += Listpack.writeBacklen(size - start, buf, size);
        count++;
        return this;
    }

    private void putLe(long v, int bytes) {
        for (int i = 0; i < bytes; i++) {
            buf[size++] = (byte) (v >>> (8 * i));
        }
    }

    private void ensure(int extra) {
        if (buf.length - size < extra) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, size + extra));
        }
    }

    /** True when s is how Redis prints some int64 (string2ll's rule): "0", or [-]?[1-9][0-9]*. */
    static boolean isCanonicalInt64(byte[] s, int off, int len) {
        if (len == 0 || len > 20) {
            return false;
        }
        if (len == 1 && s[off] == '0') {
            return true;
        }
        int i = off;
        boolean negative = s[i] == '-';
        if (negative) {
            i++;
            if (len == 1) {
                return false;
            }
        }
        if (s[i] < '1' || s[i] > '9') {
            return false;
        }
        long v = 0; // accumulated as a negative number so that Long.MIN_VALUE fits
        for (; i < off + len; i++) {
            int d = s[i] - '0';
            if (d < 0 || d > 9) {
                return false;
            }
            if (v < (Long.MIN_VALUE + d) / 10) {
                return false;
            }
            v = v * 10 - d;
        }
        return negative || v != Long.MIN_VALUE;
    }

    /** The value of text already accepted by {@link #isCanonicalInt64}. */
    static long parseInt64(byte[] s, int off, int len) {
        boolean negative = s[off] == '-';
        long v = 0;
        for (int i = negative ? off + 1 : off; i < off + len; i++) {
            v = v * 10 - (s[i] - '0');
        }
        return negative ? v : -v;
    }
}
