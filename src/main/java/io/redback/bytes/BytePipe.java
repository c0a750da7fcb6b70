package io.redback.bytes;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A bounded byte channel from one writer thread to one reader thread: a ring buffer of fixed
 * size (java.io's piped streams have a 1 KiB buffer and poll once a second). The writer blocks
 * when it is full, the reader when it is empty. Either side can fail the other: the writer's
 * {@link #fail} makes the reader's next read throw, the reader's {@link #stopReading} makes the
 * writer's next write throw, so neither thread waits forever on a dead partner. A snapshot's
 * backup hands raw bytes to its compressing thread through one, a snapshot's restore hands them
 * to the thread that checks the RDB.
 */
public final class BytePipe {
    private final byte[] ring;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notEmpty = lock.newCondition();
    private final Condition notFull = lock.newCondition();
    private int head; // next byte to read
    private int count;
    private boolean writeClosed;
    private Throwable writerFailure;
    private Throwable readerGone;

    public BytePipe(int capacity) {
        this.ring = new byte[capacity];
    }

    /** Copies all of b[off, off+len) in, waiting for room as needed. */
    public void write(byte[] b, int off, int len) throws IOException {
        lock.lock();
        try {
            if (writeClosed) {
                throw new IOException("write after the pipe was closed");
            }
            while (len > 0) {
                while (count == ring.length && readerGone == null) {
                    await(notFull);
                }
                if (readerGone != null) {
                    throw new IOException("the reading side stopped: " + readerGone.getMessage(), readerGone);
                }
                int tail = (head + count) % ring.length;
                int n = Math.min(len, Math.min(ring.length - count, ring.length - tail));
                System.arraycopy(b, off, ring, tail, n);
                count += n;
                off += n;
                len -= n;
                notEmpty.signal();
            }
        } finally {
            lock.unlock();
        }
    }

    /** No more bytes: the reader sees the end once it has read what is buffered. */
    public void close() {
        lock.lock();
        try {
            writeClosed = true;
            notEmpty.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** The writer failed: the reader's next read throws an IOException caused by {@code cause}. */
    public void fail(Throwable cause) {
        lock.lock();
        try {
            writerFailure = cause;
            writeClosed = true;
            notEmpty.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** The reader is done (or failed): further writes throw instead of blocking. */
    public void stopReading(Throwable cause) {
        lock.lock();
        try {
            if (readerGone == null) {
                readerGone = cause;
            }
            notFull.signalAll();
        } finally {
            lock.unlock();
        }
    }

    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        lock.lock();
        try {
            while (count == 0 && !writeClosed) {
                await(notEmpty);
            }
            if (writerFailure != null) {
                throw new IOException("the snapshot was abandoned: " + writerFailure.getMessage(), writerFailure);
            }
            if (count == 0) {
                return -1;
            }
            int n = Math.min(len, Math.min(count, ring.length - head));
            System.arraycopy(ring, head, b, off, n);
            head = (head + n) % ring.length;
            count -= n;
            notFull.signal();
            return n;
        } finally {
            lock.unlock();
        }
    }

    /** The reading end as a stream. */
    public InputStream source() {
        return new BulkInputStream() {
            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                return BytePipe.this.read(b, off, len);
            }
        };
    }

    private static void await(Condition c) throws InterruptedIOException {
        try {
            c.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting on the snapshot pipe");
        }
    }
}
