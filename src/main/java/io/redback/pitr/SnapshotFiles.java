package io.redback.pitr;

import io.redback.bytes.BytePipe;
import io.redback.bytes.Failures;
import io.redback.files.NewFile;
import io.redback.rdb.RdbCheck;
import io.redback.rdb.RdbCheckReport;
import io.redback.repo.SnapshotManifest;
import io.redback.storage.Storage;
import io.redback.repo.VerifiedObject;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A snapshot's RDB brought out of the repository and proven before anyone trusts it: the data
 * object is downloaded and decompressed into a file, its stored and raw sizes and SHA-256s are
 * compared with the manifest, and the RDB is read whole (every key and structure, CRC64) with
 * its key counts compared with the manifest's. Shared by {@code redback restore --snapshot} and
 * the base file of a point-in-time restore.
 */
public final class SnapshotFiles {
    /** Between the download and the check: a few MiB, whatever the RDB's size. */
    private static final int PIPE_BYTES = 4 << 20;

    private SnapshotFiles() {
    }

    /**
     * Downloads m's data object into file, which must not exist yet (it is created with
     * CREATE_NEW, never through a link), decompressing and verifying it; fsynced when durable
     * (a work copy that is read once and deleted is not: a restore's RTO need not wait on it).
     *
     * @param rawBytes advanced as RDB bytes are written (for a progress bar)
     * @throws RestoreException DAMAGED when the object is missing, too big or a size or SHA-256 differs
     * @throws IOException when the storage or the file cannot be read or written
     */
    public static void download(Storage storage, SnapshotManifest m, Path file, AtomicLong rawBytes, boolean durable)
            throws IOException, RestoreException {
        try (FileChannel out = NewFile.create(file, NewFile.Mode.DEFAULT)) {
            DataObjects.fetch(storage, VerifiedObject.Expected.of(m), Channels.newOutputStream(out), rawBytes);
            if (durable) {
                out.force(true);
            }
        }
    }

    /**
     * {@link #download} and {@link #check} in one pass over two threads: this one downloads,
     * decompresses, hashes and writes into out, and hands each buffer through a bounded pipe to a
     * checker thread that reads the RDB whole (structure, CRC64) as it arrives, so the file is
     * never read back. A download or SHA-256 failure is reported first (the check's verdict on a
     * broken stream would only be noise), then the check's. downloaded runs once the last byte is
     * written (the check then trails by at most the pipe). The caller fsyncs out if it must.
     *
     * @param file out's path, which the check's report names
     * @throws RestoreException DAMAGED as {@link #download} and {@link #check}
     */
    public static RdbCheckReport downloadChecked(Storage storage, SnapshotManifest m, FileChannel out, Path file,
                                                 AtomicLong rawBytes, long nowMs, Runnable downloaded)
            throws IOException, RestoreException {
        BytePipe pipe = new BytePipe(PIPE_BYTES);
        RdbCheck check = new RdbCheck(file, nowMs);
        CompletableFuture<RdbCheckReport> checked = new CompletableFuture<>();
        Thread checker = new Thread(() -> {
            try {
                checked.complete(check.runWhileWritten(pipe.source()));
            } catch (Throwable e) {
                checked.completeExceptionally(e);
                pipe.stopReading(e); // the download must not wait on a reader that is gone
            }
        }, "redback-restore-check");
        checker.setDaemon(true);
        checker.start();
        try {
            OutputStream to = Channels.newOutputStream(out);
            OutputStream tee = new OutputStream() {
                @Override
                public void write(int b) throws IOException {
                    write(new byte[] {(byte) b}, 0, 1);
                }

                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    to.write(b, off, len);
                    pipe.write(b, off, len);
                }
            };
            DataObjects.fetch(storage, VerifiedObject.Expected.of(m), tee, rawBytes);
            pipe.close();
        } catch (IOException | RestoreException | RuntimeException | Error e) {
            // Read before fail(): once failed, the checker ends exceptionally because of us.
            boolean checkerDied = checked.isCompletedExceptionally();
            pipe.fail(e);
            join(checker);
            if (e instanceof IOException && checkerDied) {
                // the download stopped because the checker died: its failure is the cause
                throw checkFailure(checked);
            }
            throw e;
        }
        downloaded.run();
        join(checker);
        if (checked.isCompletedExceptionally()) {
            throw checkFailure(checked);
        }
        return judge(checked.join(), file, m);
    }

    private static void join(Thread t) throws InterruptedIOException {
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while the RDB was being checked");
        }
    }

    /** The checker's own failure, rethrown as what it was. */
    private static IOException checkFailure(CompletableFuture<RdbCheckReport> checked) {
        try {
            checked.join();
            throw new IllegalStateException("the check did not fail");
        } catch (CompletionException e) {
            return Failures.asIOException(e.getCause());
        }
    }

    /**
     * The full check of an RDB file; with a manifest, its key counts must be the manifest's.
     *
     * @param nowMs the instant against which keys already expired are counted (unix ms)
     * @throws RestoreException DAMAGED when the RDB does not pass, has bytes after its end, or
     *     holds other keys than the manifest says
     */
    public static RdbCheckReport check(Path rdb, SnapshotManifest m, long nowMs) throws IOException, RestoreException {
        return judge(new RdbCheck(rdb, nowMs).run(), rdb, m);
    }

    /**
     * The verdict of {@link #check} on a report already made (by a check that ran beside the
     * download): report itself when it passes.
     *
     * @throws RestoreException DAMAGED as {@link #check}
     */
    public static RdbCheckReport judge(RdbCheckReport report, Path rdb, SnapshotManifest m) throws RestoreException {
        String what = m == null ? rdb.toString() : "the RDB of snapshot " + m.id() + " (" + m.object() + ")";
        if (report.error() != null) {
            throw new RestoreException(RestoreException.Kind.DAMAGED, what + " does not pass the check: "
                    + report.error().getMessage() + (report.error().detail() == null ? "" : " (" + report.error().detail()
                    + ")"));
        }
        if (report.trailingBytes() > 0) {
            throw new RestoreException(RestoreException.Kind.DAMAGED, report.trailingBytes() + " byte(s) follow the end of "
                    + what);
        }
        if (m != null && !report.keysPerDbAndType().equals(m.keys())) {
            throw new RestoreException(RestoreException.Kind.DAMAGED, what + " holds keys " + report.keysPerDbAndType()
                    + ", the manifest says " + m.keys());
        }
        return report;
    }
}
