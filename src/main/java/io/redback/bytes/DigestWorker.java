package io.redback.bytes;

import java.io.InterruptedIOException;
import java.security.MessageDigest;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Feeds a digest on a thread of its own, so that hashing a large object runs beside the thread
 * that reads it (on two cores, a restore's download decompresses while its SHA-256s are
 * computed). Bytes are copied into a small pool of blocks (bounded memory) and hashed in the
 * order given. The thread ends after a second without work and starts again when more comes, so
 * an abandoned stream leaves no thread behind.
 */
final class DigestWorker {
    private static final int BLOCK = 1 << 20;
    private static final int POOL = 4;
    private static final long IDLE_MS = 1000;

    private record Block(byte[] bytes, int length) {
    }

    private final MessageDigest digest;
    private final BlockingQueue<byte[]> free = new ArrayBlockingQueue<>(POOL);
    private final BlockingQueue<Block> work = new ArrayBlockingQueue<>(POOL);
    private byte[] filling;
    private int filled;
    private boolean running; // guarded by this
    private volatile Throwable failure;

    /** Takes over digest, which must not be touched elsewhere until {@link #finish} returned. */
    DigestWorker(MessageDigest digest) {
        this.digest = digest;
        for (int i = 0; i < POOL; i++) {
            free.add(new byte[BLOCK]);
        }
    }

    /** Queues b[off, off+len) for hashing; waits only when the worker is a whole pool behind. */
    void update(byte[] b, int off, int len) throws InterruptedIOException {
        while (len > 0) {
            if (filling == null) {
                filling = take(free);
            }
            int n = Math.min(len, BLOCK - filled);
            System.arraycopy(b, off, filling, filled, n);
            filled += n;
            off += n;
            len -= n;
            if (filled == BLOCK) {
                flush();
            }
        }
    }

    /** Waits until everything queued is hashed; the digest is then the caller's again. */
    void finish() throws InterruptedIOException {
        flush();
        byte[][] all = new byte[POOL][];
        for (int i = 0; i < POOL; i++) {
            all[i] = take(free); // a block comes back once hashed: all back, all hashed
        }
        for (byte[] b : all) {
            free.add(b);
        }
        if (failure != null) {
            throw new IllegalStateException("hashing failed: " + failure, failure);
        }
    }

    private void flush() throws InterruptedIOException {
        if (filled == 0) {
            return;
        }
        try {
            work.put(new Block(filling, filled));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while hashing");
        }
        filling = null;
        filled = 0;
        synchronized (this) {
            if (!running) {
                running = true;
                Thread t = new Thread(this::run, "redback-sha256");
                t.setDaemon(true);
                t.start();
            }
        }
    }

    private void run() {
        while (true) {
            Block block;
            try {
                block = work.poll(IDLE_MS, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                block = null;
            }
            if (block == null) {
                synchronized (this) {
                    if (work.isEmpty()) {
                        running = false; // a later flush starts a new thread
                        return;
                    }
                }
                continue;
            }
            try {
                digest.update(block.bytes(), 0, block.length());
            } catch (Throwable e) {
                failure = e;
            } finally {
                free.add(block.bytes()); // never full: at most POOL blocks exist
            }
        }
    }

    private static byte[] take(BlockingQueue<byte[]> q) throws InterruptedIOException {
        try {
            return q.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while hashing");
        }
    }
}
