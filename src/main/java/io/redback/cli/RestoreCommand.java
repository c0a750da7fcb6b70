package io.redback.cli;

import com.github.luben.zstd.ZstdInputStream;
import io.redback.rdb.RdbCheck;
import io.redback.rdb.RdbCheckReport;
import io.redback.rdb.RdbException;
import io.redback.rdb.RdbKey;
import io.redback.rdb.RdbReader;
import io.redback.rdb.RdbVisitor;
import io.redback.redis.LocalRedisServer;
import io.redback.redis.RedisConnection;
import io.redback.redis.RedisServerBinary;
import io.redback.repo.Repository;
import io.redback.repo.RepositoryUrl;
import io.redback.repo.SnapshotManifest;
import io.redback.repo.Storage;
import java.io.BufferedInputStream;
import java.io.FileOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code redback restore}: writes a snapshot (or a plain RDB) as DIR/dump.rdb, verified before
 * it is put in place: the stored object's and the RDB's SHA-256 against the manifest, and a full
 * RDB check. It is written as DIR/dump.rdb.tmp and renamed only when everything holds.
 */
@Command(name = "restore", mixinStandardHelpOptions = true,
        description = {"Restore a snapshot as DIR/dump.rdb, ready for redis-server to load.",
                "",
                "The data object is downloaded to DIR/dump.rdb.tmp and decompressed on the way; the SHA-256 of the "
                        + "stored bytes and of the RDB are compared with the manifest, and the RDB is read whole "
                        + "(every key, every structure, CRC64). Only then is it renamed to DIR/dump.rdb; on any "
                        + "mismatch nothing is put in place. An existing dump.rdb is refused without --force.",
                "",
                "--from-rdb restores a plain RDB file (a path or s3://bucket/key) the same way, checked in full. "
                        + "--start loads the result into a throwaway redis-server, compares its keys per database "
                        + "with the snapshot (less the keys whose TTL has passed), then stops it."},
        footerHeading = "%nExamples:%n",
        footer = {"  redback restore --snapshot latest --to-dir /var/lib/redis-restore",
                "  redback restore --snapshot 20261122T0315 --to-dir ./restore --force --start",
                "  redback restore --from-rdb /mnt/old/dump.rdb --to-dir ./restore",
                "",
                "Exit codes: 0 restored (and, with --start, the keys match), 1 the snapshot is damaged or the keys "
                        + "differ (nothing put in place), 2 could not run (no such snapshot, dump.rdb exists, ...)."})
public final class RestoreCommand implements Callable<Integer> {
    static final class What {
        @Option(names = "--snapshot", paramLabel = "ID|latest", required = true,
                description = "The snapshot: an id, the start of one, or 'latest'.")
        String snapshot;

        @Option(names = "--from-rdb", paramLabel = "PATH|s3://bucket/key", required = true,
                description = "Restore this plain RDB instead of a snapshot.")
        String fromRdb;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    What what;

    @Option(names = "--to-dir", paramLabel = "DIR", required = true, description = "Where to write dump.rdb "
            + "(created if missing).")
    Path toDir;

    @Option(names = "--force", description = "Replace an existing DIR/dump.rdb.")
    boolean force;

    @Option(names = "--start", description = "Load the restored RDB into a throwaway redis-server, compare its keys "
            + "per database with the snapshot, then stop it.")
    boolean start;

    @Option(names = "--name", paramLabel = "NAME", description = "The source (needed for 'latest' when the "
            + "repository holds several).")
    String name;

    @Option(names = {"-q", "--quiet"}, description = "No progress bar.")
    boolean quiet;

    @Mixin
    RepoOptions repo;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private PrintWriter out;
    private PrintWriter err;

    /** A verification failure: the data is damaged; exit 1. */
    private static final class Damaged extends Exception {
        private static final long serialVersionUID = 1L;

        Damaged(String message) {
            super(message);
        }
    }

