package io.redback.stream;

import java.io.IOException;
import java.util.Arrays;

/**
 * Frames the replication stream into whole commands as bytes arrive. The stream is always RESP
 * multibulk ({@code *N}, then N times {@code $L} and L bytes), so framing needs only the headers;
 * a half-received command is resumed where it stopped rather than scanned again, and its bytes
 * stay in the buffer until the command is complete (a command is held whole once: the price of
 * a 512 MB SET is 512 MB of heap), so an argument longer than the source's proto-max-bulk-len
 * is refused from its header. Only the first two arguments are looked at, for SELECT,
 * MULTI/EXEC, PING and REPLCONF GETACK.
 */
final class CommandScanner {
    private static final int MAX_HEADER = 32;
    private static final long MAX_ARGS = 1L << 31;
    /** Redis's default proto-max-bulk-len, the limit when the source's own is unknown. */
    static final long DEFAULT_MAX_ARG = 512L * 1024 * 1024;
    // A command is held whole in one array.
    private static final long MAX_HELD = Integer.MAX_VALUE - 1024;

    private byte[] buf = new byte[64 * 1024];
    private int start;   // first byte of the command being framed
    private int end;     // end of the bytes received
    private long offset; // stream offset of buf[start] minus one: bytes before it already framed

    // Resumable state of the command being framed.
    private int pos;
    private long argsLeft = -1;
    private int argCount;
    private int arg0Start = -1;
    private int arg0Length;
    private int arg1Start = -1;
    private int arg1Length;

    private final long maxArg;
    private final boolean maxArgKnown;

    /** A scanner for a source whose proto-max-bulk-len is unknown: Redis's default applies. */
    CommandScanner(long processedOffset) {
        this(processedOffset, -1);
    }

    /**
     * @param processedOffset the stream offset the first byte fed follows
     * @param maxBulkLength   the source's proto-max-bulk-len, or -1 when unknown (512 MB then):
     *                        a longer argument is refused before a byte of it is buffered
     */
    CommandScanner(long processedOffset, long maxBulkLength) {
        this.offset = processedOffset;
        this.maxArgKnown = maxBulkLength > 0;
        this.maxArg = maxArgKnown ? maxBulkLength : DEFAULT_MAX_ARG;
    }

