package io.redback.resp;

import io.redback.rdb.Printable;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One RESP array of bulk strings (a command) as {@link RespReader} last read it: a reusable view,
 * valid until the next read into it. For every argument it knows the byte offset and length in
 * the input; arguments up to the reader's retain limit are also held in a shared backing array
 * ({@link #data()}, {@link #dataOffset(int)}), longer ones were validated and skipped. Nothing is
 * allocated per command once the arrays have grown to the largest command seen.
 */
public final class RespCommand {
    private long offset;
    private long end;
    private int argc;
    private long[] argOffsets = new long[8];
    private long[] argLengths = new long[8];
    private int[] dataOffsets = new int[8];
    private byte[] data = new byte[256];
    private int dataLength;

    public RespCommand() {
    }

    /** Offset of the command's first byte (its {@code *}). */
    public long offset() {
        return offset;
    }

    /** Offset just after the command's last byte. */
    public long end() {
        return end;
    }

    /** Bytes the command occupies in the input, headers and CRLFs included. */
    public long length() {
        return end - offset;
    }

    public int argCount() {
        return argc;
    }

    /** Offset in the input of argument {@code i}'s first byte (after its {@code $<len>\r\n}). */
    public long argOffset(int i) {
        check(i);
        return argOffsets[i];
    }

    public long argLength(int i) {
        check(i);
        return argLengths[i];
    }

    /** Whether argument {@code i}'s bytes are held (it was not longer than the retain limit). */
    public boolean retained(int i) {
        check(i);
        return dataOffsets[i] >= 0;
    }

    /** The backing array of the retained arguments; valid until the next read. */
    public byte[] data() {
        return data;
    }

    /** Where retained argument {@code i} starts in {@link #data()}. */
    public int dataOffset(int i) {
        requireRetained(i);
        return dataOffsets[i];
    }

    /** A copy of argument {@code i}. */
    public byte[] arg(int i) {
        requireRetained(i);
        return Arrays.copyOfRange(data, dataOffsets[i], dataOffsets[i] + (int) argLengths[i]);
    }

    /** Argument {@code i} decoded as UTF-8. */
    public String argString(int i) {
        requireRetained(i);
        return new String(data, dataOffsets[i], (int) argLengths[i], StandardCharsets.UTF_8);
    }

    /** Whether argument {@code i} equals {@code ascii}, ignoring ASCII case (for command names). */
    public boolean argEqualsIgnoreCase(int i, String ascii) {
        check(i);
        if (argLengths[i] != ascii.length() || dataOffsets[i] < 0) {
            return false;
        }
        int p = dataOffsets[i];
        for (int k = 0; k < ascii.length(); k++) {
            if (lower(data[p + k]) != lower((byte) ascii.charAt(k))) {
                return false;
            }
        }
        return true;
    }

    /**
     * Argument {@code i} as a decimal integer the way Redis parses one (string2ll: an optional
     * minus, no plus, no spaces, no leading zeros), or {@code otherwise} if it is not one.
     */
    public long argLong(int i, long otherwise) {
        check(i);
        int len = (int) Math.min(argLengths[i], 21);
        if (dataOffsets[i] < 0 || len != argLengths[i] || len == 0) {
            return otherwise;
        }
        int p = dataOffsets[i];
        int endAt = p + len;
        boolean negative = data[p] == '-';
        if (negative) {
            p++;
        }
        if (p == endAt || (data[p] == '0' && endAt - p > 1) || (negative && data[p] == '0')) {
            return otherwise;
        }
        long v = 0;
        for (; p < endAt; p++) {
            int d = data[p] - '0';
            if (d < 0 || d > 9 || v > (Long.MAX_VALUE - d) / 10) {
                return otherwise;
            }
            v = v * 10 + d;
        }
        return negative ? -v : v;
    }

    private static int lower(byte b) {
        return b >= 'A' && b <= 'Z' ? b + 32 : b;
    }

    private void check(int i) {
        if (i < 0 || i >= argc) {
            throw new IndexOutOfBoundsException("argument " + i + " of a command with " + argc);
        }
    }

    private void requireRetained(int i) {
        check(i);
        if (dataOffsets[i] < 0) {
            throw new IllegalStateException("argument " + i + " (" + argLengths[i]
                    + " bytes) is longer than the reader's retain limit and was not kept");
        }
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < argc && sb.length() < 200; i++) {
            sb.append(i == 0 ? "" : " ");
            if (dataOffsets[i] < 0) {
                sb.append("<").append(argLengths[i]).append(" bytes>");
            } else {
                sb.append('"').append(Printable.escape(data, dataOffsets[i], (int) argLengths[i], 60)).append('"');
            }
        }
        return sb.toString();
    }

    // ---------------------------------------------------------------- filled by RespReader

    void start(long at) {
        offset = at;
        end = at;
        argc = 0;
        dataLength = 0;
    }

    void finish(long at) {
        end = at;
    }

    /** Adds an argument and returns where its bytes go in data(), or -1 when not retained. */
    int addArg(long fileOffset, long length, boolean retain) {
        if (argc == argOffsets.length) {
            int n = argc * 2;
            argOffsets = Arrays.copyOf(argOffsets, n);
            argLengths = Arrays.copyOf(argLengths, n);
            dataOffsets = Arrays.copyOf(dataOffsets, n);
        }
        argOffsets[argc] = fileOffset;
        argLengths[argc] = length;
        int at = -1;
        if (retain) {
            int need = dataLength + (int) length;
            if (need > data.length) {
                data = Arrays.copyOf(data, Math.max(need, data.length * 2));
            }
            at = dataLength;
            dataLength = need;
        }
        dataOffsets[argc] = at;
        argc++;
        return at;
    }
}
