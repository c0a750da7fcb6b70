package io.redback.rdb;

/**
 * Walks and deep-validates a listpack (Redis 7+ small lists, hashes, sets, sorted sets and stream
 * nodes), with the checks of Redis's {@code lpValidateIntegrity}: the header's byte count matches,
 * every entry's encoding is known and stays inside the blob, every backlen decodes (as
 * {@code lpDecodeBacklen} does) to the entry's size, the walk ends exactly at the final 0xFF, and
 * the entry count matches the header unless the header says 65535 (unknown).
 */
final class Listpack {
    static final int HEADER_SIZE = 6;
    static final int COUNT_UNKNOWN = 65535;
    static final int EOF = 0xFF;

    private Listpack() {}

    /**
     * Validates {@code buf[off, off+len)} as a listpack and hands each entry to {@code sink} (null to
     * only validate). Integers are delivered as integers, strings as views into {@code buf}.
     *
     * @return the number of entries
     * @throws BlobException at the first structural problem, positioned relative to {@code off}
     */
    static int walk(byte[] buf, int off, int len, EntrySink sink) throws BlobException {
        if (len < HEADER_SIZE + 1) {
            throw new BlobException(0, "listpack needs at least " + (HEADER_SIZE + 1)
                    + " bytes (header and terminator), blob has " + len);
        }
        long total = u32le(buf, off);
        if (total != len) {
            throw new BlobException(0, "listpack header says " + total + " bytes, blob has " + len);
        }
        int end = off + len - 1; // where the terminator must be
        if ((buf[end] & 0xff) != EOF) {
            throw new BlobException(len - 1, "listpack must end with 0xFF, last byte is " + hex(buf[end]));
        }
        int declared = (buf[off + 4] & 0xff) | (buf[off + 5] & 0xff) << 8;
        int p = off + HEADER_SIZE;
        int count = 0;
        int b;
        // Invariant: p <= end, so buf[p] is readable; every bounds check below keeps it so.
        while ((b = buf[p] & 0xff) != EOF) {
            long size; // encoding plus data, the E that backlen must repeat
            int entryLen; // including backlen
            if (b < 0x80) { // 0xxxxxxx: 7-bit unsigned integer
                size = 1;
                entryLen = checkEntry(buf, off, p, end, count, size);
                if (sink != null) {
                    sink.integer(b);
                }
            } else if (b < 0xC0) { // 10xxxxxx: string up to 63 bytes
                int slen = b & 0x3F;
                size = 1 + slen;
                entryLen = checkEntry(buf, off, p, end, count, size);
                if (sink != null) {
                    sink.string(buf, p + 1, slen);
                }
            } else if (b < 0xE0) { // 110xxxxx yyyyyyyy: 13-bit signed integer
                size = 2;
                entryLen = checkEntry(buf, off, p, end, count, size);
                if (sink != null) {
                    int raw = (b & 0x1F) << 8 | (buf[p + 1] & 0xff);
                    sink.integer(raw >= 4096 ? raw - 8192 : raw);
                }
            } else if (b < 0xF0) { // 1110xxxx yyyyyyyy: string up to 4095 bytes
                checkHeader(off, p, end, count, 2);
                int slen = (b & 0x0F) << 8 | (buf[p + 1] & 0xff);
                size = 2 + slen;
                entryLen = checkEntry(buf, off, p, end, count, size);
                if (sink != null) {
                    sink.string(buf, p + 2, slen);
                }
            } else {
                switch (b) {
                    case 0xF0: { // 32-bit length string
                        checkHeader(off, p, end, count, 5);
                        long slen = u32le(buf, p + 1);
                        size = 5 + slen;
                        entryLen = checkEntry(buf, off, p, end, count, size);
                        if (sink != null) {
                            sink.string(buf, p + 5, (int) slen);
                        }
                        break;
                    }
                    case 0xF1:
                        size = 3;
                        entryLen = checkEntry(buf, off, p, end, count, size);
                        if (sink != null) {
                            sink.integer((short) ((buf[p + 1] & 0xff) | buf[p + 2] << 8));
                        }
                        break;
                    case 0xF2:
                        size = 4;
                        entryLen = checkEntry(buf, off, p, end, count, size);
                        if (sink != null) {
                            sink.integer((buf[p + 1] & 0xff) | (buf[p + 2] & 0xff) << 8 | buf[p + 3] << 16);
                        }
                        break;
                    case 0xF3:
                        size = 5;
                        entryLen = checkEntry(buf, off, p, end, count, size);
                        if (sink != null) {
                            sink.integer((int) u32le(buf, p + 1));
                        }
                        break;
                    case 0xF4:
                        size = 9;
                        entryLen = checkEntry(buf, off, p, end, count, size);
                        if (sink != null) {
                            sink.integer(u32le(buf, p + 1) | u32le(buf, p + 5) << 32);
                        }
                        break;
                    default:
                        throw new BlobException(p - off, "listpack entry " + count
                                + ": invalid encoding byte " + hex(buf[p]) + " (0xF5-0xFE are unused)");
                }
            }
            p += entryLen;
            count++;
        }
        if (p != end) {
            throw new BlobException(p - off, "listpack terminator 0xFF at byte " + (p - off)
                    + ", expected only as the last byte (" + (len - 1) + ")");
        }
        if (declared != COUNT_UNKNOWN && declared != count) {
            throw new BlobException(4, "listpack header says " + declared + " entries, found " + count);
        }
        return count;
    }

