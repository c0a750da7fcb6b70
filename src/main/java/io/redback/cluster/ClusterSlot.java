package io.redback.cluster;

/**
 * The hash slot of a key, as Redis Cluster computes it ({@code keyHashSlot} in cluster.c): CRC16
 * (XMODEM: polynomial 0x1021, initial value 0) of the key, or of its hash tag when it has one (the
 * bytes between the first '{' and the first '}' after it, when not empty), modulo 16384.
 */
public final class ClusterSlot {
    private static final int[] TABLE = new int[256];

    static {
        for (int i = 0; i < 256; i++) {
            int crc = i << 8;
            for (int b = 0; b < 8; b++) {
                crc = (crc & 0x8000) != 0 ? (crc << 1) ^ 0x1021 : crc << 1;
            }
            TABLE[i] = crc & 0xFFFF;
        }
    }

    private ClusterSlot() {
    }

    /** The slot of key, 0..16383. */
    public static int of(byte[] key) {
        int open = -1;
        for (int i = 0; i < key.length; i++) {
            if (key[i] == '{') {
                open = i;
                break;
            }
        }
        if (open >= 0) {
            for (int close = open + 1; close < key.length; close++) {
                if (key[close] == '}') {
                    if (close > open + 1) {
                        return crc16(key, open + 1, close) & (ClusterTopology.SLOTS - 1);
                    }
                    break; // "{}": the whole key is hashed
                }
            }
        }
        return crc16(key, 0, key.length) & (ClusterTopology.SLOTS - 1);
    }

    static int crc16(byte[] b, int from, int to) {
        int crc = 0;
        for (int i = from; i < to; i++) {
            crc = ((crc << 8) ^ TABLE[((crc >>> 8) ^ b[i]) & 0xFF]) & 0xFFFF;
        }
        return crc;
    }
}
