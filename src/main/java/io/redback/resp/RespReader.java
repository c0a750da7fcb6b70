package io.redback.resp;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * Reads RESP arrays of bulk strings ({@code *<n>\r\n$<len>\r\n<bytes>\r\n...}, the form of
 * commands in an AOF and on a replication link) from a stream, one at a time, into a reusable
 * {@link RespCommand}. It keeps one input buffer and copies argument bytes only into the
 * command's own reusable array, so the per-byte path is plain array access and nothing is
 * allocated per command. It also reads the text lines that may sit between commands (AOF
 * annotations). Offsets are counted from {@code startOffset}, so they can be file offsets even
 * when the stream starts in the middle of a file.
 *
 * <p>Strict where Redis's writers are exact: numbers are decimal digits ended by CRLF, every
 * bulk string is followed by CRLF. The first deviation, or the end of the input inside a
 * command, stops reading with a {@link RespException}.
 */
public final class RespReader {
    /** Input buffer size unless one is given. */
    public static final int DEFAULT_BUFFER_SIZE = 64 * 1024;
    /** Argument bytes kept per command unless a limit is given; longer arguments are skipped. */
    public static final int DEFAULT_RETAIN_LIMIT = 64 << 20;
    // 18 digits cannot overflow a long; nothing Redis writes comes close.
    private static final int MAX_DIGITS = 18;

    private final InputStream in;
    private final byte[] buf;
    private final int retainLimit;
    private int pos;
    private int lim;
    private long base;
    private boolean eof;
    private volatile long consumed;

    public RespReader(InputStream in) {
        this(in, 0, DEFAULT_BUFFER_SIZE, DEFAULT_RETAIN_LIMIT);
    }

    /**
     * @param startOffset the offset of the stream's first byte, for positions and errors
     * @param bufferSize  the input buffer size (at least 16)
     * @param retainLimit how many argument bytes of one command to keep; arguments that do not
     *                    fit are validated and skipped ({@link RespCommand#retained})
     */
    public RespReader(InputStream in, long startOffset, int bufferSize, int retainLimit) {
        if (bufferSize < 16) {
            throw new IllegalArgumentException("buffer size " + bufferSize + " is below 16");
        }
        if (retainLimit < 0) {
            throw new IllegalArgumentException("negative retain limit " + retainLimit);
        }
        this.in = in;
        this.buf = new byte[bufferSize];
        this.retainLimit = retainLimit;
        this.base = startOffset;
        this.consumed = startOffset;
    }

    /** Offset of the next unread byte. */
    public long position() {
        return base + pos;
    }

    /** Offset up to which bytes were taken from the stream; safe to read from another thread. */
    public long bytesRead() {
        return consumed;
    }

    /** The next byte without consuming it, or -1 at the end of the input. */
    public int peek() throws IOException {
        if (pos == lim && !fill()) {
            return -1;
        }
        return buf[pos] & 0xFF;
    }

    /** Reads one command (which must start at the current position) into {@code cmd}. */
    public void read(RespCommand cmd) throws IOException, RespException {
        long start = position();
        cmd.start(start);
        int b = next();
        if (b != '*') {
            throw b < 0 ? truncated(start, "'*' starting a command")
                    : malformed(start, start, "'*' starting a command", describe(b));
        }
        long argc = readNumber(start, -1, 0);
        if (argc < 1) {
            throw malformed(start + 1, start, "an argument count of at least 1", "*" + argc);
        }
        int budget = retainLimit;
        for (long i = 0; i < argc; i++) {
            long header = position();
            b = next();
            if (b != '$') {
                String what = "'$' starting argument " + (i + 1) + " of " + argc;
                throw b < 0 ? truncated(start, what) : malformed(header, start, what, describe(b));
            }
            long len = readNumber(start, i, argc);
            boolean retain = len <= budget;
            int at = cmd.addArg(position(), len, retain);
            if (retain) {
                budget -= (int) len;
                copy(cmd.data(), at, (int) len, start, i, argc);
            } else {
                skip(len, start, i, argc);
            }
            expectCrlf(start, i, argc, len);
        }
        cmd.finish(position());
    }

    /**
     * Reads one text line of at most {@code maxBytes} bytes including its {@code \n} (what
     * {@code fgets} with a buffer one byte larger reads). A line the input ends in is returned
     * unterminated.
     *
     * @throws RespException if no {@code \n} comes within {@code maxBytes} bytes
     */
    public Line readLine(int maxBytes) throws IOException, RespException {
        long start = position();
        byte[] text = new byte[Math.min(maxBytes, 128)];
        int n = 0;
        while (true) {
            int b = next();
            if (b < 0) {
                return new Line(start, Arrays.copyOf(text, n), n, false);
            }
            if (b == '\n') {
                int len = n > 0 && text[n - 1] == '\r' ? n - 1 : n;
                return new Line(start, Arrays.copyOf(text, len), n + 1, true);
            }
            if (n + 1 >= maxBytes) {
                throw malformed(position() - 1, -1, "the line starting at byte " + start + " to end within "
                        + maxBytes + " bytes", "more");
            }
            if (n == text.length) {
                text = Arrays.copyOf(text, Math.min(maxBytes, n * 2));
            }
            text[n++] = (byte) b;
        }
    }

