package io.redback.bytes;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Reads a stream ahead on a thread of its own, 1 MiB at most, so that the reader's thread
 * spends no time in read system calls: on two cores, a check of a local RDB parses while the
 * next megabytes come from the file. An IOException of the underlying stream is thrown, as it
 * was, by the read that reaches it. Closing stops the thread and closes the underlying stream.
 */
public final class ReadAheadInputStream extends BulkInputStream {
    /** Small enough to stay an ordinary object for any collector (G1 treats 512 KiB and up apart). */
    private static final int BLOCK = 256 << 10;
    private static final int POOL = 4;

    /** A block read; length -1 is the end, a failure is thrown where the block would be read. */
    private record Block(byte[] bytes, int length, IOException failure) {
    }

    private final InputStream in;
    private final BlockingQueue<byte[]> free = new ArrayBlockingQueue<>(POOL);
    private final BlockingQueue<Block> ready = new ArrayBlockingQueue<>(POOL + 1);
    private final Thread thread;
    private Block current;
    private int pos;
    private volatile boolean closed;

    public ReadAheadInputStream(InputStream in) {
        this.in = in;
        for (int i = 0; i < POOL; i++) {
            free.add(new byte[BLOCK]);
        }
        thread = new Thread(this::run, "redback-read-ahead");
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        try {
            while (!closed) {
                byte[] b = free.take();
                int n = 0;
                boolean end = false;
                IOException failure = null;
                try {
                    while (n < b.length) {
                        int r = in.read(b, n, b.length - n);
                        if (r < 0) {
                            end = true;
                            break;
                        }
                        n += r;
                    }
                } catch (IOException e) {
                    failure = e;
                }
                if (n > 0) {
                    ready.put(new Block(b, n, null)); // what came before a failure is read first
                }
                if (failure != null || end) {
                    ready.put(new Block(null, -1, closed ? null : failure));
                    return;
                }
            }
        } catch (InterruptedException e) {
            // closed
        }
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        if (current == null || (current.length() >= 0 && pos == current.length())) {
            if (current != null && current.bytes() != null) {
                free.add(current.bytes());
            }
            try {
                current = ready.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while reading ahead");
            }
            pos = 0;
        }
        if (current.failure() != null) {
            throw current.failure();
        }
        if (current.length() < 0) {
            return -1;
        }
        int n = Math.min(len, current.length() - pos);
        System.arraycopy(current.bytes(), pos, b, off, n);
        pos += n;
        return n;
    }

    @Override
    public int available() {
        return current == null || current.length() < 0 ? 0 : current.length() - pos;
    }

    @Override
    public void close() throws IOException {
        closed = true;
        thread.interrupt();
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            in.close();
        }
    }
}
