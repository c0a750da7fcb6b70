package io.redback.repo;

import com.github.luben.zstd.ZstdInputStream;
import io.redback.bytes.BulkInputStream;
import io.redback.bytes.HashingInputStream;
import io.redback.storage.Storage;
import io.redback.storage.crypt.DamagedObjectException;
import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * One data object of the repository (a snapshot's RDB or a segment's AOF) read as its manifest
 * describes it: the stored bytes are counted and hashed, decompressed when stored with zstd,
 * and the raw bytes counted and hashed again. A decompression error ends {@link #raw()} early
 * and is remembered; a failing storage read is thrown (an environment problem, not damage).
 * {@link #problem()} reads what is left and says what differs from the manifest, naming the
 * object; nothing read from {@link #raw()} is to be trusted before it returned null. Reading
 * is bounded by what the manifest promises, whatever the storage delivers: at most
 * {@code storedSize + 1} stored bytes and {@code rawSize + 1} raw bytes are ever read (one more
 * than promised proves the object is not the one described), so an object replaced by an
 * endless stream or a decompression bomb ends {@link #raw()} early and is reported, instead of
 * filling a disk or running for ever. Restore, log, check, compact and a stream resuming from the
 * repository all read data objects through this one class.
 */
public final class VerifiedObject implements AutoCloseable {
    /** What a manifest promises about its data object. */
    public record Expected(String key, Compression compression, long storedSize, String sha256Stored, long rawSize,
                    String sha256Raw) {
        public static Expected of(SnapshotManifest m) {
            return new Expected(m.object(), m.compression(), m.storedSize(), m.sha256Stored(), m.rawSize(),
                    m.sha256Raw());
        }

        public static Expected of(SegmentManifest m) {
            return new Expected(m.object(), m.compression(), m.storedSize(), m.sha256Stored(), m.rawSize(),
                    m.sha256Raw());
        }
    }

    private final Expected expected;
    private final StorageStream stored;
    private final HashingInputStream storedIn;
    private final HashingInputStream rawIn;
    private final Guarded raw;

    private VerifiedObject(Expected expected, InputStream in) {
        this.expected = expected;
        this.stored = new StorageStream(in);
        this.storedIn = HashingInputStream.beside(stored, oneMore(expected.storedSize()));
        this.raw = new Guarded(stored);
        this.rawIn = HashingInputStream.beside(raw, oneMore(expected.rawSize()));
        raw.source = expected.compression().algorithm().equals("none") ? storedIn : null;
    }

    /**
     * Opens the object.
     *
     * @throws java.nio.file.NoSuchFileException when it is missing (which its manifest makes damage)
     */
    public static VerifiedObject open(Storage storage, Expected expected) throws IOException {
        InputStream in;
        try {
            in = storage.get(expected.key());
        } catch (DamagedObjectException e) {
            // an encrypted object whose header is not its own: damage to report when read
            in = new DamagedStream(e);
        }
        return new VerifiedObject(expected, in);
    }

    /** A stream that fails at once with the damage found when opening it. */
    private static final class DamagedStream extends InputStream {
        private final DamagedObjectException damage;

        DamagedStream(DamagedObjectException damage) {
            this.damage = damage;
        }

        @Override
        public int read() throws IOException {
            throw damage;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            throw damage;
        }
    }

    /** The raw (decompressed) bytes. */
    public InputStream raw() {
        return rawIn;
    }

    /** Stored bytes read so far. */
    public long storedBytes() {
        return storedIn.count();
    }

    /**
     * Reads the rest (never more than one byte beyond what the manifest promises) and compares
     * sizes and SHA-256s with the manifest: null when everything matches, else what differs
     * (the object's key, expected and found).
     */
    public String problem() throws IOException {
        rawIn.transferTo(OutputStream.nullOutputStream());
        storedIn.transferTo(OutputStream.nullOutputStream()); // whatever the decompressor left unread
        String key = expected.key();
        if (stored.damaged != null) {
            return stored.damaged.getMessage();
        }
        if (storedIn.count() > expected.storedSize()) {
            return key + " is damaged: it holds more than the " + expected.storedSize() + " bytes its manifest says "
                    + "(reading stopped there): it was replaced or appended to";
        }
        String storedHex = storedIn.sha256Hex();
        if (storedIn.count() != expected.storedSize() || !storedHex.equals(expected.sha256Stored())) {
            return key + " is damaged: " + storedIn.count() + " bytes with SHA-256 " + storedHex + ", the manifest says "
                    + expected.storedSize() + " bytes with SHA-256 " + expected.sha256Stored();
        }
        if (raw.failure != null) {
            return key + " does not decompress (" + expected.compression() + "): " + message(raw.failure);
        }
        if (rawIn.count() > expected.rawSize()) {
            return key + " decompresses to more than the " + expected.rawSize() + " bytes its manifest says (reading "
                    + "stopped there): it is not the object that was stored";
        }
        String rawHex = rawIn.sha256Hex();
        if (rawIn.count() != expected.rawSize() || !rawHex.equals(expected.sha256Raw())) {
            return key + " holds other content than was stored: " + rawIn.count() + " bytes with SHA-256 " + rawHex
                    + " once decompressed, the manifest says " + expected.rawSize() + " bytes with SHA-256 "
                    + expected.sha256Raw();
        }
        return null;
    }

    @Override
    public void close() throws IOException {
        try {
            if (raw.source != null && raw.source != storedIn) {
                raw.source.close(); // frees zstd's native memory
            }
        } finally {
            stored.close();
        }
    }

    /** The bytes to read before an overrun is certain: the promised size and one more. */
    private static long oneMore(long size) {
        return size == Long.MAX_VALUE ? size : size + 1;
    }

    private static String message(Throwable e) {
        return e.getMessage() == null || e.getMessage().isBlank() ? e.toString() : e.getMessage();
    }

    /**
     * The decompressed bytes (created lazily, so that opening the decompressor counts as
     * reading): a content error ends them and is kept; a storage error is thrown.
     */
    private final class Guarded extends BulkInputStream {
        private final StorageStream storage;
        InputStream source;
        IOException failure;

        Guarded(StorageStream storage) {
            this.storage = storage;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (failure != null) {
                return -1;
            }
            try {
                if (source == null) {
                    source = new ZstdInputStream(storedIn);
                }
                return source.read(b, off, len);
            } catch (IOException | RuntimeException e) {
                if (storage.failed) {
                    throw e;
                }
                failure = e instanceof IOException io ? io : new IOException(message(e), e);
                return -1;
            }
        }
    }

    /**
     * The storage's stream, remembering whether reading it failed (as opposed to decompressing it).
     * An encrypted object that does not authenticate ends the stream there and is kept as damage,
     * like a wrong SHA-256: a problem to report, not a storage failure.
     */
    private static final class StorageStream extends FilterInputStream {
        volatile boolean failed;
        volatile DamagedObjectException damaged;

        StorageStream(InputStream in) {
            super(new BufferedInputStream(in, 1 << 16));
        }

        @Override
        public int read() throws IOException {
            if (damaged != null) {
                return -1;
            }
            try {
                return super.read();
            } catch (DamagedObjectException e) {
                damaged = e;
                return -1;
            } catch (IOException | RuntimeException e) {
                failed = true;
                throw e;
            }
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (damaged != null) {
                return -1;
            }
            try {
                return super.read(b, off, len);
            } catch (DamagedObjectException e) {
                damaged = e;
                return -1;
            } catch (IOException | RuntimeException e) {
                failed = true;
                throw e;
            }
        }
    }
}
