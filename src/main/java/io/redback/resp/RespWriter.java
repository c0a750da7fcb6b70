package io.redback.resp;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Writes commands as RESP arrays of bulk strings ({@code *<n>\r\n$<len>\r\n<bytes>\r\n...}),
 * byte for byte what Redis writes to an AOF and to its replicas. Numbers are formatted into a
 * reusable scratch array, so writing allocates nothing. Does not flush; not thread-safe.
 */
public final class RespWriter {
    private final OutputStream out;
    private final byte[] scratch = new byte[24];

    public RespWriter(OutputStream out) {
        this.out = out;
    }

    /** Writes one command. */
    public void write(byte[]... args) throws IOException {
        requireArgs(args.length);
        header('*', args.length);
        for (byte[] a : args) {
            bulk(a, 0, a.length);
        }
    }

    /** Writes one command. */
    public void write(List<byte[]> args) throws IOException {
        requireArgs(args.size());
        header('*', args.size());
        for (byte[] a : args) {
            bulk(a, 0, a.length);
        }
    }

    /** Writes one command whose arguments are text (UTF-8). */
    public void write(String... args) throws IOException {
        requireArgs(args.length);
        header('*', args.length);
        for (String s : args) {
            byte[] a = s.getBytes(StandardCharsets.UTF_8);
            bulk(a, 0, a.length);
        }
    }

    /** Re-encodes a command that was read; every argument must have been retained. */
    public void write(RespCommand cmd) throws IOException {
        header('*', cmd.argCount());
        for (int i = 0; i < cmd.argCount(); i++) {
            bulk(cmd.data(), cmd.dataOffset(i), (int) cmd.argLength(i));
        }
    }

    /** One command's bytes. */
    public static byte[] encode(String... args) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try {
            new RespWriter(b).write(args);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
        }
        return b.toByteArray();
    }

    private static void requireArgs(int n) {
        if (n == 0) {
            throw new IllegalArgumentException("a command needs at least its name");
        }
    }

    private void bulk(byte[] b, int off, int len) throws IOException {
        header('$', len);
        out.write(b, off, len);
        out.write('\r');
        out.write('\n');
    }

    private void header(char type, long n) throws IOException {
        int p = scratch.length;
        scratch[--p] = '\n';
        scratch[--p] = '\r';
        long v = n;
        do {
            scratch[--p] = (byte) ('0' + (v % 10));
            v /= 10;
        } while (v > 0);
        scratch[--p] = (byte) type;
        out.write(scratch, p, scratch.length - p);
    }
}
