package io.redback.restore;

import io.redback.rdb.Crc64;

/**
 * Builds a DUMP payload from a value's RDB bytes: the type byte, the value exactly as the file
 * holds it, the 2-byte RDB version (little-endian) and the CRC64 of all that (little-endian),
 * which is what RESTORE checks. The buffer is reused from key to key.
 */
final class DumpPayload {
    private byte[] buf = new byte[1 << 16];
    private int len;

    /** Starts a payload with its type byte. */
    void start(int typeByte) {
        len = 0;
        buf[len++] = (byte) typeByte;
    }

    /** Appends value bytes (the reader's raw-value tee). */
    void write(byte[] b, int off, int n) {
        ensure(n);
        System.arraycopy(b, off, buf, len, n);
        len += n;
    }

    /** Value bytes so far (without the type byte). */
    long valueBytes() {
        return len - 1;
    }

    /** Adds the footer and returns the payload, a fresh array (a pipeline holds it until sent). */
    byte[] finish(int rdbVersion) {
        seal(rdbVersion);
        byte[] out = java.util.Arrays.copyOf(buf, len);
        release();
        return out;
    }

    /**
     * Adds the footer in place: the payload is then {@code array()[0, length())}, valid until the
     * next {@link #start} (for a caller that copies it straight into a command).
     */
    void seal(int rdbVersion) {
        ensure(10);
        buf[len++] = (byte) rdbVersion;
        buf[len++] = (byte) (rdbVersion >>> 8);
        long crc = Crc64.update(0, buf, 0, len);
        for (int i = 0; i < 8; i++) {
            buf[len++] = (byte) (crc >>> (8 * i));
        }
    }

    byte[] array() {
        return buf;
    }

    int length() {
        return len;
    }

    /** Drops a big key's buffer once its payload is sent, so the small keys after it do not keep it. */
    void release() {
        if (buf.length > 1 << 20) {
            buf = new byte[1 << 16];
        }
    }

    private void ensure(int n) {
        if (len + n > buf.length) {
            long want = Math.max((long) buf.length * 2, (long) len + n);
            if (want > Integer.MAX_VALUE - 16) {
                throw new IllegalStateException("a value above 2 GiB cannot go in one RESTORE");
            }
            buf = java.util.Arrays.copyOf(buf, (int) want);
        }
    }
}
