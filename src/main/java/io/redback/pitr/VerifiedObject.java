package io.redback.pitr;

import com.github.luben.zstd.ZstdInputStream;
import io.redback.repo.Compression;
import io.redback.repo.Storage;
import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.NoSuchFileException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * One data object of the repository read as a manifest describes it: the stored bytes are
 * counted and hashed, decompressed when stored with zstd, and the raw bytes counted and hashed
 * again. {@link #raw()} never fails because of the content (a decompression error ends it
 * early and is remembered); a failing storage read still throws, as an environment problem.
 * {@link #verify()} reads what is left and compares both sizes and both SHA-256s with the
 * manifest; nothing read from {@link #raw()} is to be trusted before it returned.
 */
final class VerifiedObject implements AutoCloseable {
    /** What the manifest says about the object. */
    record Expected(String key, Compression compression, long storedSize, String sha256Stored, long rawSize,
                    String sha256Raw) {
    }

    private final Expected expected;
    private final StorageRead stored;
    private final Counting storedIn;
    private final Counting rawIn;
    private final Guarded raw;

    private VerifiedObject(Expected expected, StorageRead stored) throws IOException {
        this.expected = expected;
        this.stored = stored;
        this.storedIn = new Counting(stored);
        InputStream decompressed;
        IOException early = null;
        if (expected.compression().algorithm().equals("none")) {
            decompressed = storedIn;
        } else {
            InputStream z;
            try {
                z = new ZstdInputStream(storedIn);
            } catch (IOException e) {
                if (stored.failed) {
                    throw e;
                }
                early = e;
                z = InputStream.nullInputStream();
            }
            decompressed = z;
        }
        this.rawIn = new Counting(decompressed);
        this.raw = new Guarded(rawIn, stored);
        raw.failure = early;
    }

    /** Opens the object; a missing one is damage (its manifest promises it). */
    static VerifiedObject open(Storage storage, Expected expected) throws IOException, RestoreException {
        InputStream in;
        try {
            in = storage.get(expected.key());
        } catch (NoSuchFileException e) {
            throw new RestoreException(RestoreException.Kind.DAMAGED, "the data object " + expected.key()
                    + " is missing from " + storage.describe() + " although its manifest names it; the repository "
                    + "lost it (restore it from a copy of the repository, or choose another point)");
        }
        return new VerifiedObject(expected, new StorageRead(in));
    }

    /** The raw (decompressed) bytes. */
    InputStream raw() {
        return raw;
    }

    /** Raw bytes read so far. */
    long rawBytes() {
        return rawIn.count;
    }

    /**
     * Reads the rest and compares sizes and SHA-256s with the manifest.
     *
     * @throws RestoreException DAMAGED naming the object and what differs
     */
    void verify() throws IOException, RestoreException {
        raw.transferTo(OutputStream.nullOutputStream());
        storedIn.transferTo(OutputStream.nullOutputStream()); // what the decompressor left unread
        String key = expected.key();
        String storedHex = HexFormat.of().formatHex(storedIn.sha.digest());
        if (storedIn.count != expected.storedSize() || !storedHex.equals(expected.sha256Stored())) {
            throw damaged("the stored object " + key + " is damaged: " + storedIn.count + " bytes with SHA-256 "
                    + storedHex + ", the manifest says " + expected.storedSize() + " bytes with " + expected.sha256Stored());
        }
        if (raw.failure != null) {
            throw damaged("the stored object " + key + " does not decompress (" + expected.compression() + "): "
                    + message(raw.failure));
        }
        String rawHex = HexFormat.of().formatHex(rawIn.sha.digest());
        if (rawIn.count != expected.rawSize() || !rawHex.equals(expected.sha256Raw())) {
            throw damaged("the content of " + key + " is not what was stored: " + rawIn.count + " bytes with SHA-256 "
                    + rawHex + ", the manifest says " + expected.rawSize() + " bytes with " + expected.sha256Raw());
        }
    }

    @Override
    public void close() throws IOException {
        stored.close();
    }

    private static RestoreException damaged(String message) {
        return new RestoreException(RestoreException.Kind.DAMAGED, message);
    }

    static String message(Throwable e) {
        return e.getMessage() == null ? e.toString() : e.getMessage();
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no SHA-256", e);
        }
    }

    /** Counts and hashes what passes through. */
    private static final class Counting extends FilterInputStream {
        final MessageDigest sha = sha256();
        long count;

        Counting(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = in.read();
            if (b >= 0) {
                sha.update((byte) b);
                count++;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = in.read(b, off, len);
            if (n > 0) {
                sha.update(b, off, n);
                count += n;
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            byte[] buf = new byte[(int) Math.min(n, 8192)];
            int r = read(buf, 0, buf.length);
            return Math.max(r, 0);
        }

        @Override
        public boolean markSupported() {
            return false;
        }
    }

    /** The raw bytes: a content error (decompression) ends them and is kept; a storage error is thrown. */
    private static final class Guarded extends FilterInputStream {
        private final StorageRead stored;
        IOException failure;

        Guarded(InputStream in, StorageRead stored) {
            super(in);
            this.stored = stored;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n <= 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (failure != null) {
                return -1;
            }
            try {
                return in.read(b, off, len);
            } catch (IOException | RuntimeException e) {
                if (stored.failed) {
                    throw e;
                }
                failure = e instanceof IOException io ? io : new IOException(message(e), e);
                return -1;
            }
        }

        @Override
        public long skip(long n) throws IOException {
            byte[] buf = new byte[(int) Math.min(n, 8192)];
            int r = read(buf, 0, buf.length);
            return Math.max(r, 0);
        }

        @Override
        public boolean markSupported() {
            return false;
        }
    }

    /** The storage's stream, remembering whether reading it failed (as opposed to decompressing it). */
    private static final class StorageRead extends FilterInputStream {
        volatile boolean failed;

        StorageRead(InputStream in) {
            super(new BufferedInputStream(in, 1 << 16));
        }

        @Override
        public int read() throws IOException {
            try {
                return super.read();
            } catch (IOException | RuntimeException e) {
                failed = true;
                throw e;
            }
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            try {
                return super.read(b, off, len);
            } catch (IOException | RuntimeException e) {
                failed = true;
                throw e;
            }
        }
    }
}
