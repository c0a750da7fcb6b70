package io.redback.restore;

import io.redback.files.NewFile;
import io.redback.pitr.RestoreException;
import io.redback.pitr.SnapshotFiles;
import io.redback.rdb.RdbCheckReport;
import io.redback.storage.RepositoryUrl;
import io.redback.repo.SnapshotManifest;
import io.redback.storage.Storage;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A snapshot (or a plain RDB) restored as a file redis-server can load, proven before anyone
 * trusts it. {@link #toDir} writes {@code DIR/dump.rdb}: the data object is fetched into a new
 * file beside it (a random name, never through a link), decompressed on the way, its sizes and
 * SHA-256s compared with the manifest, while a second thread reads the same bytes as they are
 * written (every key and structure, CRC64, the manifest's key counts), so the file is read once;
 * only when both pass is it fsynced, once, and renamed over {@code dump.rdb}, so a damaged RDB
 * never replaces a good one (the new file is dropped). Drills time FETCH as the download and
 * VERIFY as the time the check ran past its end, since the two overlap. {@link #fetch} brings the RDB to a work folder for a restore
 * into a running server, whose own pre-scan reads it whole. Each phase (fetch, verify) is timed
 * and told to a {@link PhaseListener}; {@link LoadCheck} is the next step, loading the result.
 */
public final class SnapshotRestore {
    /** Where the RDB comes from. */
    public sealed interface Source permits Snapshot, PlainRdb {
        /** "snapshot ID of SOURCE", or the plain RDB's location: what a report says was restored. */
        String describe();
    }

    /** A snapshot of the repository on storage, verified against its manifest. */
    public record Snapshot(Storage storage, SnapshotManifest manifest) implements Source {
        public Snapshot {
            Objects.requireNonNull(storage, "storage");
            Objects.requireNonNull(manifest, "manifest");
        }

        @Override
        public String describe() {
            return "snapshot " + manifest.id() + " of " + manifest.source();
        }
    }

    /**
     * A plain RDB file with no manifest: a local path, or {@code s3://bucket/key} (credentials
     * and endpoint from env, as for an s3 repository).
     */
    public record PlainRdb(String location, Map<String, String> env) implements Source {
        public PlainRdb {
            Objects.requireNonNull(location, "location");
            env = Map.copyOf(env);
        }

        @Override
        public String describe() {
            return location;
        }

        boolean onS3() {
            return location.regionMatches(true, 0, "s3://", 0, 5);
        }
    }

    /**
     * A restored {@code dump.rdb}: where it is, the snapshot's manifest (null for a plain RDB),
     * the full check of the RDB, and how long each phase took.
     */
    public record Result(Path target, SnapshotManifest manifest, RdbCheckReport report, Map<Phase, Duration> phases) {
    }

    private final AtomicLong progress;
    private final PhaseListener listener;

    /**
     * @param progress advanced by the RDB bytes a snapshot's download writes (for a progress bar)
     * @param listener told as each phase ends
     */
    public SnapshotRestore(AtomicLong progress, PhaseListener listener) {
        this.progress = Objects.requireNonNull(progress, "progress");
        this.listener = Objects.requireNonNull(listener, "listener");
    }

    /**
     * Checks that {@code dir/dump.rdb} may be written and creates dir; returns the target.
     * {@link #toDir} does it too; a caller that wants these refusals before opening a repository
     * calls it first.
     *
     * @throws RestoreException TARGET_EXISTS when dump.rdb exists without force, or dir is no directory
     * @throws IOException when dump.rdb is a symbolic link or dir cannot be created
     */
    public static Path prepare(Path dir, boolean force) throws IOException, RestoreException {
        Path d = dir.toAbsolutePath().normalize();
        Path target = d.resolve("dump.rdb");
        NewFile.refuseLink(target); // said before "add --force", which would not help
        if (Files.exists(target) && !force) {
            throw new RestoreException(RestoreException.Kind.TARGET_EXISTS, target + " already exists: add --force "
                    + "to replace it, or choose another --to-dir");
        }
        if (Files.exists(d) && !Files.isDirectory(d)) {
            throw new RestoreException(RestoreException.Kind.TARGET_EXISTS, d + " is not a directory");
        }
        Files.createDirectories(d);
        return target;
    }

    /**
     * Restores source as {@code dir/dump.rdb}, replacing one only with force.
     *
     * @throws RestoreException DAMAGED when the object or the RDB does not verify (nothing is put
     *     in place), TARGET_EXISTS as {@link #prepare}
     * @throws IOException when the storage, the source file or dir cannot be read or written
     */
    public Result toDir(Source source, Path dir, boolean force) throws IOException, RestoreException {
        Path target = prepare(dir, force);
        Phases phases = new Phases(listener);
        SnapshotManifest m = source instanceof Snapshot s ? s.manifest() : null;
        RdbCheckReport report;
        try (NewFile tmp = NewFile.beside(target, NewFile.Mode.DEFAULT)) {
            phases.start(Phase.FETCH);
            if (source instanceof Snapshot s) {
                // Checked as it arrives: the file is never read back.
                report = SnapshotFiles.downloadChecked(s.storage(), s.manifest(), tmp.channel(), tmp.path(), progress,
                        System.currentTimeMillis(), () -> phases.start(Phase.VERIFY));
            } else {
                copyPlain((PlainRdb) source, tmp.channel(), target);
                phases.start(Phase.VERIFY);
                report = SnapshotFiles.check(tmp.path(), m, System.currentTimeMillis());
            }
            tmp.commit(); // the one fsync, then the rename
            phases.end();
        }
        return new Result(target, m, report, phases.took());
    }

    /**
     * Brings the RDB to a local file for a restore that reads it (into a running server): a
     * snapshot is downloaded into {@code work/dump.rdb} with its sizes and SHA-256s verified, a
     * plain RDB on S3 copied there, a local one used where it is. work is the caller's folder.
     *
     * @throws RestoreException DAMAGED when the snapshot's object does not verify
     */
    public Path fetch(Source source, Path work) throws IOException, RestoreException {
        Phases phases = new Phases(listener);
        phases.start(Phase.FETCH);
        Path rdb;
        if (source instanceof Snapshot s) {
            rdb = work.resolve("dump.rdb");
            SnapshotFiles.download(s.storage(), s.manifest(), rdb, progress, false); // read once, then deleted
        } else {
            rdb = localPlain((PlainRdb) source, work);
        }
        phases.end();
        return rdb;
    }

    /** A plain RDB to read: a local path as is, an s3://bucket/key copied into work. */
    private static Path localPlain(PlainRdb from, Path work) throws IOException {
        if (!from.onS3()) {
            Path source = Path.of(from.location());
            if (!Files.isRegularFile(source)) {
                throw new IOException(from.location() + ": no such file");
            }
            return source;
        }
        Path tmp = work.resolve("dump.rdb");
        try (FileChannel ch = NewFile.create(tmp, NewFile.Mode.PRIVATE)) {
            copyPlain(from, ch, tmp);
        }
        return tmp;
    }

    /** Copies a plain RDB (a path, or s3://bucket/key) into tmp, which goes to target (not fsynced here). */
    private static void copyPlain(PlainRdb from, FileChannel tmp, Path target) throws IOException {
        String location = from.location();
        if (from.onS3()) {
            int q = location.indexOf('?');
            String path = q < 0 ? location : location.substring(0, q);
            String query = q < 0 ? "" : location.substring(q);
            int slash = path.lastIndexOf('/');
            if (slash < "s3://".length() || slash == path.length() - 1) {
                throw new IllegalArgumentException("--from-rdb " + location
                        + " names no object: use s3://bucket/path/dump.rdb");
            }
            RepositoryUrl url = RepositoryUrl.parse(path.substring(0, slash) + query, from.env());
            String key = path.substring(slash + 1);
            try (Storage storage = url.open(); InputStream in = storage.get(key)) {
                copy(in, tmp);
            }
        } else {
            Path source = Path.of(location);
            if (!Files.isRegularFile(source)) {
                throw new IOException(location + ": no such file");
            }
            if (Files.exists(target) && Files.isSameFile(source, target)) {
                throw new IllegalArgumentException(location + " is the file restore would write: choose another "
                        + "--to-dir");
            }
            try (InputStream in = Files.newInputStream(source)) {
                copy(in, tmp);
            }
        }
    }

    /** In 64 KiB writes (an RDB may be large); the channel is not closed: it is the caller's. */
    private static void copy(InputStream in, FileChannel out) throws IOException {
        OutputStream o = Channels.newOutputStream(out);
        byte[] buf = new byte[1 << 16];
        int n;
        while ((n = in.read(buf)) >= 0) {
            o.write(buf, 0, n);
        }
    }
}
