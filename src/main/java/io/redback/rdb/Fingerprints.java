package io.redback.rdb;

/**
 * A set of 64-bit fingerprints of a key's members, to find duplicate members or fields the
 * way Redis's loader does, in bounded memory: past {@link #CAP} members the check stops (and
 * says so) instead of growing with the key.
 */
final class Fingerprints {
    static final int CAP = 1 << 19;
    private static final long M = 0x9E3779B97F4A7C15L;

    // Open addressing over one array, 0 meaning an empty slot (a fingerprint of 0 is stored as
    // ZERO): no second array of flags, so a table of CAP members and its rehash stay small.
    private static final long ZERO = M;
    private long[] table = new long[64];
    private int size;
    private boolean overflow;

    void clear() {
        if (size > 0) {
            // Filling costs the table's length, not the key's size: a table far bigger than the
            // key that used it (one mid-sized key among many small ones) starts small again.
            if (table.length > 4096 || (table.length > 64 && size * 8L < table.length)) {
                table = new long[64];
            } else {
                java.util.Arrays.fill(table, 0L);
            }
        }
        size = 0;
        overflow = false;
    }

    boolean overflowed() {
        return overflow;
    }

    /** Adds h; returns false if it was already present (a duplicate). */
    boolean add(long h) {
        if (overflow) {
            return true;
        }
        if (size >= CAP) {
            overflow = true;
            return true;
        }
        if ((size + 1) * 2 > table.length) {
            rehash();
        }
        long v = h == 0 ? ZERO : h;
        int mask = table.length - 1;
        int i = (int) (v ^ (v >>> 32)) & mask;
        while (table[i] != 0) {
            if (table[i] == v) {
                return false;
            }
            i = (i + 1) & mask;
        }
        table[i] = v;
        size++;
        return true;
    }

    boolean contains(long h) {
        long v = h == 0 ? ZERO : h;
        int mask = table.length - 1;
        int i = (int) (v ^ (v >>> 32)) & mask;
        while (table[i] != 0) {
            if (table[i] == v) {
                return true;
            }
            i = (i + 1) & mask;
        }
        return overflow;
    }

    private void rehash() {
        long[] old = table;
        table = new long[old.length * 2];
        int mask = table.length - 1;
        for (long v : old) {
            if (v != 0) {
                int i = (int) (v ^ (v >>> 32)) & mask;
                while (table[i] != 0) {
                    i = (i + 1) & mask;
                }
                table[i] = v;
            }
        }
    }

    private static final java.lang.invoke.VarHandle LONGS = java.lang.invoke.MethodHandles.byteArrayViewVarHandle(
            long[].class, java.nio.ByteOrder.LITTLE_ENDIAN);

    /**
     * Fingerprint of a whole string, eight bytes at a time. Strings delivered in chunks use
     * {@link #update} instead; they are longer than any whole one, so the two never meet.
     */
    static long of(byte[] b, int off, int len) {
        long h = len * M;
        int i = 0;
        for (; i + 8 <= len; i += 8) {
            h = Long.rotateLeft(h ^ ((long) LONGS.get(b, off + i) * 0xC2B2AE3D27D4EB4FL), 31) * M;
        }
        if (i < len) {
            // The last 1-7 bytes as one word: the last eight bytes of the string when it has
            // eight (overlapping the words above), else its bytes packed; its length is in h.
            long w;
            if (len >= 8) {
                w = (long) LONGS.get(b, off + len - 8);
            } else {
                w = 0;
                for (int k = off + len - 1; k >= off; k--) {
                    w = (w << 8) | (b[k] & 0xFF);
                }
            }
            h = Long.rotateLeft(h ^ (w * 0x9FB21C651E98DF25L), 29) * M;
        }
        return mix(h);
    }

    /**
     * Continues a fingerprint over more bytes; the result does not depend on how input is split.
     * Finish with {@link #mix} once the last piece is in.
     */
    static long update(long h, byte[] b, int off, int len) {
        for (int i = 0; i < len; i++) {
            h = (h ^ (b[off + i] & 0xFF)) * 0x100000001B3L;
        }
        return h;
    }

    static long ofLong(long v) {
        return mix(v * M + 0x632BE59BD9B4E019L);
    }

    static long mix(long h) {
        h ^= h >>> 33;
        h *= 0xFF51AFD7ED558CCDL;
        h ^= h >>> 33;
        return h;
    }
}
