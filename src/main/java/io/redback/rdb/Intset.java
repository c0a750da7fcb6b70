package io.redback.rdb;

/**
 * Walks and validates an intset (small all-integer sets), with the checks of Redis's
 * {@code intsetValidateIntegrity}: an encoding of 2, 4 or 8 bytes, a size of exactly
 * 8 + count * encoding, at least one member, and members in strictly ascending order.
 */
final class Intset {
    static final int HEADER_SIZE = 8;

    private Intset() {}

    /**
     * Validates {@code buf[off, off+len)} as an intset and hands each member to {@code sink} (null
     * to only validate).
     *
     * @return the number of members
     * @throws BlobException at the first structural problem, positioned relative to {@code off}
     */
    static int walk(byte[] buf, int off, int len, EntrySink sink) throws BlobException {
        if (len < HEADER_SIZE) {
            throw new BlobException(0, "intset needs an 8-byte header, blob has " + len + " bytes");
        }
        long enc = Listpack.u32le(buf, off);
        if (enc != 2 && enc != 4 && enc != 8) {
            throw new BlobException(0, "intset encoding says " + enc + ", expected 2, 4 or 8");
        }
        long n = Listpack.u32le(buf, off + 4);
        if (HEADER_SIZE + n * enc != len) {
            throw new BlobException(4, "intset header says " + n + " members of " + enc
                    + " bytes (" + (HEADER_SIZE + n * enc) + " bytes in all), blob has " + len);
        }
        if (n == 0) {
            throw new BlobException(4, "intset is empty");
        }
        int count = (int) n; // n * enc == len - 8 fits in an int
        int p = off + HEADER_SIZE;
        // One loop per width, so the width is not re-examined for every member.
        long prev = 0;
        if (enc == 2) {
            for (int i = 0; i < count; i++, p += 2) {
                long v = (short) ((buf[p] & 0xff) | buf[p + 1] << 8);
                if (i > 0 && v <= prev) {
                    throw notAscending(p - off, i, v, prev);
                }
                if (sink != null) {
                    sink.integer(v);
                }
                prev = v;
            }
        } else if (enc == 4) {
            for (int i = 0; i < count; i++, p += 4) {
                long v = (int) Listpack.u32le(buf, p);
                if (i > 0 && v <= prev) {
                    throw notAscending(p - off, i, v, prev);
                }
                if (sink != null) {
                    sink.integer(v);
                }
                prev = v;
            }
        } else {
            for (int i = 0; i < count; i++, p += 8) {
                long v = Listpack.u32le(buf, p) | Listpack.u32le(buf, p + 4) << 32;
                if (i > 0 && v <= prev) {
                    throw notAscending(p - off, i, v, prev);
                }
                if (sink != null) {
                    sink.integer(v);
                }
                prev = v;
            }
        }
        return count;
    }

    private static BlobException notAscending(int pos, int index, long v, long prev) {
        return new BlobException(pos, "intset member " + index + ": " + v
                + " is not greater than the previous member " + prev);
    }
}
