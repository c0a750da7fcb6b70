package io.redback.backup;

import io.redback.bytes.BulkInputStream;
import io.redback.bytes.BytePipe;
import io.redback.bytes.Failures;
import io.redback.bytes.HashingInputStream;
import io.redback.rdb.RdbException;
import io.redback.rdb.RdbReader;
import io.redback.rdb.RdbSummary;
import io.redback.redis.ReplicaSync;
import io.redback.redis.ServerIdentity;
import io.redback.redis.TransferProgress;
import io.redback.repo.Compression;
import io.redback.repo.SnapshotManifest.Method;
import io.redback.storage.Storage;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * Stores one RDB as a snapshot data object in a single pass, without a temporary copy: the RDB
 * is read once, on the calling thread, by the validating {@link RdbReader} (structure, every
 * value, CRC64; keys counted per database and type) through a tee that hashes the raw bytes and
 * feeds a bounded pipe; on a second thread the pipe is compressed (zstd, or not), hashed again
 * and streamed into {@link Storage#put}. Memory stays at a few MiB whatever the RDB's size.
 *
 * <p>The data object counts only if this returns: when the RDB is damaged, truncated or the
 * transfer breaks, the put is abandoned and the key deleted, and the exception says why (an
 * {@link RdbException} for damage, an IOException for transfer and storage failures). Writing
 * the manifest that makes the snapshot visible is the caller's next step, from the returned
 * {@link SnapshotResult}.
 */
public final class SnapshotWriter {
    /** The pipe between the reader and the compressor: enough to ride out storage hiccups. */
    static final int PIPE_BYTES = 4 << 20;

    private final Storage storage;
    private final Compression compression;
    private final TransferProgress progress;

    /**
     * @param progress told, on the reading thread, the raw bytes read so far, the total when
     *                 known and the rate
     */
    public SnapshotWriter(Storage storage, Compression compression, TransferProgress progress) {
        this.storage = Objects.requireNonNull(storage, "storage");
        this.compression = Objects.requireNonNull(compression, "compression");
        this.progress = Objects.requireNonNull(progress, "progress");
    }

    /** Where the RDB came from, for the result. */
    private record Origin(Method method, ServerIdentity server, String replicationId,
                          Long replicationOffset, Instant startedAt, ScanSnapshot scan) {
        Origin(Method method, ServerIdentity server, String replicationId, Long replicationOffset, Instant startedAt) {
            this(method, server, replicationId, replicationOffset, startedAt, null);
        }
    }

    /** Stores the RDB of a full sync; closes the sync (the source sees its replica go) when done. */
    public SnapshotResult write(String key, ReplicaSync sync) throws IOException, RdbException {
        try (sync) {
            Origin origin = new Origin(Method.SYNC, sync.server(), sync.replicationId(),
                    sync.replicationOffset(), sync.startedAt());
            return write(key, sync.rdb(), sync.rdbLength(), origin);
        }
    }

    /** Stores the RDB file a BGSAVE wrote; closes it when done. */
    public SnapshotResult write(String key, BgsaveSnapshot saved) throws IOException, RdbException {
        try (saved) {
            Origin origin = new Origin(Method.BGSAVE, saved.server(), null, null, saved.startedAt());
            return write(key, saved.rdb(), saved.size(), origin);
        }
    }

    /**
     * Stores the RDB a scan writes as it reads the keys; closes the scan when done. The RDB has
     * no replication id or offset: a scan is at no point of the source's history.
     */
    public SnapshotResult write(String key, ScanSnapshot scan) throws IOException, RdbException {
        try (scan) {
            Origin origin = new Origin(Method.SCAN, scan.server(), null, null, scan.startedAt(), scan);
            return write(key, scan.rdb(), -1, origin);
        }
    }

    /**
     * Stores the RDB of a full sync on a link that stays open (a stream's base snapshot): rdb
     * must end with the RDB; it is not closed.
     */
    public SnapshotResult writeFullSync(String key, InputStream rdb, long length, ServerIdentity server,
                                        String replicationId, long replicationOffset, Instant startedAt)
            throws IOException, RdbException {
        return write(key, rdb, length, new Origin(Method.SYNC, server, replicationId, replicationOffset, startedAt));
    }

    /**
     * Stores an RDB from any stream (e.g. a file brought in with {@link Method#IMPORT});
     * {@code length} is -1 when unknown. The stream is not closed.
     */
    public SnapshotResult write(String key, InputStream rdb, long length, Method method) throws IOException, RdbException {
        return write(key, rdb, length, new Origin(method, ServerIdentity.UNKNOWN, null, null, Instant.now()));
    }

    private SnapshotResult write(String key, InputStream rdb, long length, Origin origin) throws IOException, RdbException {
        BytePipe pipe = new BytePipe(PIPE_BYTES);
        StoredStream stored = new StoredStream(pipe.source(), compression);
        Upload upload = new Upload(key, stored, pipe);
        RawTee tee = new RawTee(rdb, pipe, length, progress);
        SnapshotCounter counter = new SnapshotCounter();
        RdbSummary summary;
        try {
            summary = new RdbReader(tee).read(counter);
            tee.drain(); // the reader reads ahead, so the count is the measure, not what drain finds
            long trailing = tee.count() - summary.endOffset();
            if (trailing > 0) {
                throw new IOException(trailing + " byte(s) follow the end of the RDB at byte " + summary.endOffset()
                        + "; a Redis-written RDB has none, so this one is not stored (was the file being written?)");
            }
            if (length >= 0 && tee.count() != length) {
                throw new IOException("the RDB has " + tee.count() + " bytes where " + length + " were announced");
            }
            pipe.close();
            upload.await();
            verifyStored(key, stored.size());
        } catch (Throwable t) {
            pipe.fail(t);
            Throwable storeFailure = upload.awaitQuietly();
            deleteQuietly(key, t);
            if (storeFailure != null && causedBy(t, storeFailure)) {
                // The storage failed first (the reader at most saw the pipe close): that is the cause to report.
                IOException e = storeFailed(key, storeFailure);
                if (t != storeFailure) {
                    e.addSuppressed(t);
                }
                throw e;
            }
            throw t;
        }
        String sha256Raw = tee.sha256Hex();
        String sha256Stored = stored.sha256Hex();
        // The sync's +FULLRESYNC names the history exactly; a BGSAVE file says it in its aux fields, if at all;
        // a scan lies at no offset at all.
        boolean fromSync = origin.replicationId() != null || origin.scan() != null;
        return new SnapshotResult(key, origin.method(), compression, tee.count(), stored.size(), sha256Raw,
                sha256Stored != null ? sha256Stored : sha256Raw, summary.header().version(), summary.header().label(),
                counter.redisVersion, counter.valkeyVersion, origin.server().name(), origin.server().version(),
                summary.keys(), counter.keysPerDbAndType(), counter.keysWithExpiry,
                summary.checksum().jsonName(),
                fromSync ? origin.replicationId() : counter.replicationId,
                fromSync ? origin.replicationOffset() : counter.replicationOffset,
                origin.startedAt(), Instant.now(), origin.scan() == null ? null : origin.scan().summary());
    }

    /** Commit order starts here: the data object must be whole before a manifest names it. */
    private void verifyStored(String key, long size) throws IOException {
        Optional<Storage.ObjectInfo> info = storage.stat(key);
        if (info.isEmpty()) {
            throw new IOException("the snapshot object " + key + " is missing from " + storage.describe()
                    + " right after it was stored");
        }
        if (info.get().size() != size) {
            throw new IOException("the snapshot object " + key + " in " + storage.describe() + " has "
                    + info.get().size() + " bytes, " + size + " were written");
        }
    }

    private static boolean causedBy(Throwable t, Throwable cause) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c == cause) {
                return true;
            }
        }
        return false;
    }

    private void deleteQuietly(String key, Throwable primary) {
        try {
            storage.delete(key);
        } catch (IOException | RuntimeException e) {
            primary.addSuppressed(new IOException("could not delete the abandoned snapshot object " + key
                    + " from " + storage.describe() + " (prune removes it): " + e.getMessage(), e));
        }
    }

    private IOException storeFailed(String key, Throwable cause) {
        return new IOException("cannot store the snapshot object " + key + " in " + storage.describe() + ": "
                + cause.getMessage(), cause);
    }

    /** The second thread: compression, hashing and the storage's put. */
    private final class Upload {
        private final Thread thread;
        private volatile Throwable failure;

        Upload(String key, StoredStream stored, BytePipe pipe) {
            thread = new Thread(() -> {
                try {
                    storage.put(key, stored, -1);
                    if (stored.read() >= 0) {
                        throw new IOException("the storage returned from put before reading the whole snapshot");
                    }
                } catch (Throwable t) {
                    failure = t;
                } finally {
                    // Never leave the reader blocked on a full pipe nobody drains.
                    pipe.stopReading(failure != null ? failure : new IOException("the snapshot upload has ended"));
                    try {
                        stored.close();
                    } catch (IOException ignored) {
                        // Only frees native memory.
                    }
                }
            }, "redback-snapshot-upload");
            thread.setDaemon(true);
            thread.start();
        }

        /** Waits for the put; rethrows its failure. */
        void await() throws IOException {
            join();
            if (failure != null) {
                throw Failures.asIOException(failure);
            }
        }

        /** Waits for the put to give up after the pipe failed; returns its failure, if any. */
        Throwable awaitQuietly() {
            try {
                join();
            } catch (InterruptedIOException e) {
                return e;
            }
            return failure;
        }

        private void join() throws InterruptedIOException {
            try {
                thread.join();
            } catch (InterruptedException e) {
                thread.interrupt();
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while storing the snapshot");
            }
        }
    }

    /**
     * What the reader reads through: the source's bytes, hashed, counted and copied into the
     * pipe a buffer at a time.
     */
    private static final class RawTee extends BulkInputStream {
        private final HashingInputStream source;
        private final BytePipe pipe;
        private final long length;
        private final TransferProgress progress;
        private final long started = System.nanoTime();

        RawTee(InputStream source, BytePipe pipe, long length, TransferProgress progress) {
            this.source = new HashingInputStream(source);
            this.pipe = pipe;
            this.length = length;
            this.progress = progress;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = source.read(b, off, len);
            if (n > 0) {
                pipe.write(b, off, n);
                long count = source.count();
                progress.update(count, length, TransferProgress.mbPerSecond(count, System.nanoTime() - started));
            }
            return n;
        }

        /** Reads to the end of the source, so that every byte is hashed and stored. */
        void drain() throws IOException {
            byte[] scratch = new byte[64 * 1024];
            while (read(scratch, 0, scratch.length) >= 0) {
                // Counted, hashed and piped by read.
            }
        }

        long count() {
            return source.count();
        }

        String sha256Hex() {
            return source.sha256Hex();
        }
    }
}
