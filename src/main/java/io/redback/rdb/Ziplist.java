package io.redback.rdb;

/**
 * Walks and deep-validates a ziplist (small lists, hashes and sorted sets in RDB 9 and older,
 * quicklist nodes up to RDB 9), with the checks of Redis's {@code ziplistValidateIntegrity}:
 * zlbytes matches, the last byte is 0xFF, every entry's prevlen equals the previous entry's size,
 * every encoding is known and every entry stays inside the blob, the walk ends exactly at the
 * terminator, zltail points at the last entry (at the header end, 10, when there is none), and the
 * count matches zllen unless zllen is 65535.
 */
final class Ziplist {
    static final int HEADER_SIZE = 10;
    static final int COUNT_UNKNOWN = 65535;
    static final int END = 0xFF;
    /** A prevlen whose first byte is this is followed by a 4-byte length. */
    static final int BIG_PREVLEN = 0xFE;

    private Ziplist() {}

    /**
     * Validates {@code buf[off, off+len)} as a ziplist and hands each entry to {@code sink} (null to
     * only validate).
     *
     * @return the number of entries
     * @throws BlobException at the first structural problem, positioned relative to {@code off}
     */
    static int walk(byte[] buf, int off, int len, EntrySink sink) throws BlobException {
        if (len < HEADER_SIZE + 1) {
            throw new BlobException(0, "ziplist needs at least " + (HEADER_SIZE + 1)
                    + " bytes (header and terminator), blob has " + len);
        }
        long zlbytes = Listpack.u32le(buf, off);
        if (zlbytes != len) {
            throw new BlobException(0, "ziplist header says " + zlbytes + " bytes, blob has " + len);
        }
        int end = off + len - 1;
        if ((buf[end] & 0xff) != END) {
            throw new BlobException(len - 1, "ziplist must end with 0xFF, last byte is " + Listpack.hex(buf[end]));
        }
        long zltail = Listpack.u32le(buf, off + 4);
        if (zltail > len - 1) {
            throw new BlobException(4, "ziplist tail offset " + zltail
                    + " is past the terminator at " + (len - 1));
        }
        int declared = (buf[off + 8] & 0xff) | (buf[off + 9] & 0xff) << 8;

        int p = off + HEADER_SIZE;
        int count = 0;
        int last = -1; // offset of the last entry seen, relative to off
        long prevSize = 0; // the previous entry's total size, which prevlen must repeat
        int b;
        // Invariant: p <= end; each entry is checked to end at or before the terminator.
        while ((b = buf[p] & 0xff) != END) {
            int prevlenBytes;
            long prevlen;
            if (b < BIG_PREVLEN) {
                prevlenBytes = 1;
                prevlen = b;
            } else {
                prevlenBytes = 5;
                if (5 > end - p) {
                    throw new BlobException(p - off, "ziplist entry " + count
                            + ": 5-byte prevlen runs past the terminator");
                }
                prevlen = Listpack.u32le(buf, p + 1);
            }
            int e = p + prevlenBytes; // encoding byte, <= end
            int enc = buf[e] & 0xff;
            int lenBytes;
            long dataLen;
            if (enc < 0xC0) {
                // Strings. Like Redis (ZIP_ENTRY_ENCODING) only the top two bits select the form,
                // so 0x81-0xBF read as the 32-bit form too.
                switch (enc >>> 6) {
                    case 0:
                        lenBytes = 1;
                        dataLen = enc & 0x3F;
                        break;
                    case 1:
                        lenBytes = 2;
                        checkHeader(off, p, e, end, count, lenBytes);
                        dataLen = (enc & 0x3F) << 8 | (buf[e + 1] & 0xff);
                        break;
                    default:
                        lenBytes = 5;
                        checkHeader(off, p, e, end, count, lenBytes);
                        dataLen = (buf[e + 1] & 0xffL) << 24 | (buf[e + 2] & 0xff) << 16
                                | (buf[e + 3] & 0xff) << 8 | (buf[e + 4] & 0xff);
                        break;
                }
            } else {
                lenBytes = 1;
                if (enc >= 0xF1 && enc <= 0xFD) {
                    dataLen = 0; // immediate 0..12
                } else {
                    switch (enc) {
                        case 0xFE: dataLen = 1; break;
                        case 0xC0: dataLen = 2; break;
                        case 0xF0: dataLen = 3; break;
                        case 0xD0: dataLen = 4; break;
                        case 0xE0: dataLen = 8; break;
                        default:
                            throw new BlobException(e - off, "ziplist entry " + count
                                    + ": invalid encoding byte " + Listpack.hex(buf[e]));
                    }
                }
            }
            int data = e + lenBytes;
            long entrySize = prevlenBytes + lenBytes + dataLen;
            if (entrySize > end - p) {
                throw new BlobException(p - off, "ziplist entry " + count + ": needs " + entrySize
                        + " bytes, only " + (end - p) + " before the terminator");
            }
            if (prevlen != prevSize) {
                throw new BlobException(p - off, "ziplist entry " + count + ": prevlen says "
                        + prevlen + ", previous entry has " + prevSize + " bytes");
            }
            if (sink != null) {
                if (enc < 0xC0) {
                    sink.string(buf, data, (int) dataLen);
                } else {
                    sink.integer(integer(buf, data, enc));
                }
            }
            last = p - off;
            prevSize = entrySize;
            p += (int) entrySize;
            count++;
        }
        if (p != end) {
            throw new BlobException(p - off, "ziplist terminator 0xFF at byte " + (p - off)
                    + ", expected only as the last byte (" + (len - 1) + ")");
        }
        long expectedTail = count == 0 ? HEADER_SIZE : last;
        if (zltail != expectedTail) {
            throw new BlobException(4, "ziplist tail offset says " + zltail + ", "
                    + (count == 0 ? "expected " + HEADER_SIZE + " for an empty ziplist"
                            : "last entry is at " + last));
        }
        if (declared != COUNT_UNKNOWN && declared != count) {
            throw new BlobException(8, "ziplist header says " + declared + " entries, found " + count);
        }
        return count;
    }

    private static void checkHeader(int off, int p, int e, int end, int index, int lenBytes)
            throws BlobException {
        if (lenBytes > end - e) {
            throw new BlobException(p - off, "ziplist entry " + index + ": encoding needs "
                    + lenBytes + " bytes, only " + (end - e) + " before the terminator");
        }
    }

    private static long integer(byte[] buf, int i, int enc) {
        switch (enc) {
            case 0xFE:
                return buf[i];
            case 0xC0:
                return (short) ((buf[i] & 0xff) | buf[i + 1] << 8);
            case 0xF0:
                return (buf[i] & 0xff) | (buf[i + 1] & 0xff) << 8 | buf[i + 2] << 16;
            case 0xD0:
                return (int) Listpack.u32le(buf, i);
            case 0xE0:
                return Listpack.u32le(buf, i) | Listpack.u32le(buf, i + 4) << 32;
            default:
                return (enc & 0x0F) - 1; // 0xF1..0xFD
        }
    }
}
