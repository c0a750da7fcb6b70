package io.redback.storage.file;

import io.redback.bytes.BulkInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/** Reads {@code [offset, offset + length)} of a file (less at its end) with positional reads. */
final class RangeInputStream extends BulkInputStream {
    private final FileChannel channel;
    private long position;
    private long remaining;

    RangeInputStream(FileChannel channel, long offset, long length) {
        this.channel = channel;
        this.position = offset;
        this.remaining = length;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        java.util.Objects.checkFromIndexSize(off, len, b.length);
        if (len == 0) {
            return 0;
        }
        if (remaining <= 0) {
            return -1;
        }
        int n = channel.read(ByteBuffer.wrap(b, off, (int) Math.min(len, remaining)), position);
        if (n <= 0) {
            remaining = 0;
            return -1;
        }
        position += n;
        remaining -= n;
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        long skipped = Math.max(0, Math.min(n, Math.min(remaining, channel.size() - position)));
        position += skipped;
        remaining -= skipped;
        return skipped;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
