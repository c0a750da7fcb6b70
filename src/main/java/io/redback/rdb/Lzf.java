package io.redback.rdb;

/**
 * LZF, the compression Redis applies to long strings in RDB files (liblzf format).
 *
 * <p>The stream is a sequence of instructions, each starting with a control byte {@code c}:
 * {@code c < 32} copies the next {@code c+1} input bytes (a literal); otherwise it copies
 * {@code (c >> 5) + 2} bytes (plus the next input byte when {@code c >> 5 == 7}) from
 * {@code ((c & 31) << 8) + next + 1} bytes back in the output (a back-reference, which may overlap
 * the bytes it produces). The messages here are shared with {@link LzfStreamDecoder} so that both
 * decoders report a corrupt input in the same words.
 */
final class Lzf {
    /** Farthest a back-reference reaches: ((31 << 8) + 255) + 1. */
    static final int MAX_DISTANCE = 8192;
    /** Longest back-reference copy: (7 + 255) + 2. */
    static final int MAX_MATCH = 264;
    /** Longest literal run. */
    static final int MAX_LITERAL = 32;

    private static final int MIN_HASH_LOG = 8;
    private static final int MAX_HASH_LOG = 14;

    private Lzf() {}

    /**
     * Decompresses {@code in[inOff, inOff+inLen)} into exactly {@code outLen} bytes at
     * {@code out[outOff]}; with {@code out} null, only checks that it would.
     *
     * @throws BlobException if the input is not an LZF stream of exactly that many output bytes;
     *     the position is the offset of the offending control byte in the compressed input
     */
    static void decompress(byte[] in, int inOff, int inLen, byte[] out, int outOff, int outLen)
            throws BlobException {
        int ip = inOff;
        int op = outOff;
        if (out != null) {
            // Most of a small listpack's instructions are short literals and short matches: they
            // are copied as four 8-byte words whatever their length, which costs less than a
            // length-dependent copy's branches. The words written past an instruction's end are
            // rewritten by the next ones; so this runs only while 32 bytes fit before the end
            // of the output (and can be read from the input array), and leaves the rest of the
            // stream, and any instruction it does not take, to the exact loop below.
            int inWide = Math.min(inOff + inLen, in.length - 33);
            int outWide = outOff + outLen - 32;
            while (ip < inWide && op <= outWide) {
                int ctrl = in[ip] & 0xff;
                if (ctrl < 32) {
                    int run = ctrl + 1;
                    if (ip + 1 + run > inOff + inLen) {
                        break;
                    }
                    copy32(in, ip + 1, out, op);
                    ip += 1 + run;
                    op += run;
                } else {
                    int len = ctrl >>> 5;
                    int next = in[ip + 1] & 0xff;
                    int used = 2;
                    if (len == 7) {
                        len += next;
                        next = in[ip + 2] & 0xff;
                        used = 3;
                    }
                    int distance = ((ctrl & 0x1f) << 8) + next + 1;
                    len += 2;
                    if (len > 32 || distance < 8 || distance > op - outOff || ip + used > inOff + inLen) {
                        break;
                    }
                    // distance >= 8: each word read is complete before it is needed
                    copy32(out, op - distance, out, op);
                    ip += used;
                    op += len;
                }
            }
        }
        decodeFrom(in, inOff, inLen, ip, out, outOff, outLen, op);
    }

    private static final java.lang.invoke.VarHandle LONGS = java.lang.invoke.MethodHandles.byteArrayViewVarHandle(
            long[].class, java.nio.ByteOrder.LITTLE_ENDIAN);

    /** Copies 32 bytes from src[s] to dst[d] as four words, in order. */
    private static void copy32(byte[] src, int s, byte[] dst, int d) {
        LONGS.set(dst, d, (long) LONGS.get(src, s));
        LONGS.set(dst, d + 8, (long) LONGS.get(src, s + 8));
        LONGS.set(dst, d + 16, (long) LONGS.get(src, s + 16));
        LONGS.set(dst, d + 24, (long) LONGS.get(src, s + 24));
    }

