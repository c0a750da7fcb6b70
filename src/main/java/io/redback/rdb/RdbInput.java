package io.redback.rdb;

import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.io.ByteArrayInputStream;

/**
 * A buffered, position-tracking reader over an RDB byte stream. It keeps the running CRC64
 * and feeds an optional raw-value tee lazily, a buffer at a time, so the parser's per-byte
 * reads are plain array accesses.
 */
final class RdbInput {
    private final InputStream in;
    private byte[] buf;
    private int pos;
    private int lim;
    private long base;
    private boolean eof;

    private boolean crcOn;
    private long crc;
    private int crcPos;
    /** Takes over checksumming once the input is big enough for a second core to pay off. */
    private CrcWorker crcWorker;
    private static final long CRC_WORKER_AFTER = 8 << 20;

    private RdbVisitor.RawValueSink tee;
    private int teePos;

    private volatile long consumed;

    RdbInput(InputStream in, int bufferSize) {
        this.in = in;
        this.buf = new byte[bufferSize];
    }

    long offset() {
        return base + pos;
    }

    /** Bytes taken from the underlying stream so far; safe to read from another thread. */
    long bytesConsumed() {
        return consumed;
    }

    byte[] buf() {
        return buf;
    }

    int pos() {
        return pos;
    }

    int available() {
        return lim - pos;
    }

    void skipInBuffer(int n) {
        pos += n;
    }

    void startCrc() {
        crcOn = true;
        crc = 0;
        crcPos = pos;
    }

    /** Stops checksumming and returns the CRC64 of everything read since {@link #startCrc()}. */
    long stopCrc() {
        flushCrc();
        crcOn = false;
        if (crcWorker != null) {
            crc = crcWorker.finish();
            crcWorker = null;
        }
        return crc;
    }

    /** Stops background work; safe to call at any point. */
    void close() {
        if (crcWorker != null) {
            crcWorker.close();
            crcWorker = null;
        }
    }

    void startTee(RdbVisitor.RawValueSink sink) {
        tee = sink;
        teePos = pos;
    }

    void stopTee() {
        flushTee();
        tee = null;
    }

    private void flushCrc() {
        if (crcOn && pos > crcPos) {
            if (crcWorker == null && base + pos > CRC_WORKER_AFTER) {
                crcWorker = new CrcWorker(crc);
            }
            if (crcWorker != null) {
                crcWorker.submit(buf, crcPos, pos - crcPos);
            } else {
                crc = Crc64.update(crc, buf, crcPos, pos - crcPos);
            }
        }
        crcPos = pos;
    }

    private void flushTee() {
        if (tee != null && pos > teePos) {
            tee.write(buf, teePos, pos - teePos);
        }
        teePos = pos;
    }

    /** Makes at least n bytes available at pos, or throws {@link TruncatedInput}. */
    void ensure(int n) throws IOException {
        if (lim - pos >= n) {
            return;
        }
        fill(n);
    }

    private void fill(int n) throws IOException {
        flushTee();
        int remaining = lim - pos;
        if (crcOn && crcWorker == null && base + pos > CRC_WORKER_AFTER) {
            crcWorker = new CrcWorker(crc);
        }
        if (crcOn && crcWorker != null && buf.length == CrcWorker.BLOCK && n <= CrcWorker.BLOCK) {
            // Hand the buffer to the checksum thread as it is and go on in a fresh one: the
            // bytes read are never copied for the CRC. A grown buffer stays (and is copied
            // from), so memory stays at the pool whatever the structures' sizes.
            byte[] old = buf;
            buf = crcWorker.freshBuffer();
            System.arraycopy(old, pos, buf, 0, remaining);
            crcWorker.takeOver(old, crcPos, pos - crcPos);
        } else if (n > buf.length) {
            flushCrc();
            byte[] bigger = new byte[Math.max(n, buf.length * 2)];
            System.arraycopy(buf, pos, bigger, 0, remaining);
            buf = bigger;
        } else {
            flushCrc();
            if (pos > 0) {
                System.arraycopy(buf, pos, buf, 0, remaining);
            }
        }
        base += pos;
        pos = 0;
        crcPos = 0;
        teePos = 0;
        lim = remaining;
        while (lim < n && !eof) {
            int r = in.read(buf, lim, buf.length - lim);
            if (r < 0) {
                eof = true;
            } else {
                lim += r;
                consumed += r;
            }
        }
        if (lim < n) {
            throw new TruncatedInput(base + lim, n - lim);
        }
    }

    int u8() throws IOException {
        if (pos >= lim) {
            fill(1);
        }
        return buf[pos++] & 0xFF;
    }

    int i16le() throws IOException {
        ensure(2);
        int v = (short) ((buf[pos] & 0xFF) | (buf[pos + 1] & 0xFF) << 8);
        pos += 2;
        return v;
    }

    int i32le() throws IOException {
        ensure(4);
        int v = (buf[pos] & 0xFF) | (buf[pos + 1] & 0xFF) << 8 | (buf[pos + 2] & 0xFF) << 16 | (buf[pos + 3] & 0xFF) << 24;
        pos += 4;
        return v;
    }

    long i64le() throws IOException {
        ensure(8);
        long v = 0;
        for (int i = 7; i >= 0; i--) {
            v = (v << 8) | (buf[pos + i] & 0xFF);
        }
        pos += 8;
        return v;
    }

    long u32be() throws IOException {
        ensure(4);
        long v = ((long) (buf[pos] & 0xFF) << 24) | (buf[pos + 1] & 0xFF) << 16 | (buf[pos + 2] & 0xFF) << 8 | (buf[pos + 3] & 0xFF);
        pos += 4;
        return v;
    }

    long i64be() throws IOException {
        ensure(8);
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (buf[pos + i] & 0xFF);
        }
        pos += 8;
        return v;
    }

    /** Skips n bytes without keeping them (they still count in the CRC and the tee). */
    void skip(long n) throws IOException {
        while (n > 0) {
            if (pos >= lim) {
                fill(1);
            }
            int step = (int) Math.min(n, lim - pos);
            pos += step;
            n -= step;
        }
    }

    /** Makes up to max bytes (at least 1) available at pos and returns how many. */
    int ensureSome(int max) throws IOException {
        if (pos >= lim) {
            fill(1);
        }
        return Math.min(max, lim - pos);
    }

    /** Whatever follows the current position: the rest of the buffer, then the stream. */
    InputStream rest() {
        byte[] left = java.util.Arrays.copyOfRange(buf, pos, lim);
        pos = lim;
        return new SequenceInputStream(new ByteArrayInputStream(left), in);
    }

    /** The input ended while n more bytes were needed. */
    static final class TruncatedInput extends IOException {
        private static final long serialVersionUID = 1L;
        final long endOffset;
        final int missing;

        TruncatedInput(long endOffset, int missing) {
            super("unexpected end of file at byte " + endOffset, null);
            this.endOffset = endOffset;
            this.missing = missing;
        }
    }
}
