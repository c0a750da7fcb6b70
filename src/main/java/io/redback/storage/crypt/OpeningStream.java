package io.redback.storage.crypt;

import java.io.IOException;
import java.io.InputStream;

/**
 * The plaintext of sealed chunks, checked one chunk at a time before any of its bytes are handed
 * on. The last chunk is either known (a range read knows the object's size) or found by reading
 * one byte ahead (a whole read); after the last chunk nothing may follow.
 */
final class OpeningStream extends InputStream {
    private final InputStream sealed;
    private final Chunks chunks;
    private final long lastIndex; // -1: find it by reading ahead
    private final byte[] in = new byte[Chunks.SEALED];
    private final byte[] out = new byte[Chunks.SEALED];
    private int pos;
    private int limit;
    private long index;
    private int pending = -1;
    private boolean done;
    private long skip;
    private long remaining;

    OpeningStream(InputStream sealed, Chunks chunks, long firstIndex, long lastIndex, long skip, long length) {
        this.sealed = sealed;
        this.chunks = chunks;
        this.index = firstIndex;
        this.lastIndex = lastIndex;
        this.skip = skip;
        this.remaining = length;
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
        if (remaining <= 0) {
            return -1;
        }
        while (pos == limit) {
            if (done) {
                return -1;
            }
            fill();
        }
        int n = (int) Math.min(Math.min(len, limit - pos), remaining);
        System.arraycopy(out, pos, b, off, n);
        pos += n;
        remaining -= n;
        return n;
    }

    private void fill() throws IOException {
        int n = 0;
        if (pending >= 0) {
            in[n++] = (byte) pending;
            pending = -1;
        }
        n += sealed.readNBytes(in, n, Chunks.SEALED - n);
        boolean last;
        if (lastIndex >= 0) {
            last = index == lastIndex;
        } else {
            last = n < Chunks.SEALED;
            if (!last) {
                pending = sealed.read();
                last = pending < 0;
            }
        }
        if (!last && n < Chunks.SEALED) {
            // a range read ending before the chunk it promised: the object was cut
            throw Chunks.damaged(chunksKey(), "chunk " + index + " is cut short (" + n + " bytes)");
        }
        limit = chunks.open(index++, last, in, n, out);
        pos = 0;
        if (skip > 0) {
            int s = (int) Math.min(skip, limit);
            pos = s;
            skip -= s;
        }
        done = last;
    }

    private String chunksKey() {
        return chunks.objectKey();
    }

    @Override
    public void close() throws IOException {
        sealed.close();
    }
}