    /** The exact decoder, from input position ip and output position op on. */
    private static void decodeFrom(byte[] in, int inOff, int inLen, int ip, byte[] out, int outOff, int outLen,
            int op) throws BlobException {
        int inEnd = inOff + inLen;
        int outEnd = outOff + outLen;
        while (ip < inEnd) {
            int start = ip;
            int ctrl = in[ip++] & 0xff;
            if (ctrl < 32) {
                int run = ctrl + 1;
                if (run > outEnd - op) {
                    throw tooLong(start - inOff, "literal", run, op - outOff, outLen);
                }
                if (run > inEnd - ip) {
                    throw truncated(start - inOff, "literal", run, inEnd - ip);
                }
                if (out != null) {
                    System.arraycopy(in, ip, out, op, run);
                }
                ip += run;
                op += run;
            } else {
                int len = ctrl >>> 5;
                int need = len == 7 ? 2 : 1;
                if (need > inEnd - ip) {
                    throw truncated(start - inOff, "back-reference", need, inEnd - ip);
                }
                if (len == 7) {
                    len += in[ip++] & 0xff;
                }
                int distance = ((ctrl & 0x1f) << 8) + (in[ip++] & 0xff) + 1;
                len += 2;
                if (len > outEnd - op) {
                    throw tooLong(start - inOff, "back-reference", len, op - outOff, outLen);
                }
                if (distance > op - outOff) {
                    throw tooFar(start - inOff, distance, op - outOff);
                }
                if (out != null) {
                    copyMatch(out, op, distance, len);
                }
                op += len;
            }
        }
        if (op != outEnd) {
            throw short_(inLen, op - outOff, outLen);
        }
    }

    /** Copies len bytes from distance bytes back; overlapping copies repeat the pattern. */
    static void copyMatch(byte[] buf, int op, int distance, int len) {
        int ref = op - distance;
        int pos = op;
        int end = op + len;
        // The bytes from ref repeat with period distance; each copy doubles the span it can take
        // from, and never overlaps its own source.
        while (pos < end) {
            int n = Math.min(pos - ref, end - pos);
            System.arraycopy(buf, ref, buf, pos, n);
            pos += n;
        }
    }

    /**
     * Checks that {@code in[inOff, inOff+inLen)} is an LZF stream of exactly {@code outLen} bytes
     * without producing them: what a check needs for values it does not look at.
     *
     * @throws BlobException as {@link #decompress} would
     */
    static void validate(byte[] in, int inOff, int inLen, int outLen) throws BlobException {
        decompress(in, inOff, inLen, null, 0, outLen);
    }

    /**
     * Compresses {@code in[inOff, inOff+inLen)} into {@code out} from {@code outOff} to the end of
     * the array.
     *
     * @return the compressed length, or 0 if it does not fit (or the input is empty)
     */
    static int compress(byte[] in, int inOff, int inLen, byte[] out, int outOff) {
        return compress(in, inOff, inLen, out, outOff, out.length - outOff);
    }

