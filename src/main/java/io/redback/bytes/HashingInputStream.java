package io.redback.bytes;

import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;

/**
 * Counts and SHA-256-hashes the bytes read through it, and can end after a limit whatever
 * follows (a reader that must never read past what a manifest promises). Every byte passes
 * through {@link #read(byte[], int, int)}: {@link #skip} reads (and hashes) what it skips and
 * mark/reset is not supported, so the count and the hash always cover exactly the bytes that
 * went by. Closing it closes the stream it reads.
 */
public final class HashingInputStream extends BulkInputStream {
    private final InputStream in;
    private final MessageDigest sha256 = Sha256.create();
    private final long limit;
    private long count;

    /** Hashes all of in. */
    public HashingInputStream(InputStream in) {
        this(in, Long.MAX_VALUE);
    }

    /** Hashes in and ends after limit bytes, whatever follows. */
    public HashingInputStream(InputStream in, long limit) {
        this.in = in;
        this.limit = limit;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len > 0 && count >= limit) {
            return -1;
        }
        int n = in.read(b, off, (int) Math.min(len, limit - count));
        if (n > 0) {
            sha256.update(b, off, n);
            count += n;
        }
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        int r = read(new byte[(int) Math.min(Math.max(n, 0), 8192)]);
        return Math.max(r, 0);
    }

    @Override
    public int available() throws IOException {
        return (int) Math.min(in.available(), limit - count);
    }

    @Override
    public void close() throws IOException {
        in.close();
    }

    /** Bytes read through so far. */
    public long count() {
        return count;
    }

    /** The SHA-256 of the bytes read through, as hex; call once, after the last read. */
    public String sha256Hex() {
        return Sha256.hex(sha256.digest());
    }
}
