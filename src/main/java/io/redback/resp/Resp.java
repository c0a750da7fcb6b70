package io.redback.resp;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * RESP2 on a byte stream, the client side: commands out as arrays of bulk strings, replies in as
 * plain Java objects. It knows nothing of sockets; io.redback.redis's connections use it. (The
 * server side, commands in, is {@link RespReader}: it reads AOF files and replication streams.)
 *
 * <p>Replies map to: simple string {@code String}, error {@link Error}, integer {@code Long},
 * bulk string {@code byte[]}, array {@code List<Object>}, null bulk and null array {@code null}.
 */
public final class Resp {
    /** An error reply ("-ERR ..."); a value, not an exception, so arrays (EXEC) can hold one. */
    public record Error(String message) {}

    /** Redis refuses bulk strings above proto-max-bulk-len (512 MB by default). */
    public static final long MAX_BULK_LENGTH = 512L * 1024 * 1024;

    // A status or error line longer than this means we are not talking to Redis.
    private static final int MAX_LINE_LENGTH = 1024 * 1024;

    /**
     * Arrays nested deeper than this are refused: Redis's deepest replies (COMMAND DOCS) nest
     * under ten levels, and a reader that recursed as deep as the input says would overflow its stack.
     */
    public static final int MAX_NESTING = 64;

    // A bulk string's buffer starts at most this big and grows as its bytes arrive, so a length
    // on the wire never allocates more than the bytes that came with it (doubled).
    private static final int FIRST_CHUNK = 64 * 1024;

    private static final byte[] CRLF = {'\r', '\n'};

    private Resp() {}

    /**
     * Writes one command as an array of bulk strings (what redis-cli sends). Arguments may be
     * {@code byte[]} (sent as is), {@code String} (UTF-8) or {@code Long}/{@code Integer}
     * (decimal). Does not flush.
     */
    public static void writeCommand(OutputStream out, Object... args) throws IOException {
        if (args.length == 0) {
            throw new IllegalArgumentException("a command needs at least its name");
        }
        writeHeader(out, '*', args.length);
        for (int i = 0; i < args.length; i++) {
            byte[] arg = argBytes(args[i], i);
            writeHeader(out, '$', arg.length);
            out.write(arg);
            out.write(CRLF);
        }
    }

    private static byte[] argBytes(Object arg, int index) {
        if (arg instanceof byte[] bytes) {
            return bytes;
        }
        if (arg instanceof String s) {
            return s.getBytes(StandardCharsets.UTF_8);
        }
        if (arg instanceof Long || arg instanceof Integer) {
            return arg.toString().getBytes(StandardCharsets.US_ASCII);
        }
        throw new IllegalArgumentException("command argument " + index + " must be a String, byte[], "
                + "Long or Integer, not " + (arg == null ? "null" : arg.getClass().getName()));
    }

    private static void writeHeader(OutputStream out, char type, long n) throws IOException {
        out.write(type);
        out.write(Long.toString(n).getBytes(StandardCharsets.US_ASCII));
        out.write(CRLF);
    }

    /**
     * Reads replies one at a time from a stream. Keeps its own buffer, so nothing else may read
     * from the stream. Counts bytes so that protocol errors can say where they happened.
     */
    public static final class Reader {
        private final InputStream in;
        private final byte[] buf = new byte[16 * 1024];
        private int pos;
        private int lim;
        private long bufStart; // stream offset of buf[0]

        public Reader(InputStream in) {
            this.in = in;
        }

        /** Bytes consumed from the stream so far. */
        public long position() {
            return bufStart + pos;
        }

        /**
         * Reads one complete reply. Throws {@link EOFException} if the stream ends, before or
         * inside a reply, and {@link IOException} if the bytes are not RESP2.
         */
        public Object read() throws IOException {
            return read(0);
        }

