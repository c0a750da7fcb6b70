package io.redback.rdb;

/**
 * Walks and validates a zipmap (hashes of Redis 2.4 and older, RDB type 9), with the checks of
 * Redis's {@code zipmapValidateIntegrity}: the last byte is 0xFF, every length, key, value and
 * free padding stays inside the blob, there is at least one pair, and the pair count matches the
 * first byte unless it is 254 (unknown). Unlike Redis it also requires the walk to end at the
 * last byte: a zipmap is always written to its exact size, so bytes after an early terminator
 * mean damage.
 */
final class Zipmap {
    /** A length byte of this (or 255) is followed by a 4-byte little-endian length. */
    static final int BIG_LEN = 254;
    static final int COUNT_UNKNOWN = 254;
    static final int END = 0xFF;

    private Zipmap() {}

    /**
     * Validates {@code buf[off, off+len)} as a zipmap and hands key, value, key, value ... to
     * {@code sink} as strings (null to only validate). Free padding is skipped.
     *
     * @return the number of pairs
     * @throws BlobException at the first structural problem, positioned relative to {@code off}
     */
    static int walk(byte[] buf, int off, int len, EntrySink sink) throws BlobException {
        if (len < 2) {
            throw new BlobException(0, "zipmap needs at least 2 bytes (count and terminator), blob has " + len);
        }
        int end = off + len - 1;
        if ((buf[end] & 0xff) != END) {
            throw new BlobException(len - 1, "zipmap must end with 0xFF, last byte is " + Listpack.hex(buf[end]));
        }
        int p = off + 1;
        int count = 0;
        // Invariant: p <= end.
        while ((buf[p] & 0xff) != END) {
            int s = (buf[p] & 0xff) < BIG_LEN ? 1 : 5;
            if (s > end - p) {
                throw new BlobException(p - off, "zipmap pair " + count + ": key length needs "
                        + s + " bytes, only " + (end - p) + " before the terminator");
            }
            long keyLen = length(buf, p);
            int key = p + s;
            if (keyLen > end - key) {
                throw new BlobException(p - off, "zipmap pair " + count + ": key of " + keyLen
                        + " bytes runs past the terminator (" + (end - key) + " bytes left)");
            }
            p = key + (int) keyLen;
            s = (buf[p] & 0xff) < BIG_LEN ? 1 : 5;
            // The value length is followed by the free byte, so both must end before the terminator.
            if (s + 1 > end - p) {
                throw new BlobException(p - off, "zipmap pair " + count + ": value length and free byte need "
                        + (s + 1) + " bytes, only " + (end - p) + " before the terminator");
            }
            long valueLen = length(buf, p);
            int free = buf[p + s] & 0xff;
            int value = p + s + 1;
            if (valueLen + free > end - value) {
                throw new BlobException(p - off, "zipmap pair " + count + ": value of " + valueLen
                        + " bytes and " + free + " free bytes run past the terminator ("
                        + (end - value) + " bytes left)");
            }
            if (sink != null) {
                sink.string(buf, key, (int) keyLen);
                sink.string(buf, value, (int) valueLen);
            }
            p = value + (int) (valueLen + free);
            count++;
        }
        if (p != end) {
            throw new BlobException(p - off, "zipmap terminator 0xFF at byte " + (p - off)
                    + ", expected only as the last byte (" + (len - 1) + ")");
        }
        if (count == 0) {
            throw new BlobException(0, "zipmap has no pairs");
        }
        int declared = buf[off] & 0xff;
        if (declared != COUNT_UNKNOWN && declared != count) {
            throw new BlobException(0, "zipmap header says " + declared + " pairs, found " + count);
        }
        return count;
    }

    private static long length(byte[] buf, int p) {
        int b = buf[p] & 0xff;
        return b < BIG_LEN ? b : Listpack.u32le(buf, p + 1);
    }
}
