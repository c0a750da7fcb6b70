package io.redback.restore;

import java.util.Arrays;

/**
 * A growing byte buffer with the RDB format's writers: lengths (6, 14, 32 or 64 bits), plain
 * strings, 8-byte little-endian numbers and binary doubles. Reused from value to value.
 */
final class RdbBytes {
    private byte[] buf = new byte[256];
    private int len;

    void reset() {
        len = 0;
        if (buf.length > 1 << 20) {
            buf = new byte[256]; // do not keep a big value's buffer for the small ones after it
        }
    }

    int size() {
        return len;
    }

    byte[] array() {
        return buf;
    }

    byte[] toArray() {
        return Arrays.copyOf(buf, len);
    }

    void write(int b) {
        ensure(1);
        buf[len++] = (byte) b;
    }

    void write(byte[] b, int off, int n) {
        ensure(n);
        System.arraycopy(b, off, buf, len, n);
        len += n;
    }

    void write(byte[] b) {
        write(b, 0, b.length);
    }

    /** An RDB length, in the shortest of its forms. */
    void length(long n) {
        if (n >= 0 && n < 1 << 6) {
            write((int) n);
        } else if (n >= 0 && n < 1 << 14) {
            write(0x40 | (int) (n >>> 8));
            write((int) n);
        } else if (n >= 0 && n <= 0xFFFF_FFFFL) {
            write(0x80);
            for (int i = 3; i >= 0; i--) {
                write((int) (n >>> (8 * i)));
            }
        } else {
            write(0x81);
            for (int i = 7; i >= 0; i--) {
                write((int) (n >>> (8 * i)));
            }
        }
    }

    /** A string as a length and its bytes (never compressed or integer-encoded: every reader takes it). */
    void string(byte[] b, int off, int n) {
        length(n);
        write(b, off, n);
    }

    void string(byte[] b) {
        string(b, 0, b.length);
    }

    void int64le(long v) {
        for (int i = 0; i < 8; i++) {
            write((int) (v >>> (8 * i)));
        }
    }

    void binaryDouble(double d) {
        int64le(Double.doubleToRawLongBits(d));
    }

    private void ensure(int n) {
        if (len + n > buf.length) {
            long want = Math.max((long) buf.length * 2, (long) len + n);
            if (want > Integer.MAX_VALUE - 16) {
                throw new IllegalStateException("a value above 2 GiB cannot be re-encoded in memory");
            }
            buf = Arrays.copyOf(buf, (int) want);
        }
    }
}
