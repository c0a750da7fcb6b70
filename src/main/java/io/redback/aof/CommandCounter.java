package io.redback.aof;

import io.redback.resp.RespCommand;
import io.redback.rdb.Printable;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Counts commands by name (case-insensitively) straight from the reader's buffer: an
 * open-addressing table keyed by the lower-cased name bytes, so counting a command allocates
 * nothing unless its name is new. After {@link #MAX_NAMES} distinct names (garbage, not Redis
 * commands) the rest are counted as {@value #OTHER}.
 */
final class CommandCounter {
    static final int MAX_NAMES = 4096;
    static final String OTHER = "(other)";

    private byte[][] names = new byte[64][];
    private long[] counts = new long[64];
    private int[] hashes = new int[64];
    private int size;
    private long other;

    void add(RespCommand c) {
        if (!c.retained(0) || c.argLength(0) > 64) {
            other++;
            return;
        }
        byte[] d = c.data();
        int off = c.dataOffset(0);
        int len = (int) c.argLength(0);
        int h = 1;
        for (int i = 0; i < len; i++) {
            h = 31 * h + lower(d[off + i]);
        }
        int mask = names.length - 1;
        int slot = h & mask;
        while (names[slot] != null) {
            if (hashes[slot] == h && equalsLower(names[slot], d, off, len)) {
                counts[slot]++;
                return;
            }
            slot = (slot + 1) & mask;
        }
        if (size >= MAX_NAMES) {
            other++;
            return;
        }
        byte[] name = new byte[len];
        for (int i = 0; i < len; i++) {
            name[i] = (byte) lower(d[off + i]);
        }
        names[slot] = name;
        hashes[slot] = h;
        counts[slot] = 1;
        if (++size * 2 > names.length) {
            grow();
        }
    }

    private static boolean equalsLower(byte[] name, byte[] d, int off, int len) {
        if (name.length != len) {
            return false;
        }
        for (int i = 0; i < len; i++) {
            if (name[i] != lower(d[off + i])) {
                return false;
            }
        }
        return true;
    }

    private static int lower(byte b) {
        return b >= 'A' && b <= 'Z' ? b + 32 : b;
    }

    private void grow() {
        byte[][] oldNames = names;
        long[] oldCounts = counts;
        int[] oldHashes = hashes;
        names = new byte[oldNames.length * 2][];
        counts = new long[names.length];
        hashes = new int[names.length];
        int mask = names.length - 1;
        for (int i = 0; i < oldNames.length; i++) {
            if (oldNames[i] != null) {
                int slot = oldHashes[i] & mask;
                while (names[slot] != null) {
                    slot = (slot + 1) & mask;
                }
                names[slot] = oldNames[i];
                counts[slot] = oldCounts[i];
                hashes[slot] = oldHashes[i];
            }
        }
    }

    /** Every name with its count, most frequent first (ties by name). */
    Map<String, Long> toMap() {
        Integer[] order = new Integer[names.length];
        int n = 0;
        for (int i = 0; i < names.length; i++) {
            if (names[i] != null) {
                order[n++] = i;
            }
        }
        Integer[] used = Arrays.copyOf(order, n);
        Arrays.sort(used, (a, b) -> counts[a] != counts[b] ? Long.compare(counts[b], counts[a])
                : Arrays.compare(names[a], names[b]));
        Map<String, Long> m = new LinkedHashMap<>();
        for (int i : used) {
            m.put(Printable.escape(names[i]), counts[i]);
        }
        if (other > 0) {
            m.put(OTHER, other);
        }
        return m;
    }
}