    /**
     * The bytes of an entry's encoding, from its first byte b: all of an integer entry, what
     * comes before the data of a string entry; 0 for the unused bytes 0xF5-0xFE (0xFF ends the
     * listpack). {@code RdbReader}'s walk of a listpack too big to hold decodes entries with this
     * and the three methods below; {@link #walk}, the hot path, keeps the same table inlined as
     * one chain of branches (ListpackTest holds the two to the same answers).
     */
    static int encodingBytes(int b) {
        if (b < 0xC0) { // 0xxxxxxx: 7-bit unsigned integer; 10xxxxxx: string up to 63 bytes
            return 1;
        }
        if (b < 0xF0) { // 110xxxxx: 13-bit signed integer; 1110xxxx: string up to 4095 bytes
            return 2;
        }
        return switch (b) {
            case 0xF0 -> 5; // 32-bit length string
            case 0xF1 -> 3; // 16-bit integer
            case 0xF2 -> 4; // 24-bit integer
            case 0xF3 -> 5; // 32-bit integer
            case 0xF4 -> 9; // 64-bit integer
            default -> 0;
        };
    }

    /** Whether the entry whose first byte is b (a valid encoding) is a string. */
    static boolean isString(int b) {
        return b >= 0x80 && b < 0xC0 || b >= 0xE0 && b <= 0xF0;
    }

    /** The data length of the string entry at buf[p] with first byte b; its encoding bytes must be readable. */
    static long stringLength(byte[] buf, int p, int b) {
        if (b < 0xC0) {
            return b & 0x3F;
        }
        if (b < 0xF0) {
            return (b & 0x0F) << 8 | (buf[p + 1] & 0xff);
        }
        return u32le(buf, p + 1);
    }

    /** The value of the integer entry at buf[p] with first byte b; its encoding bytes must be readable. */
    static long integer(byte[] buf, int p, int b) {
        if (b < 0x80) {
            return b;
        }
        if (b < 0xE0) {
            int raw = (b & 0x1F) << 8 | (buf[p + 1] & 0xff);
            return raw >= 4096 ? raw - 8192 : raw;
        }
        return switch (b) {
            case 0xF1 -> (short) ((buf[p + 1] & 0xff) | buf[p + 2] << 8);
            case 0xF2 -> (buf[p + 1] & 0xff) | (buf[p + 2] & 0xff) << 8 | buf[p + 3] << 16;
            case 0xF3 -> (int) u32le(buf, p + 1);
            default -> u32le(buf, p + 1) | u32le(buf, p + 5) << 32;
        };
    }

    /** The encoding's header bytes must end before the terminator. */
    private static void checkHeader(int off, int p, int end, int index, int headerBytes)
            throws BlobException {
        if (headerBytes > end - p) {
            throw new BlobException(p - off, "listpack entry " + index + ": encoding needs "
                    + headerBytes + " bytes, only " + (end - p) + " before the terminator");
        }
    }

    /**
     * The entry and its backlen must end before the terminator, and backlen must repeat size.
     * Returns the entry's length including backlen.
     */
    private static int checkEntry(byte[] buf, int off, int p, int end, int index, long size)
            throws BlobException {
        int bl = backlenBytes(size);
        if (size + bl > end - p) {
            throw new BlobException(p - off, "listpack entry " + index + ": needs " + (size + bl)
                    + " bytes, only " + (end - p) + " before the terminator");
        }
        int last = p + (int) size + bl - 1;
        long decoded = decodeBacklen(buf, last);
        if (decoded != size) {
            throw new BlobException(p + (int) size - off, decoded < 0
                    ? "listpack entry " + index + ": backlen does not end within 5 bytes, entry has "
                            + size + " bytes"
                    : "listpack entry " + index + ": backlen says " + decoded + " bytes, entry has " + size);
        }
        return (int) size + bl;
    }

    /**
     * Reads a backlen right to left from its last byte, as lpDecodeBacklen does: 7 bits per byte,
     * high bit set on all but the leftmost. Returns -1 for more than 5 bytes. Never reads before
     * the blob: an entry starts at least 6 bytes in and the read spans at most 5 bytes.
     */
    static long decodeBacklen(byte[] buf, int last) {
        long val = 0;
        int shift = 0;
        for (int q = last; ; q--) {
            int c = buf[q];
            val |= (long) (c & 127) << shift;
            if ((c & 128) == 0) {
                return val;
            }
            shift += 7;
            if (shift > 28) {
                return -1;
            }
        }
    }

    /** Size of the backlen that Redis writes after an entry of {@code size} bytes (strict thresholds). */
    static int backlenBytes(long size) {
        if (size <= 127) {
            return 1;
        } else if (size < 16383) {
            return 2;
        } else if (size < 2097151) {
            return 3;
        } else if (size < 268435455) {
            return 4;
        }
        return 5;
    }

    /**
     * Writes at out[at] the backlen Redis writes after an entry of size bytes, left to right (the
     * leftmost byte holds the highest bits and no continuation flag), and returns its length.
     */
    static int writeBacklen(long size, byte[] out, int at) {
        int bl = backlenBytes(size);
        for (int k = bl - 1; k >= 0; k--) {
            int bits = (int) (size >>> (7 * k)) & 127;
            out[at++] = (byte) (k == bl - 1 ? bits : bits | 128);
        }
        return bl;
    }

    static long u32le(byte[] b, int i) {
        return (b[i] & 0xffL) | (b[i + 1] & 0xffL) << 8 | (b[i + 2] & 0xffL) << 16 | (b[i + 3] & 0xffL) << 24;
    }

    static String hex(byte b) {
        return String.format("0x%02X", b & 0xff);
    }
}
