package io.redback.bytes;

import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;

/**
 * Counts and SHA-256-hashes the bytes read through it, and can end after a limit whatever
 * follows (a reader that must never read past what a manifest promises). Every byte passes
 * through {@link #read(byte[], int, int)}: {@link #skip} reads (and hashes) what it skips and
 * mark/reset is not supported, so the count and the hash always cover exactly the bytes that
 * went by. Closing it closes the stream it reads. One made by {@link #beside} hashes on a
 * thread of its own once past the first few MiB, so that a large object is hashed beside the
 * thread that reads it.
 */
public final class HashingInputStream extends BulkInputStream {
    private final InputStream in;
    private final MessageDigest sha256 = Sha256.create();
    private final long limit;
    private final boolean beside;
    private DigestWorker worker;
    private long count;

    /** Past this many bytes, a stream made by {@link #beside} hands hashing to its own thread. */
    private static final long BESIDE_AFTER = 8 << 20;

    /** Hashes all of in. */
    public HashingInputStream(InputStream in) {
        this(in, Long.MAX_VALUE);
    }

    /** Hashes in and ends after limit bytes, whatever follows. */
    public HashingInputStream(InputStream in, long limit) {
        this(in, limit, false);
    }

    private HashingInputStream(InputStream in, long limit, boolean beside) {
        this.in = in;
        this.limit = limit;
        this.beside = beside;
    }

    /**
     * Like {@link #HashingInputStream(InputStream, long)}, but once more than a few MiB went by,
     * the hashing runs on a second thread (the bytes are copied to it), so a large object costs
     * its reader the copy instead of the SHA-256. Small objects are hashed in the reading thread.
     */
    public static HashingInputStream beside(InputStream in, long limit) {
        return new HashingInputStream(in, limit, true);
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len > 0 && count >= limit) {
            return -1;
        }
        int n = in.read(b, off, (int) Math.min(len, limit - count));
        if (n > 0) {
            if (worker == null && beside && count + n > BESIDE_AFTER) {
                worker = new DigestWorker(sha256);
            }
            if (worker != null) {
                worker.update(b, off, n);
            } else {
                sha256.update(b, off, n);
            }
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
        if (worker != null) {
            try {
                worker.finish();
            } catch (java.io.InterruptedIOException e) {
                throw new IllegalStateException("interrupted while hashing", e);
            }
            worker = null;
        }
        return Sha256.hex(sha256.digest());
    }
}