    @Override
    public Integer call() {
        out = spec.commandLine().getOut();
        err = spec.commandLine().getErr();
        Path dir = toDir.toAbsolutePath().normalize();
        Path target = dir.resolve("dump.rdb");
        Path tmp = dir.resolve("dump.rdb.tmp");
        try {
            if (Files.exists(target) && !force) {
                err.println("redback restore: " + target + " already exists: add --force to replace it, or choose "
                        + "another --to-dir");
                return Main.USAGE;
            }
            if (Files.exists(dir) && !Files.isDirectory(dir)) {
                err.println("redback restore: " + dir + " is not a directory");
                return Main.USAGE;
            }
            Files.createDirectories(dir);
            SnapshotManifest m = null;
            RdbCheckReport report;
            String what;
            try {
                if (what().snapshot != null) {
                    try (Storage storage = repo.openStorage()) {
                        Repository repository = Repository.open(storage);
                        m = BackupCli.find(repository.catalog(), name == null ? null : Repository.checkSourceName(name),
                                what().snapshot);
                        download(storage, m, tmp);
                    }
                    what = "snapshot " + m.id() + " of " + m.source();
                } else {
                    copyPlain(what().fromRdb, tmp);
                    what = what().fromRdb;
                }
                report = check(tmp, m);
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (Damaged e) {
                Files.deleteIfExists(tmp);
                err.println("redback restore: " + e.getMessage() + "; nothing was restored"
                        + (Files.exists(target) ? " (" + target + " is untouched)" : ""));
                return Main.PROBLEM;
            } catch (IOException | RuntimeException e) {
                Files.deleteIfExists(tmp);
                throw e;
            }
            out.println("restored " + what + " to " + target);
            out.println("  verified   " + (m != null ? "SHA-256 of the stored object and of the RDB match the manifest; "
                    : "") + "every key and structure read, CRC64 " + report.checksum().name().toLowerCase());
            out.println("  keys       " + BackupCli.count(report.keys()) + " in " + report.keysPerDbAndType().size()
                    + " database(s), " + BackupCli.count(report.keysAlreadyExpired()) + " already expired");
            out.println("  size       " + BackupCli.size(report.size()) + " RDB version " + report.header().version());
            out.println("start Redis on it with:");
            out.println("  redis-server --dir " + ShellQuote.quote(dir.toString()) + " --dbfilename dump.rdb");
            out.flush();
            if (start) {
                return startAndCompare(dir, target);
            }
            return Main.OK;
        } catch (IOException | RuntimeException e) {
            err.println("redback restore: " + BackupCli.message(e));
            return Main.USAGE;
        }
    }

    private What what() {
        return what;
    }

    /** Downloads and decompresses m's object into tmp, hashing both; throws Damaged on any mismatch. */
    private void download(Storage storage, SnapshotManifest m, Path tmp) throws IOException, Damaged {
        MessageDigest storedSha = sha256();
        MessageDigest rawSha = sha256();
        AtomicLong rawBytes = new AtomicLong();
        IOException decompression = null;
        try (Progress p = Progress.start("restore", m.rawSize(), rawBytes::get, !quiet);
             StorageRead stored = new StorageRead(storage.get(m.object()));
             DigestInputStream storedIn = new DigestInputStream(stored, storedSha);
             FileOutputStream file = new FileOutputStream(tmp.toFile())) {
            InputStream raw = m.compression().algorithm().equals("none") ? storedIn : new ZstdInputStream(storedIn);
            try {
                copy(new DigestInputStream(raw, rawSha), file, rawBytes);
            } catch (IOException | RuntimeException e) {
                if (stored.failed) {
                    throw e;
                }
                decompression = e instanceof IOException io ? io : new IOException(BackupCli.message(e), e);
            }
            storedIn.transferTo(OutputStream.nullOutputStream()); // whatever the decompressor left unread
            file.getFD().sync();
        }
        String storedHex = java.util.HexFormat.of().formatHex(storedSha.digest());
        if (!storedHex.equals(m.sha256Stored())) {
            throw new Damaged("the stored object " + m.object() + " is damaged: its SHA-256 is " + storedHex
                    + ", the manifest says " + m.sha256Stored());
        }
        if (decompression != null) {
            throw new Damaged("the stored object " + m.object() + " does not decompress (" + m.compression() + "): "
                    + BackupCli.message(decompression));
        }
        String rawHex = java.util.HexFormat.of().formatHex(rawSha.digest());
        if (rawBytes.get() != m.rawSize() || !rawHex.equals(m.sha256Raw())) {
            throw new Damaged("the RDB in " + m.object() + " is not the one backed up: " + rawBytes.get()
                    + " bytes with SHA-256 " + rawHex + ", the manifest says " + m.rawSize() + " bytes with " + m.sha256Raw());
        }
    }

    /** Copies a plain RDB (a path, or s3://bucket/key) into tmp. */
    private void copyPlain(String from, Path tmp) throws IOException {
        if (from.regionMatches(true, 0, "s3://", 0, 5)) {
            int q = from.indexOf('?');
            String path = q < 0 ? from : from.substring(0, q);
            String query = q < 0 ? "" : from.substring(q);
            int slash = path.lastIndexOf('/');
            if (slash < "s3://".length() || slash == path.length() - 1) {
                throw new IllegalArgumentException("--from-rdb " + from + " names no object: use s3://bucket/path/dump.rdb");
            }
            RepositoryUrl url = RepositoryUrl.parse(path.substring(0, slash) + query, repo.env());
            String key = path.substring(slash + 1);
            try (Storage storage = url.open(); InputStream in = storage.get(key);
                 FileOutputStream file = new FileOutputStream(tmp.toFile())) {
                copy(in, file, new AtomicLong());
                file.getFD().sync();
            }
        } else {
            Path source = Path.of(from);
            if (!Files.isRegularFile(source)) {
                throw new IOException(from + ": no such file");
            }
            Path target = tmp.resolveSibling("dump.rdb");
            if (Files.exists(target) && Files.isSameFile(source, target)) {
                throw new IllegalArgumentException(from + " is the file restore would write: choose another --to-dir");
            }
            try (InputStream in = Files.newInputStream(source);
                 FileOutputStream file = new FileOutputStream(tmp.toFile())) {
                copy(in, file, new AtomicLong());
                file.getFD().sync();
            }
        }
    }

    private static void copy(InputStream in, OutputStream out, AtomicLong count) throws IOException {
        byte[] buf = new byte[1 << 16];
        int n;
        while ((n = in.read(buf)) >= 0) {
            out.write(buf, 0, n);
            count.addAndGet(n);
        }
    }

    /** The full RDB check of tmp; for a snapshot, its key counts must also be the manifest's. */
    private RdbCheckReport check(Path tmp, SnapshotManifest m) throws IOException, Damaged {
        RdbCheckReport report = new RdbCheck(tmp, System.currentTimeMillis()).run();
        if (report.error() != null) {
            throw new Damaged("the RDB does not pass the check: " + report.error().getMessage()
                    + (report.error().detail() == null ? "" : " (" + report.error().detail() + ")"));
        }
        if (report.trailingBytes() > 0) {
            throw new Damaged(report.trailingBytes() + " byte(s) follow the end of the RDB");
        }
        if (m != null && !report.keysPerDbAndType().equals(m.keys())) {
            throw new Damaged("the RDB holds keys " + report.keysPerDbAndType() + ", the manifest says " + m.keys());
        }
        return report;
    }

    /** --start: a throwaway server on dir, DBSIZE per db against the RDB's counts less expired keys, then stopped. */
    private int startAndCompare(Path dir, Path rdb) throws IOException {
        long before = System.currentTimeMillis();
        LocalRedisServer.Builder builder = LocalRedisServer.builder().dir(dir).config("appendonly", "no")
                .binary(RedisServerBinary.require(repo.env()));
        Map<Integer, Long> loaded = new TreeMap<>();
        long after;
        try (LocalRedisServer server = builder.start()) {
            out.println("started a throwaway redis-server " + server.version() + " on " + server.host() + ":"
                    + server.port() + " (pid " + server.pid() + "); it has loaded dump.rdb");
            out.flush();
            try (RedisConnection c = server.connect()) {
                c.info("keyspace").forEach((db, v) -> {
                    if (db.startsWith("db")) {
                        for (String field : v.split(",")) {
                            if (field.startsWith("keys=")) {
                                loaded.put(Integer.parseInt(db.substring(2)), Long.parseLong(field.substring(5)));
                            }
                        }
                    }
                });
            }
            after = System.currentTimeMillis();
        }
        Expiring counts = new Expiring(before, after);
        try (InputStream in = new BufferedInputStream(Files.newInputStream(rdb), 1 << 16)) {
            new RdbReader(in).read(counts);
        } catch (RdbException e) {
            err.println("redback restore: " + rdb + " could not be read again: " + e.getMessage());
            return Main.PROBLEM;
        }
        boolean same = true;
        TreeSet<Integer> dbs = new TreeSet<>(counts.total.keySet());
        dbs.addAll(loaded.keySet());
        for (int db : dbs) {
            long total = counts.total.getOrDefault(db, 0L);
            long most = total - counts.expiredBefore.getOrDefault(db, 0L);
            long least = total - counts.expiredAfter.getOrDefault(db, 0L);
            long got = loaded.getOrDefault(db, 0L);
            boolean ok = got >= least && got <= most;
            same &= ok;
            out.println("  db " + db + "  " + BackupCli.count(got) + " keys loaded, " + (least == most
                    ? BackupCli.count(most) : BackupCli.count(least) + ".." + BackupCli.count(most)) + " expected ("
                    + BackupCli.count(total) + " in the RDB less those already expired)" + (ok ? "" : "  MISMATCH"));
        }
        out.println("stopped the throwaway redis-server (its log is " + dir.resolve("redis-server.log")
                + "); use the command above for one that keeps running");
        out.flush();
        if (!same) {
            err.println("redback restore: redis-server loaded other key counts than the RDB holds");
            return Main.PROBLEM;
        }
        return Main.OK;
    }

    /** Keys per db, and those whose TTL had passed by two instants. */
    private static final class Expiring implements RdbVisitor {
        final long t0;
        final long t1;
        final Map<Integer, Long> total = new TreeMap<>();
        final Map<Integer, Long> expiredBefore = new TreeMap<>();
        final Map<Integer, Long> expiredAfter = new TreeMap<>();

        Expiring(long t0, long t1) {
            this.t0 = t0;
            this.t1 = t1;
        }

        @Override
        public boolean wantsValues() {
            return false;
        }

        @Override
        public void startKey(RdbKey key) {
            total.merge(key.db(), 1L, Long::sum);
            if (key.hasExpiry()) {
                if (key.expireAtMs() <= t0) {
                    expiredBefore.merge(key.db(), 1L, Long::sum);
                }
                if (key.expireAtMs() <= t1) {
                    expiredAfter.merge(key.db(), 1L, Long::sum);
                }
            }
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no SHA-256", e);
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
