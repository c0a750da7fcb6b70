package io.redback.pitr;

import io.redback.files.NewFile;
import io.redback.rdb.RdbCheck;
import io.redback.rdb.RdbCheckReport;
import io.redback.repo.SnapshotManifest;
import io.redback.storage.Storage;
import io.redback.repo.VerifiedObject;
import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A snapshot's RDB brought out of the repository and proven before anyone trusts it: the data
 * object is downloaded and decompressed into a file, its stored and raw sizes and SHA-256s are
 * compared with the manifest, and the RDB is read whole (every key and structure, CRC64) with
 * its key counts compared with the manifest's. Shared by {@code redback restore --snapshot} and
 * the base file of a point-in-time restore.
 */
public final class SnapshotFiles {
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