    /** Space to receive into: {@link #buffer()} from {@link #writeIndex()} for {@link #writable()} bytes. */
    void ensureWritable(int n) {
        if (buf.length - end >= n) {
            return;
        }
        if (start > 0) { // compact: framed bytes are no longer needed
            System.arraycopy(buf, start, buf, 0, end - start);
            shift(-start);
        }
        if (buf.length - end < n) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, end + n));
        }
    }

    byte[] buffer() {
        return buf;
    }

    int writeIndex() {
        return end;
    }

    int writable() {
        return buf.length - end;
    }

    void received(int n) {
        end += n;
    }

    /**
     * The next whole command, or null when more bytes are needed. The view is valid until the
     * next call.
     *
     * @throws IOException when the bytes are not a multibulk command (not a replication stream)
     */
    Command next() throws IOException {
        if (argsLeft < 0) {
            if (pos == 0) {
                pos = start;
            }
            long n = header('*');
            if (n == Long.MIN_VALUE) {
                return null;
            }
            if (n < 1 || n > MAX_ARGS) {
                throw malformed("a command of " + n + " arguments");
            }
            argsLeft = n;
            argCount = (int) n;
            arg0Start = -1;
            arg1Start = -1;
        }
        while (argsLeft > 0) {
            int mark = pos;
            long len = header('$');
            if (len == Long.MIN_VALUE) {
                return null;
            }
            if (len < 0) {
                throw malformed("an argument of " + len + " bytes");
            }
            if (len > maxArg) {
                pos = mark;
                throw new IOException("the source announced an argument of " + len + " bytes at offset "
                        + (offset + (pos - start) + 1) + ", more than its proto-max-bulk-len allows ("
                        + maxArg + (maxArgKnown ? " bytes" : " bytes, Redis's default; redback may not CONFIG GET "
                        + "the source's own") + "): the link is damaged or the source is not a Redis server");
            }
            if (len + (pos - start) > MAX_HELD) {
                pos = mark;
                throw new IOException("the source sent a command of more than " + MAX_HELD + " bytes at offset "
                        + (offset + 1) + ": redback holds a command whole and cannot take one this big");
            }
            if (end - pos < len + 2) {
                pos = mark; // come back to this header when the argument is all here
                return null;
            }
            int at = pos;
            pos += (int) len;
            if (buf[pos] != '\r' || buf[pos + 1] != '\n') {
                throw malformed("an argument not ended by CRLF");
            }
            pos += 2;
            int index = argCount - (int) argsLeft;
            if (index == 0) {
                arg0Start = at;
                arg0Length = (int) len;
            } else if (index == 1) {
                arg1Start = at;
                arg1Length = (int) len;
            }
            argsLeft--;
        }
        Command c = new Command(offset, offset + (pos - start), start, pos - start, argCount);
        offset += pos - start;
        start = pos;
        pos = 0;
        argsLeft = -1;
        return c;
    }

    /** Offset after the last whole command framed. */
    long offset() {
        return offset;
    }

    /** Parses {@code <type><digits>\r\n} at pos; Long.MIN_VALUE when the line is not all here. */
    private long header(char type) throws IOException {
        int p = pos;
        if (p >= end) {
            return Long.MIN_VALUE;
        }
        if (buf[p] != type) {
            throw malformed("'" + printable(buf[p]) + "' where '" + type + "' belongs");
        }
        p++;
        long value = 0;
        boolean negative = false;
        int digits = 0;
        while (true) {
            if (p >= end) {
                if (p - pos > MAX_HEADER) {
                    throw malformed("a header line longer than " + MAX_HEADER + " bytes");
                }
                return Long.MIN_VALUE;
            }
            byte b = buf[p++];
            if (b == '\r') {
                break;
            }
            if (b == '-' && digits == 0 && !negative) {
                negative = true;
            } else if (b >= '0' && b <= '9' && digits < 19) {
                value = value * 10 + (b - '0');
                digits++;
            } else {
                throw malformed("a malformed header byte '" + printable(b) + "'");
            }
        }
        if (p >= end) {
            return Long.MIN_VALUE;
        }
        if (buf[p++] != '\n' || digits == 0) {
            throw malformed("a malformed header line");
        }
        pos = p;
        return negative ? -value : value;
    }

    private void shift(int by) {
        start += by;
        end += by;
        if (pos != 0) {
            pos += by;
        }
        if (arg0Start >= 0) {
            arg0Start += by;
        }
        if (arg1Start >= 0) {
            arg1Start += by;
        }
    }

    private IOException malformed(String what) {
        return new IOException("the replication stream has " + what + " at offset " + (offset + (pos - start) + 1)
                + ": not a Redis replication stream, or the link is damaged");
    }

    private static String printable(byte b) {
        return b >= 0x20 && b < 0x7f ? String.valueOf((char) b) : String.format("\\x%02x", b & 0xff);
    }

    /** A whole command: stream offsets (after startOffset up to endOffset) and its bytes in the buffer. */
    final class Command {
        final long startOffset;
        final long endOffset;
        final int bufferStart;
        final int length;
        final int argCount;

        Command(long startOffset, long endOffset, int bufferStart, int length, int argCount) {
            this.startOffset = startOffset;
            this.endOffset = endOffset;
            this.bufferStart = bufferStart;
            this.length = length;
            this.argCount = argCount;
        }

        byte[] buffer() {
            return buf;
        }

        boolean nameIs(String ascii) {
            return equalsIgnoreCase(arg0Start, arg0Length, ascii);
        }

        boolean firstArgIs(String ascii) {
            return argCount > 1 && equalsIgnoreCase(arg1Start, arg1Length, ascii);
        }

        /** The first argument as a non-negative int (SELECT's db), or -1. */
        int firstArgAsInt() {
            if (argCount < 2 || arg1Length < 1 || arg1Length > 9) {
                return -1;
            }
            int v = 0;
            for (int i = 0; i < arg1Length; i++) {
                byte b = buf[arg1Start + i];
                if (b < '0' || b > '9') {
                    return -1;
                }
                v = v * 10 + (b - '0');
            }
            return v;
        }

        private boolean equalsIgnoreCase(int at, int length, String ascii) {
            if (length != ascii.length()) {
                return false;
            }
            for (int i = 0; i < length; i++) {
                int b = buf[at + i];
                if (b >= 'a' && b <= 'z') {
                    b -= 32;
                }
                int c = ascii.charAt(i);
                if (c >= 'a' && c <= 'z') {
                    c -= 32;
                }
                if (b != c) {
                    return false;
                }
            }
            return true;
        }
    }
}