    /**
     * Like {@link #compress(byte[], int, int, byte[], int)} with an explicit output capacity;
     * callers that only want the result when it saves space (as Redis does) pass a capacity
     * smaller than the input.
     */
    static int compress(byte[] in, int inOff, int inLen, byte[] out, int outOff, int outCap) {
        if (inLen == 0 || outCap <= 0) {
            return 0;
        }
        // A table sized to the input keeps short strings (the common case in an RDB) cheap.
        int hashLog = Math.max(MIN_HASH_LOG, Math.min(MAX_HASH_LOG, 32 - Integer.numberOfLeadingZeros(inLen)));
        int[] table = new int[1 << hashLog]; // input position + 1 of the last sequence with that hash
        int hashShift = 32 - hashLog;
        int ip = inOff;
        int inEnd = inOff + inLen;
        int outEnd = outOff + outCap;
        int litCtrl = outOff; // where the current literal run's control byte goes
        int lit = 0;
        int op = outOff + 1;
        while (ip < inEnd - 2) {
            int seq = (in[ip] & 0xff) << 16 | (in[ip + 1] & 0xff) << 8 | (in[ip + 2] & 0xff);
            int h = (seq * 0x9E3779B1) >>> hashShift;
            int ref = table[h] - 1;
            table[h] = ip - inOff + 1;
            ref += inOff;
            int distance = ip - ref;
            if (ref >= inOff && distance <= MAX_DISTANCE
                    && in[ref] == in[ip] && in[ref + 1] == in[ip + 1] && in[ref + 2] == in[ip + 2]) {
                int max = Math.min(MAX_MATCH, inEnd - ip);
                int len = 3;
                while (len < max && in[ref + len] == in[ip + len]) {
                    len++;
                }
                if (lit == 0) {
                    op = litCtrl; // no literal pending: reuse the reserved control byte
                } else {
                    out[litCtrl] = (byte) (lit - 1);
                }
                int l = len - 2;
                int d = distance - 1;
                if (outEnd - op < (l < 7 ? 2 : 3)) {
                    return 0;
                }
                if (l < 7) {
                    out[op++] = (byte) ((l << 5) | (d >>> 8));
                } else {
                    out[op++] = (byte) ((7 << 5) | (d >>> 8));
                    out[op++] = (byte) (l - 7);
                }
                out[op++] = (byte) d;
                litCtrl = op++;
                lit = 0;
                // Index the last two positions of the match so the next repeat can find it.
                int stop = ip + len;
                for (int p = Math.max(ip + 1, stop - 2); p < stop && p < inEnd - 2; p++) {
                    int s = (in[p] & 0xff) << 16 | (in[p + 1] & 0xff) << 8 | (in[p + 2] & 0xff);
                    table[(s * 0x9E3779B1) >>> hashShift] = p - inOff + 1;
                }
                ip = stop;
            } else {
                if (op >= outEnd) {
                    return 0;
                }
                out[op++] = in[ip++];
                if (++lit == MAX_LITERAL) {
                    out[litCtrl] = (byte) (MAX_LITERAL - 1);
                    litCtrl = op++;
                    lit = 0;
                }
            }
        }
        while (ip < inEnd) {
            if (op >= outEnd) {
                return 0;
            }
            out[op++] = in[ip++];
            if (++lit == MAX_LITERAL) {
                out[litCtrl] = (byte) (MAX_LITERAL - 1);
                litCtrl = op++;
                lit = 0;
            }
        }
        if (lit == 0) {
            op = litCtrl; // drop the reserved, unused control byte
        } else {
            out[litCtrl] = (byte) (lit - 1);
        }
        return op - outOff;
    }

    static BlobException tooLong(long pos, String what, int n, long written, long expected) {
        return at(pos, "LZF " + what + " of " + n + " bytes at output byte " + written
                + " overruns the expected length of " + expected + " bytes");
    }

    static BlobException truncated(long pos, String what, int need, long left) {
        return at(pos, "LZF " + what + " needs " + need + " more input bytes, found " + left);
    }

    static BlobException tooFar(long pos, int distance, long written) {
        return at(pos, "LZF back-reference reaches " + distance + " bytes back, only "
                + written + " bytes written");
    }

    static BlobException short_(long pos, long written, long expected) {
        return at(pos, "LZF data ends after " + written + " output bytes, expected " + expected);
    }

    /** BlobException positions are ints; a huge stream's offset is saturated and spelled out. */
    private static BlobException at(long pos, String message) {
        if (pos > Integer.MAX_VALUE) {
            return new BlobException(Integer.MAX_VALUE, message + " (at compressed byte " + pos + ")");
        }
        return new BlobException((int) pos, message);
    }
}
