package io.redback.storage.crypt;

import java.io.IOException;
import java.io.InputStream;

/** The stored bytes of a plaintext stream, made one chunk at a time as they are read: the header, then sealed chunks. */
final class SealingStream extends InputStream {
    private final InputStream plain;
    private final Chunks chunks;
    private final byte[] in = new byte[Chunks.CHUNK];
    private byte[] out;
    private int pos;
    private int limit;
    private long index;
    private int pending = -1; // a byte read ahead to learn that another chunk follows
    private boolean done;
    private final long length; // -1: unknown
    private long total;

    SealingStream(InputStream plain, Chunks chunks, byte[] header, long length) {
        this.plain = plain;
        this.length = length;
        this.chunks = chunks;
        this.out = header.clone();
        this.limit = out.length;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        while (pos == limit) {
            if (done) {
                return -1;
            }
            fill();
        }
        int n = Math.min(len, limit - pos);
        System.arraycopy(out, pos, b, off, n);
        pos += n;
        return n;
    }

    private void fill() throws IOException {
        int n = 0;
        if (pending >= 0) {
            in[n++] = (byte) pending;
            pending = -1;
        }
        n += plain.readNBytes(in, n, Chunks.CHUNK - n);
        boolean last = n < Chunks.CHUNK;
        if (!last) {
            pending = plain.read();
            last = pending < 0;
        }
        if (out.length < Chunks.SEALED) {
            out = new byte[Chunks.SEALED];
        }
        total += n;
        if (length >= 0 && (last ? total != length : total > length)) {
            // said in plaintext bytes here: the backend would only see the stored sizes
            throw new IOException("the data for " + chunks.objectKey() + " was announced as " + length + " bytes but "
                    + (total < length ? "ended after " + total : "has more"));
        }
        limit = chunks.seal(index++, last, in, n, out);
        pos = 0;
        done = last;
    }

    @Override
    public void close() throws IOException {
        plain.close();
    }
}
