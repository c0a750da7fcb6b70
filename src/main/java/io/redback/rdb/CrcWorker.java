package io.redback.rdb;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Computes a running CRC64 on a second core while the parser works on the first, in submission
 * order and bounded memory: a reader hands over whole input buffers it is done with
 * ({@link #takeOver}) and takes fresh ones from a small pool ({@link #freshBuffer}), so the
 * bytes are not copied; a last piece is copied into a pool buffer ({@link #submit}).
 */
final class CrcWorker implements AutoCloseable {
    /**
     * The size of the pool's buffers (the reader's input buffer size): just under 1 MiB, so that
     * in a small heap, where G1's regions are 1 MiB, each takes one region, not two.
     */
    static final int BLOCK = (1 << 20) - 64;
    private static final int POOL = 4;

    private record Piece(byte[] bytes, int off, int len) {
    }

    private static final Piece END = new Piece(null, 0, 0);

    private final BlockingQueue<byte[]> free = new ArrayBlockingQueue<>(POOL + 1);
    private final BlockingQueue<Piece> work = new ArrayBlockingQueue<>(POOL + 2);
    private final Thread thread;
    private volatile long crc;
    private volatile boolean done;

    CrcWorker(long seed) {
        crc = seed;
        for (int i = 0; i < POOL; i++) {
            free.add(new byte[BLOCK]);
        }
        thread = new Thread(this::run, "rdb-crc64");
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        long c = crc;
        try {
            while (true) {
                Piece p = work.take();
                if (p == END) {
                    break;
                }
                c = Crc64.update(c, p.bytes(), p.off(), p.len());
                if (p.bytes().length == BLOCK) {
                    free.offer(p.bytes()); // a grown buffer is left to the collector
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        crc = c;
        done = true;
    }

    /** Queues a copy of bytes for checksumming; blocks only when the worker is a whole pool behind. */
    void submit(byte[] b, int off, int len) {
        try {
            while (len > 0) {
                byte[] block = free.take();
                int n = Math.min(len, BLOCK);
                System.arraycopy(b, off, block, 0, n);
                work.put(new Piece(block, 0, n));
                off += n;
                len -= n;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while checksumming", e);
        }
    }

    /**
     * Queues b[off, off+len) for checksumming without a copy: b is the worker's from now on (the
     * caller never writes it again; a pool-sized one comes back through {@link #freshBuffer}).
     */
    void takeOver(byte[] b, int off, int len) {
        try {
            work.put(new Piece(b, off, len));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while checksumming", e);
        }
    }

    /** A buffer of {@link #BLOCK} bytes to read into, waiting for one the worker is done with. */
    byte[] freshBuffer() {
        try {
            return free.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while checksumming", e);
        }
    }

    /** Waits for everything submitted and returns the CRC64 of it all (after the seed). */
    long finish() {
        try {
            work.put(END);
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while checksumming", e);
        }
        if (!done) {
            throw new IllegalStateException("checksum worker stopped early");
        }
        return crc;
    }

    @Override
    public void close() {
        thread.interrupt();
    }
}
