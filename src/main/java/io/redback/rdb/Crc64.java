package io.redback.rdb;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * CRC-64 as Redis computes it for the RDB footer and DUMP payloads: the "Jones" polynomial in
 * reflected form ({@code 0x95AC9329AC4BC9B5}), initial value 0 and no final xor, so that
 * {@code update(0, "123456789")} is {@code 0xe9c6d914c4b8d9ca}. The checksum is incremental:
 * feeding a file in pieces, each call seeded with the previous result, gives the same value as
 * one call over the whole file. Every byte of every snapshot passes through here, so it is
 * table driven (slicing-by-8, eight bytes per step) and hashes four independent stretches of a
 * long input at once, joining their CRCs afterwards.
 */
public final class Crc64 {
    private static final long POLY = 0x95AC9329AC4BC9B5L;

    private static final VarHandle LONG_LE =
            MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    /** TABLES[k][b]: the CRC of byte b followed by k zero bytes. */
    private static final long[][] TABLES = buildTables();

    // One static final field per table: the JIT then knows each array's length (256) and drops
    // the bounds checks on the masked indexes, which a long[][] lookup would keep.
    private static final long[] T0 = TABLES[0];
    private static final long[] T1 = TABLES[1];
    private static final long[] T2 = TABLES[2];
    private static final long[] T3 = TABLES[3];
    private static final long[] T4 = TABLES[4];
    private static final long[] T5 = TABLES[5];
    private static final long[] T6 = TABLES[6];
    private static final long[] T7 = TABLES[7];

    // A single chain of table lookups is bound by load latency; four interleaved chains keep the
    // load ports busy (about twice the throughput). Each chain covers LANE bytes of a block.
    private static final int LANE = 4096;
    private static final int BLOCK = 4 * LANE;
    /** SHIFT[k][b]: the CRC (b << 8k) advanced over LANE zero bytes. */
    private static final long[][] SHIFT = buildShift(LANE);
    private static final long[] S0 = SHIFT[0];
    private static final long[] S1 = SHIFT[1];
    private static final long[] S2 = SHIFT[2];
    private static final long[] S3 = SHIFT[3];
    private static final long[] S4 = SHIFT[4];
    private static final long[] S5 = SHIFT[5];
    private static final long[] S6 = SHIFT[6];
    private static final long[] S7 = SHIFT[7];

    private Crc64() {}

    /**
     * Returns the CRC of {@code b[off, off+len)} continued from {@code crc} (0 to start).
     *
     * @throws IndexOutOfBoundsException if the range is not inside {@code b}
     */
    public static long update(long crc, byte[] b, int off, int len) {
        Objects.checkFromIndexSize(off, len, b.length);
        int i = off;
        int end = off + len;
        for (; end - i >= BLOCK; i += BLOCK) {
            long c0 = crc;
            long c1 = 0;
            long c2 = 0;
            long c3 = 0;
            for (int j = i, e = i + LANE; j < e; j += 8) {
                c0 = step((long) LONG_LE.get(b, j) ^ c0);
                c1 = step((long) LONG_LE.get(b, j + LANE) ^ c1);
                c2 = step((long) LONG_LE.get(b, j + 2 * LANE) ^ c2);
                c3 = step((long) LONG_LE.get(b, j + 3 * LANE) ^ c3);
            }
            // With init 0 and no xorout the CRC is linear: crc(A||B) = shift(crc(A), |B|) ^ crc(B).
            crc = shiftLane(shiftLane(shiftLane(c0) ^ c1) ^ c2) ^ c3;
        }
        for (int limit = end - 7; i < limit; i += 8) {
            crc = step((long) LONG_LE.get(b, i) ^ crc);
        }
        for (; i < end; i++) {
            crc = (crc >>> 8) ^ T0[((int) crc ^ b[i]) & 0xff];
        }
        return crc;
    }

    /** Advances the CRC state a (already xored with the next 8 input bytes) over those bytes. */
    private static long step(long a) {
        return T7[(int) a & 0xff]
                ^ T6[(int) (a >>> 8) & 0xff]
                ^ T5[(int) (a >>> 16) & 0xff]
                ^ T4[(int) (a >>> 24) & 0xff]
                ^ T3[(int) (a >>> 32) & 0xff]
                ^ T2[(int) (a >>> 40) & 0xff]
                ^ T1[(int) (a >>> 48) & 0xff]
                ^ T0[(int) (a >>> 56)];
    }

    /** The CRC state c advanced over LANE zero bytes. */
    private static long shiftLane(long c) {
        return S0[(int) c & 0xff]
                ^ S1[(int) (c >>> 8) & 0xff]
                ^ S2[(int) (c >>> 16) & 0xff]
                ^ S3[(int) (c >>> 24) & 0xff]
                ^ S4[(int) (c >>> 32) & 0xff]
                ^ S5[(int) (c >>> 40) & 0xff]
                ^ S6[(int) (c >>> 48) & 0xff]
                ^ S7[(int) (c >>> 56)];
    }

    /** Bit-at-a-time reference implementation, for tests of {@link #update}. */
    static long updateBitwise(long crc, byte[] b, int off, int len) {
        for (int i = off; i < off + len; i++) {
            crc ^= b[i] & 0xff;
            for (int k = 0; k < 8; k++) {
                crc = (crc & 1) != 0 ? (crc >>> 1) ^ POLY : crc >>> 1;
            }
        }
        return crc;
    }

    private static long[][] buildTables() {
        long[][] t = new long[8][256];
        for (int b = 0; b < 256; b++) {
            long crc = b;
            for (int i = 0; i < 8; i++) {
                crc = (crc & 1) != 0 ? (crc >>> 1) ^ POLY : crc >>> 1;
            }
            t[0][b] = crc;
        }
        for (int k = 1; k < 8; k++) {
            for (int b = 0; b < 256; b++) {
                long prev = t[k - 1][b];
                t[k][b] = (prev >>> 8) ^ t[0][(int) prev & 0xff];
            }
        }
        return t;
    }

    private static long[][] buildShift(int zeroBytes) {
        // Advancing over n zero bytes multiplies the state by x^(8n) modulo the polynomial; in the
        // reflected representation bit 63 is x^0. The map is linear, so a table per state byte works.
        long xPow = 1L << 63;
        long square = 1L << 62; // x^1, squared on each round to x^(2^k)
        for (long n = 8L * zeroBytes; n != 0; n >>>= 1) {
            if ((n & 1) != 0) {
                xPow = mulModP(square, xPow);
            }
            square = mulModP(square, square);
        }
        long[][] s = new long[8][256];
        for (int k = 0; k < 8; k++) {
            for (int b = 0; b < 256; b++) {
                s[k][b] = mulModP(xPow, (long) b << (8 * k));
            }
        }
        return s;
    }

    /** Product of two reflected polynomials modulo the CRC polynomial. */
    private static long mulModP(long a, long b) {
        long p = 0;
        for (long m = 1L << 63; m != 0; m >>>= 1) {
            if ((a & m) != 0) {
                p ^= b;
            }
            b = (b & 1) != 0 ? (b >>> 1) ^ POLY : b >>> 1;
        }
        return p;
    }
}
