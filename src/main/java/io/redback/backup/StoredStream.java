package io.redback.backup;

import com.github.luben.zstd.ZstdOutputStreamNoFinalizer;
import io.redback.bytes.BulkInputStream;
import io.redback.bytes.HashingInputStream;
import io.redback.repo.Compression;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;

/**
 * The bytes a data object is made of (a snapshot's, or a stream segment's), pulled by
 * {@code Storage.put}: it reads the raw bytes, compresses them (or not) and counts and hashes what it hands out, so the stored size and SHA-256
 * are known the moment the put has read everything. zstd-jni compresses push-style, so each
 * round feeds it one chunk of raw bytes and serves what came out; memory stays at one chunk
 * plus what zstd produces from it.
 */
public final class StoredStream extends BulkInputStream {
    private static final int CHUNK = 256 * 1024;

    private final InputStream raw;
    private final Compressed compressed; // null: stored as is
    private final HashingInputStream hashed; // what compressed hands out, counted and hashed
    private long rawSize;

    public StoredStream(InputStream raw, Compression compression) throws IOException {
        this.raw = raw;
        if (compression.equals(Compression.NONE)) {
            this.compressed = null;
            this.hashed = null;
        } else {
            this.compressed = new Compressed(raw, compression);
            this.hashed = new HashingInputStream(compressed);
        }
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        if (compressed == null) {
            // Stored as is: these are the raw bytes, which the reading side hashes already.
            int n = raw.read(b, off, len);
            if (n > 0) {
                rawSize += n;
            }
            return n;
        }
        return hashed.read(b, off, len);
    }

    /** Bytes handed out so far: the stored size once the put has read to the end. */
    public long size() {
        return compressed == null ? rawSize : hashed.count();
    }

    /** SHA-256 of the bytes handed out, as hex; call once, after the end. Null when stored uncompressed (the raw hash is the one). */
    public String sha256Hex() {
        return compressed == null ? null : hashed.sha256Hex();
    }

    /** Frees zstd's native memory if the put stopped early. */
    @Override
    public void close() throws IOException {
        if (compressed != null) {
            compressed.close();
        }
    }

    /** The raw bytes through zstd: each round feeds it one chunk and serves what came out. */
    private static final class Compressed extends BulkInputStream {
        private final InputStream raw;
        private final OutputStream compressor;
        private final byte[] in = new byte[CHUNK];
        private final Sink out = new Sink();
        private int outPos;
        private boolean rawEnded;

        Compressed(InputStream raw, Compression compression) throws IOException {
            this.raw = raw;
            ZstdOutputStreamNoFinalizer z = new ZstdOutputStreamNoFinalizer(out, compression.level());
            z.setChecksum(true); // zstd -t and zstd -d then verify the content on their own
            this.compressor = z;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            while (outPos == out.length) {
                if (rawEnded) {
                    return -1;
                }
                out.length = 0;
                outPos = 0;
                int n = raw.read(in, 0, in.length);
                if (n < 0) {
                    rawEnded = true;
                    compressor.close(); // writes the end of the frame into out
                } else {
                    compressor.write(in, 0, n);
                }
            }
            int n = Math.min(len, out.length - outPos);
            System.arraycopy(out.bytes, outPos, b, off, n);
            outPos += n;
            return n;
        }

        /** Frees zstd's native memory if the put stopped early (not the raw stream, which is the caller's). */
        @Override
        public void close() {
            if (!rawEnded) {
                rawEnded = true;
                try {
                    compressor.close();
                } catch (IOException ignored) {
                    // Only freeing memory; the snapshot has failed anyway.
                }
            }
        }
    }

    /** Where zstd writes; grows to what one chunk compresses to, then is reused. */
    private static final class Sink extends OutputStream {
        byte[] bytes = new byte[CHUNK + CHUNK / 8];
        int length;

        @Override
        public void write(int b) {
            ensure(1);
            bytes[length++] = (byte) b;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            ensure(len);
            System.arraycopy(b, off, bytes, length, len);
            length += len;
        }

        private void ensure(int more) {
            if (length + more > bytes.length) {
                bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, length + more));
            }
        }
    }
}