    /**
     * A text line: its offset, its content without the line end, the bytes it occupies (line
     * end included) and whether it had a line end (false when the input ended first).
     */
    public record Line(long offset, byte[] text, int length, boolean terminated) {
    }

    // ---------------------------------------------------------------- the byte level

    private int next() throws IOException {
        if (pos < lim) {
            return buf[pos++] & 0xFF;
        }
        if (!fill()) {
            return -1;
        }
        return buf[pos++] & 0xFF;
    }

    /** Replaces the consumed buffer with the next bytes; false at the end of the input. */
    private boolean fill() throws IOException {
        if (eof) {
            return false;
        }
        base += lim;
        pos = 0;
        lim = 0;
        while (true) {
            int n = in.read(buf, 0, buf.length);
            if (n < 0) {
                eof = true;
                return false;
            }
            if (n > 0) {
                lim = n;
                consumed = base + n;
                return true;
            }
        }
    }

    /** A decimal number ended by CRLF; argIndex -1 is the argument count, else the argument's length. */
    private long readNumber(long start, long argIndex, long argc) throws IOException, RespException {
        long v = 0;
        int digits = 0;
        while (true) {
            int b = next();
            if (b >= '0' && b <= '9') {
                if (++digits > MAX_DIGITS) {
                    throw malformed(position() - 1, start, "at most " + MAX_DIGITS + " digits in "
                            + numberName(argIndex, argc), "more");
                }
                v = v * 10 + (b - '0');
            } else if (b == '\r' && digits > 0) {
                b = next();
                if (b == '\n') {
                    return v;
                }
                String what = "LF after the CR ending " + numberName(argIndex, argc);
                throw b < 0 ? truncated(start, what) : malformed(position() - 1, start, what, describe(b));
            } else {
                String what = (digits == 0 ? "a digit of " : "a digit or CR in ") + numberName(argIndex, argc);
                throw b < 0 ? truncated(start, what) : malformed(position() - 1, start, what, describe(b));
            }
        }
    }

    private void copy(byte[] dst, int at, int len, long start, long i, long argc)
            throws IOException, RespException {
        int done = 0;
        while (done < len) {
            if (pos == lim && !fill()) {
                throw truncated(start, (len - done) + " more byte(s) of argument " + (i + 1) + " of " + argc
                        + " (declared length " + len + ")");
            }
            int n = Math.min(len - done, lim - pos);
            System.arraycopy(buf, pos, dst, at + done, n);
            pos += n;
            done += n;
        }
    }

    private void skip(long len, long start, long i, long argc) throws IOException, RespException {
        long left = len;
        while (left > 0) {
            if (pos == lim && !fill()) {
                throw truncated(start, left + " more byte(s) of argument " + (i + 1) + " of " + argc
                        + " (declared length " + len + ")");
            }
            int n = (int) Math.min(left, lim - pos);
            pos += n;
            left -= n;
        }
    }

    private void expectCrlf(long start, long i, long argc, long len) throws IOException, RespException {
        int b = next();
        if (b == '\r') {
            b = next();
            if (b == '\n') {
                return;
            }
        }
        String what = "CRLF after the " + len + " byte(s) of argument " + (i + 1) + " of " + argc;
        throw b < 0 ? truncated(start, what) : malformed(position() - 1, start, what, describe(b));
    }

    private static String numberName(long argIndex, long argc) {
        return argIndex < 0 ? "the argument count" : "the length of argument " + (argIndex + 1) + " of " + argc;
    }

    private RespException truncated(long start, String expected) {
        return new RespException(RespException.Kind.TRUNCATED, position(), start, expected, "the end of the input");
    }

    private static RespException malformed(long at, long start, String expected, String found) {
        return new RespException(RespException.Kind.MALFORMED, at, start, expected, found);
    }

    /** A byte as a person reads it: 'x' (0x78), CR (0x0d), NUL (0x00). */
    public static String describe(int b) {
        String hex = String.format("0x%02x", b);
        return switch (b) {
            case '\r' -> "CR (" + hex + ")";
            case '\n' -> "LF (" + hex + ")";
            case 0 -> "NUL (" + hex + ")";
            case ' ' -> "a space (" + hex + ")";
            default -> b > 0x20 && b < 0x7F ? "'" + (char) b + "' (" + hex + ")" : "byte " + hex;
        };
    }
}
