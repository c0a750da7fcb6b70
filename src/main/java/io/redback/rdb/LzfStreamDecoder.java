package io.redback.rdb;

import java.io.EOFException;
import java.io.IOException;

/**
 * Decompresses one LZF value of any size in bounded memory: it reads exactly
 * {@code compressedLen} bytes from the source (never more, so the source can be the RDB stream
 * itself) and hands the output on in chunks of at most 64 KiB, keeping only the last 8 KiB of
 * output that back-references can reach. For every input it produces the same bytes, or the same
 * {@link BlobException}, as {@link Lzf#decompress}.
 */
final class LzfStreamDecoder {
    private static final int CHUNK = 64 * 1024;
    private static final int IN_BUFFER = 16 * 1024;
    /** Longest instruction: a control byte and a 32-byte literal. */
    private static final int MAX_INSTRUCTION = 1 + Lzf.MAX_LITERAL;

    private final ByteSource in;
    private final long compressedLen;
    private final long rawLen;

    LzfStreamDecoder(ByteSource in, long compressedLen, long rawLen) {
        if (compressedLen < 0 || rawLen < 0) {
            throw new IllegalArgumentException("negative length: " + compressedLen + ", " + rawLen);
        }
        this.in = in;
        this.compressedLen = compressedLen;
        this.rawLen = rawLen;
    }

    /**
     * Decodes the whole value into {@code out}. Chunks already delivered stay delivered if a
     * later instruction turns out to be corrupt.
     *
     * @throws EOFException if the source ends before {@code compressedLen} bytes
     * @throws BlobException if the compressed bytes are not a valid LZF stream of rawLen bytes;
     *     the position is the offending control byte's offset in the compressed value
     */
    void decode(ChunkSink out) throws IOException, BlobException {
        byte[] ib = new byte[(int) Math.min(IN_BUFFER, Math.max(compressedLen, MAX_INSTRUCTION))];
        int ip = 0;
        int iLimit = 0;
        long ibBase = 0; // compressed offset of ib[0]
        long unread = compressedLen; // bytes still in the source

        byte[] ob = new byte[Lzf.MAX_DISTANCE + CHUNK];
        int op = 0;
        int flushed = 0; // ob[flushed, op) has not been handed to out yet
        long written = 0; // total output so far

        while (true) {
            if (iLimit - ip < MAX_INSTRUCTION && unread > 0) {
                // Compact and refill; afterwards either a whole instruction is buffered or the
                // buffer holds everything that is left, so the checks below see the true end.
                int keep = iLimit - ip;
                System.arraycopy(ib, ip, ib, 0, keep);
                ibBase += ip;
                ip = 0;
                iLimit = keep;
                while (iLimit < MAX_INSTRUCTION && unread > 0) {
                    int want = (int) Math.min(ib.length - iLimit, unread);
                    int n = in.read(ib, iLimit, want);
                    if (n <= 0) {
                        throw new EOFException("LZF value ended after " + (compressedLen - unread)
                                + " of " + compressedLen + " compressed bytes");
                    }
                    iLimit += n;
                    unread -= n;
                }
            }
            if (ip >= iLimit) {
                break;
            }
            if (op - flushed > CHUNK - Lzf.MAX_MATCH) {
                // Hand on what is pending (at most CHUNK bytes) and slide, keeping the history
                // that back-references can reach; op > MAX_DISTANCE here.
                out.chunk(ob, flushed, op - flushed);
                System.arraycopy(ob, op - Lzf.MAX_DISTANCE, ob, 0, Lzf.MAX_DISTANCE);
                op = Lzf.MAX_DISTANCE;
                flushed = op;
            }
            long start = ibBase + ip;
            int ctrl = ib[ip++] & 0xff;
            if (ctrl < 32) {
                int run = ctrl + 1;
                if (run > rawLen - written) {
                    throw Lzf.tooLong(start, "literal", run, written, rawLen);
                }
                if (run > iLimit - ip) {
                    throw Lzf.truncated(start, "literal", run, iLimit - ip);
                }
                System.arraycopy(ib, ip, ob, op, run);
                ip += run;
                op += run;
                written += run;
            } else {
                int len = ctrl >>> 5;
                int need = len == 7 ? 2 : 1;
                if (need > iLimit - ip) {
                    throw Lzf.truncated(start, "back-reference", need, iLimit - ip);
                }
                if (len == 7) {
                    len += ib[ip++] & 0xff;
                }
                int distance = ((ctrl & 0x1f) << 8) + (ib[ip++] & 0xff) + 1;
                len += 2;
                if (len > rawLen - written) {
                    throw Lzf.tooLong(start, "back-reference", len, written, rawLen);
                }
                if (distance > written) {
                    throw Lzf.tooFar(start, distance, written);
                }
                // The window always holds min(written, MAX_DISTANCE) bytes before op.
                Lzf.copyMatch(ob, op, distance, len);
                op += len;
                written += len;
            }
        }
        if (written != rawLen) {
            throw Lzf.short_(compressedLen, written, rawLen);
        }
        if (op > flushed) {
            out.chunk(ob, flushed, op - flushed);
        }
    }
}
