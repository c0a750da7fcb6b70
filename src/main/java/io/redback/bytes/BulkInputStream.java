package io.redback.bytes;

import java.io.IOException;
import java.io.InputStream;

/**
 * An input stream that reads in bulk only: subclasses implement {@link #read(byte[], int, int)}
 * and the single-byte {@link #read()} is that of one byte (asked again while it returns 0, so
 * that a zero-length answer is neither taken for the end nor for a byte). Nothing on a hot path
 * reads a byte at a time; this is for callers that check a stream has ended ({@code read() < 0}).
 */
public abstract class BulkInputStream extends InputStream {
    @Override
    public abstract int read(byte[] b, int off, int len) throws IOException;

    @Override
    public final int read() throws IOException {
        byte[] one = new byte[1];
        int n;
        do {
            n = read(one, 0, 1);
        } while (n == 0);
        return n < 0 ? -1 : one[0] & 0xff;
    }
}