        private Object read(int depth) throws IOException {
            if (pos == lim && !fill()) {
                throw new EOFException("connection closed by the server (after " + position() + " bytes)");
            }
            long start = position();
            int type = buf[pos++];
            switch (type) {
                case '+':
                    return readLine();
                case '-':
                    return new Error(readLine());
                case ':':
                    return readLong();
                case '$': {
                    long n = readLong();
                    if (n == -1) {
                        return null;
                    }
                    if (n < 0 || n > MAX_BULK_LENGTH) {
                        throw protocol(start, "bulk string length " + n + " out of range");
                    }
                    byte[] value = readBytes((int) n);
                    expectCrlf();
                    return value;
                }
                case '*': {
                    long n = readLong();
                    if (n == -1) {
                        return null;
                    }
                    if (n < 0 || n > Integer.MAX_VALUE) {
                        throw protocol(start, "array length " + n + " out of range");
                    }
                    if (n > 0 && depth >= MAX_NESTING) {
                        throw protocol(start, "arrays nested deeper than " + MAX_NESTING + " levels");
                    }
                    // The count comes from the wire: do not let it size an allocation.
                    List<Object> items = new ArrayList<>((int) Math.min(n, 1024));
                    for (long i = 0; i < n; i++) {
                        items.add(read(depth + 1));
                    }
                    return items;
                }
                default:
                    throw protocol(start, "unexpected reply type byte " + describe(type)
                            + " (expected one of + - : $ *)");
            }
        }

        private String readLine() throws IOException {
            // The reply of most pipelined writes: no buffer and no new String for it.
            if (lim - pos >= 4 && buf[pos] == 'O' && buf[pos + 1] == 'K' && buf[pos + 2] == '\r' && buf[pos + 3] == '\n') {
                pos += 4;
                return "OK";
            }
            long start = position();
            byte[] line = new byte[64];
            int n = 0;
            while (true) {
                int b = next();
                if (b == '\r') {
                    if (next() != '\n') {
                        throw protocol(position() - 1, "expected LF after CR");
                    }
                    return new String(line, 0, n, StandardCharsets.UTF_8);
                }
                if (n == line.length) {
                    if (n >= MAX_LINE_LENGTH) {
                        throw protocol(start, "status line longer than " + MAX_LINE_LENGTH + " bytes");
                    }
                    line = Arrays.copyOf(line, n * 2);
                }
                line[n++] = (byte) b;
            }
        }

        private long readLong() throws IOException {
            long start = position();
            int b = next();
            boolean negative = b == '-';
            if (negative) {
                b = next();
            }
            long value = 0;
            int digits = 0;
            while (b != '\r') {
                if (b < '0' || b > '9' || digits == 18) {
                    throw protocol(position() - 1, "bad integer (byte " + describe(b) + ") in a line starting at byte " + start);
                }
                value = value * 10 + (b - '0');
                digits++;
                b = next();
            }
            if (digits == 0) {
                throw protocol(start, "empty integer");
            }
            if (next() != '\n') {
                throw protocol(position() - 1, "expected LF after CR");
            }
            return negative ? -value : value;
        }

        private byte[] readBytes(int n) throws IOException {
            byte[] out = new byte[Math.min(n, Math.max(FIRST_CHUNK, lim - pos))];
            int done = Math.min(n, lim - pos);
            System.arraycopy(buf, pos, out, 0, done);
            pos += done;
            while (done < n) {
                if (done == out.length) {
                    out = Arrays.copyOf(out, (int) Math.min(n, 2L * out.length));
                }
                // Large values go straight from the stream into the result, not via buf.
                int r = in.read(out, done, out.length - done);
                if (r < 0) {
                    throw truncated();
                }
                done += r;
                bufStart += r;
            }
            return out;
        }

        private void expectCrlf() throws IOException {
            if (next() != '\r' || next() != '\n') {
                throw protocol(position() - 1, "expected CRLF after a bulk string");
            }
        }

        private int next() throws IOException {
            if (pos == lim && !fill()) {
                throw truncated();
            }
            return buf[pos++] & 0xff;
        }

        private boolean fill() throws IOException {
            bufStart += lim;
            pos = 0;
            lim = 0;
            int r = in.read(buf, 0, buf.length);
            if (r <= 0) {
                return false;
            }
            lim = r;
            return true;
        }

        private EOFException truncated() {
            return new EOFException("connection closed in the middle of a reply (after " + position() + " bytes)");
        }

        private static IOException protocol(long offset, String what) {
            return new IOException("RESP protocol error at byte " + offset + " of the reply stream: " + what);
        }

        private static String describe(int b) {
            int v = b & 0xff;
            return (v >= 0x20 && v < 0x7f) ? "'" + (char) v + "'" : String.format("0x%02x", v);
        }
    }
}
