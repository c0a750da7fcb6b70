package io.redback.rdb;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Computes a running CRC64 on a second core while the parser works on the first: blocks are
 * copied into a small pool of buffers (bounded memory) and checksummed in submission order.
 */
final class CrcWorker implements AutoCloseable {
    private static final int BLOCK = 1 << 20;
    private static final int POOL = 4;

    private final BlockingQueue<byte[]> free = new ArrayBlockingQueue<>(POOL);
    private final BlockingQueue<Object[]> work = new ArrayBlockingQueue<>(POOL + 1);
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
                Object[] item = work.take();
                if (item.length == 0) {
                    break;
                }
                byte[] b = (byte[]) item[0];
                c = Crc64.update(c, b, 0, (Integer) item[1]);
                free.put(b);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        crc = c;
        done = true;
    }

    /** Queues bytes for checksumming; blocks only when the worker is a whole pool behind. */
    void submit(byte[] b, int off, int len) {
        try {
            while (len > 0) {
                byte[] block = free.take();
                int n = Math.min(len, BLOCK);
                System.arraycopy(b, off, block, 0, n);
                work.put(new Object[]{block, n});
                off += n;
                len -= n;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while checksumming", e);
        }
    }

    /** Waits for everything submitted and returns the CRC64 of it all (after the seed). */
    long finish() {
        try {
            work.put(new Object[0]);
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
