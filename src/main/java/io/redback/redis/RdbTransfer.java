package io.redback.redis;

import io.redback.bytes.BulkInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The RDB payload of a full sync as a stream of exactly the RDB's bytes, whichever framing the
 * master chose: {@code $<len>} (disk-based: that many bytes follow) or {@code $EOF:<40 chars>}
 * (diskless: the bytes follow, then the same 40 chars, and no length is known). It never reads
 * past the payload, so the link can carry on with the command stream, and it reports progress
 * once per read. At the end of the payload, or when closed before it, it runs {@code onEnd}
 * (ReplicaSync closes the link there, so that no replica lingers on the source; ReplicationLink
 * carries on with the command stream).
 */
abstract class RdbTransfer extends BulkInputStream {
    private final TransferProgress progress;
    private final Runnable onEnd;
    private final long started = System.nanoTime();
    private volatile long delivered;
    private boolean ended;

    RdbTransfer(TransferProgress progress, Runnable onEnd) {
        this.progress = progress;
        this.onEnd = onEnd;
    }

    /** {@code $<len>}: exactly {@code length} bytes. */
    static RdbTransfer sized(InputStream link, long length, TransferProgress progress, Runnable onEnd) {
        return new Sized(link, length, progress, onEnd);
    }

    /** {@code $EOF:<mark>}: bytes up to the 40-byte end mark. */
    static RdbTransfer eofMarked(InputStream link, byte[] mark, TransferProgress progress, Runnable onEnd) {
        return new EofMarked(link, mark, progress, onEnd);
    }

    /** The total size, or -1 for a diskless transfer. */
    abstract long length();

    /** Bytes of RDB handed out so far; safe to read from another thread. */
    final long delivered() {
        return delivered;
    }

    /**
     * Whether every payload byte has been handed out, so that the next read returns -1 without
     * touching the link (a reader that stopped at the RDB's last byte need not wait for more).
     */
    abstract boolean exhausted();

    /** Reads up to len payload bytes; -1 once the payload is complete. */
    abstract int readPayload(byte[] b, int off, int len) throws IOException;

    @Override
    public final int read(byte[] b, int off, int len) throws IOException {
        if (ended) {
            return -1;
        }
        if (len == 0) {
            return 0;
        }
        int n;
        try {
            n = readPayload(b, off, len);
        } catch (SocketTimeoutException e) {
            throw new SocketTimeoutException(e.getMessage() + ", after " + delivered
                    + (length() < 0 ? "" : " of " + length()) + " bytes of the RDB");
        }
        if (n < 0) {
            ended = true;
            progress.update(delivered, length(), TransferProgress.mbPerSecond(delivered, System.nanoTime() - started));
            onEnd.run();
            return -1;
        }
        delivered += n;
        progress.update(delivered, length(), TransferProgress.mbPerSecond(delivered, System.nanoTime() - started));
        return n;
    }

    /** Closing before the end abandons the transfer (and the link with it). */
    @Override
    public void close() {
        if (!ended) {
            ended = true;
            onEnd.run();
        }
    }

    static EOFException cutShort(long received, String expected) {
        return new EOFException("the source closed the replication connection after " + received
                + " bytes of the RDB, " + expected + "; the transfer was aborted (check the source's log)");
    }

    private static final class Sized extends RdbTransfer {
        private final InputStream link;
        private final long length;
        private long left;

        Sized(InputStream link, long length, TransferProgress progress, Runnable onEnd) {
            super(progress, onEnd);
            this.link = link;
            this.length = length;
            this.left = length;
        }

        @Override
        long length() {
            return length;
        }

        @Override
        boolean exhausted() {
            return left == 0;
        }

        @Override
        int readPayload(byte[] b, int off, int len) throws IOException {
            if (left == 0) {
                return -1;
            }
            int n = link.read(b, off, (int) Math.min(len, left));
            if (n < 0) {
                throw cutShort(length - left, "expected " + length);
            }
            left -= n;
            return n;
        }
    }

    /**
     * Diskless framing. Like Redis's own replica (readSyncBulkPayload), it looks for the mark at
     * the end of what has arrived after each read: the master sends nothing after the mark until
     * the replica ACKs, so the mark always ends a read. The last 40 bytes received are held back
     * until more arrive (they might be the mark), so the buffer is the only lookahead.
     */
    private static final class EofMarked extends RdbTransfer {
        static final int MARK_LENGTH = 40;
        private final InputStream link;
        private final byte[] mark;
        private final byte[] buf = new byte[256 * 1024];
        private int pos;
        private int lim;
        private long received;
        private boolean markSeen;

        EofMarked(InputStream link, byte[] mark, TransferProgress progress, Runnable onEnd) {
            super(progress, onEnd);
            if (mark.length != MARK_LENGTH) {
                throw new IllegalArgumentException("an EOF mark has " + MARK_LENGTH + " bytes, not " + mark.length);
            }
            this.link = link;
            this.mark = mark.clone();
        }

        @Override
        long length() {
            return -1;
        }

        @Override
        boolean exhausted() {
            return markSeen && lim - MARK_LENGTH - pos <= 0;
        }

        @Override
        int readPayload(byte[] b, int off, int len) throws IOException {
            while (true) {
                int releasable = lim - MARK_LENGTH - pos; // bytes with 40 more behind them cannot be the mark
                if (releasable > 0) {
                    int n = Math.min(len, releasable);
                    System.arraycopy(buf, pos, b, off, n);
                    pos += n;
                    return n;
                }
                if (markSeen) {
                    return -1;
                }
                receiveMore();
            }
        }

        private void receiveMore() throws IOException {
            if (pos > 0) {
                System.arraycopy(buf, pos, buf, 0, lim - pos);
                lim -= pos;
                pos = 0;
            }
            int n = link.read(buf, lim, buf.length - lim);
            if (n < 0) {
                throw cutShort(received, "before its end mark (diskless transfer)");
            }
            lim += n;
            received += n;
            markSeen = lim - pos >= MARK_LENGTH
                    && Arrays.equals(buf, lim - MARK_LENGTH, lim, mark, 0, MARK_LENGTH);
        }
    }

    /** The mark of a {@code $EOF:<mark>} framing line, or null for a {@code $<len>} line. */
    static byte[] eofMark(String line) {
        return line.startsWith("$EOF:") ? line.substring(5).getBytes(StandardCharsets.ISO_8859_1) : null;
    }
}
