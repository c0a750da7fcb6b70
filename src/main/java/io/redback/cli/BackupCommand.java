package io.redback.cli;

import com.fasterxml.jackson.annotation.JsonUnwrapped;
import io.redback.backup.Backup;
import io.redback.backup.BgsaveSnapshot;
import io.redback.backup.ScanSnapshot;
import io.redback.backup.SnapshotResult;
import io.redback.cluster.ClusterDiscovery;
import io.redback.rdb.ChecksumStatus;
import io.redback.rdb.RdbException;
import io.redback.redis.RedisAccessException;
import io.redback.redis.RedisConnection;
import io.redback.redis.RedisConnector;
import io.redback.redis.RedisUri;
import io.redback.redis.ReplicaOptions;
import io.redback.redis.ReplicaSync;
import io.redback.redis.TransferProgress;
import io.redback.repo.Compression;
import io.redback.repo.Repository;
import io.redback.repo.SnapshotManifest;
import io.redback.storage.Storage;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code redback backup}: one snapshot of a source into the repository. The RDB is taken by a
 * full sync as a replica (or BGSAVE), read and verified whole while it streams into storage,
 * and only then is the manifest written that makes it a snapshot.
 */
@Command(name = "backup", mixinStandardHelpOptions = true,
        description = {"Take a snapshot of a Redis or Valkey server into the repository.",
                "",
                "--method sync (default) takes the RDB the way a replica does (PSYNC; the user needs +psync "
                        + "+replconf); --method bgsave runs BGSAVE and reads the file it writes, so redback must run "
                        + "on the Redis host (or see its disk; --rdb-file names the file when CONFIG GET is not "
                        + "allowed); --method scan, for managed services that allow neither, reads every key with "
                        + "SCAN, DUMP and PEXPIRETIME (PTTL before 7.0) and the functions with FUNCTION DUMP, and "
                        + "writes them as an RDB: not one point in time (keys change while it reads them), and never "
                        + "the base of a stream's timeline. Either way every key and the CRC64 are verified while the RDB streams into "
                        + "storage, compressed (zstd:3 unless --compress says otherwise), and the manifest is "
                        + "written last: an interrupted backup leaves no snapshot, only garbage prune removes. A "
                        + "first backup creates the repository (and says so on stderr). --json prints the new "
                        + "snapshot's manifest, with the repository, seconds and MB/s."},
        footerHeading = "%nExamples:%n",
        footer = {"  redback backup --redis redis://10.0.0.5:6379 --password-env REDIS_PASSWORD --repo /backups/redis",
                "  redback backup --redis redis://127.0.0.1 --method bgsave --name cache-1 --json",
                "  redback backup --redis rediss://cache.example.com:6379 --method scan --command-name DUMP=XDUMP",
                "",
                "Exit codes: 0 stored, 1 the source's RDB is damaged (nothing stored), 2 could not run "
                        + "(unreachable, wrong password, no permission, repository problem)."})
public final class BackupCommand implements Callable<Integer> {
    enum BackupMethod { sync, bgsave, scan }

    @Mixin
    SourceOptions source;

    @Mixin
    RepoOptions repo;

    @Option(names = "--method", paramLabel = "METHOD", defaultValue = "sync",
            description = "How to take the RDB: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    BackupMethod method;

    @Option(names = "--rdb-file", paramLabel = "PATH", description = "With --method bgsave: the RDB file as this "
            + "host sees it (default: asked of the server with CONFIG GET dir/dbfilename).")
    Path rdbFile;

    @Option(names = "--command-name", paramLabel = "COMMAND=NAME", mapFallbackValue = "",
            description = "With --method scan: the name a provider gave one of the commands a scan sends (SCAN, DUMP, "
                    + "PEXPIRETIME, PTTL, SELECT, INFO, FUNCTION), e.g. DUMP=XDUMP; repeat for each renamed command.")
    Map<String, String> commandNames = new LinkedHashMap<>();

    @Option(names = "--compress", paramLabel = "zstd:N|none", defaultValue = "zstd:3",
            description = "How to store the RDB: zstd:<level> (-7..22) or none (default: ${DEFAULT-VALUE}).")
    String compress;

    @Option(names = "--cluster", description = "The source is a Redis Cluster (any node of it): one snapshot per "
            + "shard, taken in parallel, grouped by a cluster snapshot. Without it, a server saying cluster_enabled:1 "
            + "is backed up this way too (and told so).")
    boolean cluster;

    @Option(names = "--prefer-replica", description = "With a cluster: take each shard's RDB from one of its "
            + "replicas where it has one, sparing the primaries.")
    boolean preferReplica;

    @Option(names = "--allow-migrating", description = "With a cluster: back up even while slots are migrating "
            + "between shards (recorded in the cluster snapshot).")
    boolean allowMigrating;

    @Mixin
    SourceNameOption name;

    @Mixin
    JsonOption output;

    @Mixin
    QuietOption progress;

    @Mixin
    MetricsFileOption metrics;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** The scan's options with --method scan, else null. */
    ScanSnapshot.Options scanOptions;

    @Override
    public Integer call() {
        PrintWriter out = Terminal.out(spec);
        PrintWriter err = Terminal.err(spec);
        RedisUri uri;
        ReplicaOptions replica;
        String sourceName;
        Compression compression;
        try {
            uri = source.uri();
            replica = source.replicaOptions();
            sourceName = name.resolve(uri);
            compression = Compression.parse(compress);
            if (rdbFile != null && method != BackupMethod.bgsave) {
                throw new IllegalArgumentException("--rdb-file goes with --method bgsave");
            }
            if (!commandNames.isEmpty() && method != BackupMethod.scan) {
                throw new IllegalArgumentException("--command-name goes with --method scan");
            }
            scanOptions = method == BackupMethod.scan
                    ? new ScanSnapshot.Options(commandNames, ScanSnapshot.DEFAULT_WINDOW) : null;
        } catch (IOException | RuntimeException e) {
            err.println("redback backup: " + Text.message(e));
            return Main.USAGE;
        }
        Clock clock = Clock.systemUTC();
        if (!cluster) {
            // One login before anything is written: a source that cannot be reached or logged in to
            // is said now, without creating a repository first (one still loading is waited for below).
            try (RedisConnection c = RedisConnector.of(uri).connect()) {
                if (method != BackupMethod.bgsave && ClusterDiscovery.enabled(c)) {
                    err.println("redback backup: " + uri.address() + " is a cluster node (cluster_enabled:1): "
                            + "backing up the whole cluster, one snapshot per shard");
                    cluster = true;
                }
            } catch (RedisAccessException e) {
                if (e.reason() == RedisAccessException.Reason.AUTH || e.reason() == RedisAccessException.Reason.TLS
                        || e.reason() == RedisAccessException.Reason.UNREACHABLE) {
                    failed(err, sourceName);
                    err.println("redback backup: " + Text.message(e) + "; nothing was written");
                    return Main.USAGE;
                }
            } catch (IOException | RuntimeException e) {
                // not allowed to ask, or not ready: said below by the backup itself
            }
        }
        if (cluster) {
            return new ClusterBackupRun(this, out, err).run(uri, replica, sourceName, compression, clock);
        }
        if (preferReplica || allowMigrating) {
            err.println("redback backup: --prefer-replica and --allow-migrating go with --cluster");
            return Main.USAGE;
        }
        long started = System.nanoTime();
        ScanSnapshot scan = null;
        if (method == BackupMethod.scan) {
            try {
                // Every command the scan needs is tried before anything (even a new repository) is written.
                scan = ScanSnapshot.start(uri, scanOptions);
            } catch (IOException | RuntimeException e) {
                failed(err, sourceName);
                err.println("redback backup: " + Text.message(e));
                return Main.USAGE;
            }
        }
        try (Storage storage = repo.openStorage(); ScanSnapshot scanned = scan) {
            Repository repository = repo.openOrInit(storage, clock);
            AtomicLong bytes = new AtomicLong();
            TransferProgress listener = (done, total, mbs) -> bytes.set(done);
            Backup.Stored stored;
            boolean bar = !progress.quiet && !output.json;
            if (scanned != null) {
                try (Progress p = Progress.start("backup", -1, bytes::get, bar)) {
                    stored = Backup.take(repository, sourceName, uri, new Backup.Scan(scanned), compression, listener,
                            clock);
                }
            } else if (method == BackupMethod.bgsave) {
                BgsaveSnapshot saved = BgsaveSnapshot.take(uri, rdbFile);
                try (Progress p = Progress.start("backup", saved.size(), bytes::get, bar)) {
                    stored = Backup.take(repository, sourceName, uri, new Backup.Bgsave(saved), compression, listener,
                            clock);
                }
            } else {
                ReplicaSync sync = ReplicaSync.start(uri, replica);
                try (Progress p = Progress.start("backup", sync.rdbLength(), bytes::get, bar)) {
                    stored = Backup.take(repository, sourceName, uri, new Backup.FullSync(sync), compression, listener,
                            clock);
                }
            }
            SnapshotManifest m = stored.manifest();
            SnapshotResult r = stored.result();
            double took = (System.nanoTime() - started) / 1e9;
            metrics.succeeded("backup", err, "snapshot", repository, List.of(sourceName), (mf, before) -> {
                mf.snapshots.labelValues(sourceName, "ok").inc();
                mf.snapshots.labelValues(sourceName, "failed").inc(0);
                mf.snapshotLastDuration.labelValues(sourceName).set(took);
            });
            if (output.json) {
                out.println(Json.write(new Stored(ManifestJson.of(m), repository.describe(), r.elapsed().toMillis() / 1000.0,
                        Math.round(r.mbPerSecond() * 10) / 10.0)));
            } else {
                printHuman(out, repository, m, r);
            }
            out.flush();
            return Main.OK;
        } catch (RdbException e) {
            failed(err, sourceName);
            if (e.kind() == RdbException.Kind.TOO_LARGE) {
                err.println("redback backup: the RDB from " + uri.address() + " holds a structure too large to verify "
                        + "with this heap, nothing was stored: " + Text.message(e) + " " + e.advice());
                return Main.USAGE;
            }
            err.println("redback backup: the RDB from " + uri.address() + " is damaged, nothing was stored: "
                    + Text.message(e));
            return Main.PROBLEM;
        } catch (IOException | RuntimeException e) {
            failed(err, sourceName);
            String message = Text.message(e);
            boolean refused = method == BackupMethod.sync && message.contains("PSYNC")
                    && (message.contains("unknown command") || message.contains("NOPERM"));
            err.println("redback backup: " + message + (refused ? " (where neither replication nor BGSAVE is "
                    + "allowed, --method scan reads the keys instead)" : ""));
            return Main.USAGE;
        }
    }

    /** A snapshot attempted and not stored: counted as failed, the last success stays where it was. */
    private void failed(PrintWriter err, String sourceName) {
        metrics.failed("backup", err, "snapshot", List.of(sourceName), (mf, before) -> {
            mf.snapshots.labelValues(sourceName, "failed").inc();
            mf.snapshots.labelValues(sourceName, "ok").inc(0);
        });
    }

    /** What the RDB's CRC64 footer said ("CRC64 disabled ..." for a server with rdbchecksum no). */
    private static String checksum(SnapshotResult r) {
        ChecksumStatus s = ChecksumStatus.ofJsonName(r.checksum());
        return s == null ? "CRC64 " + r.checksum() : s.phrase();
    }

    private static void printHuman(PrintWriter out, Repository repository, SnapshotManifest m, SnapshotResult r) {
        double ratio = m.storedSize() == 0 ? 0 : (double) m.rawSize() / m.storedSize();
        out.println("snapshot " + m.id() + " of " + m.source() + " (" + m.sourceAddress() + ") stored in "
                + repository.describe());
        out.println("  method     " + m.method().jsonName() + (m.redisVersion() == null ? "" : ", Redis " + m.redisVersion())
                + ", RDB version " + m.rdbVersion()
                + (m.replicationId() == null ? "" : ", replication " + m.replicationId() + ":" + m.replicationOffset()));
        if (m.scan() != null) {
            out.println("  scan       " + m.scan().startedAt() + " to " + m.scan().finishedAt() + " (not one point in "
                    + "time), " + Text.count(m.scan().vanishedKeys()) + " key(s) vanished while scanned");
        }
        out.println("  keys       " + Text.count(m.totalKeys()) + " in " + m.keys().size() + " database(s), "
                + Text.count(m.keysWithExpiry()) + " with an expiry; every key read, " + checksum(r));
        out.println("  size       " + Text.size(m.rawSize()) + " RDB, " + Text.size(m.storedSize()) + " stored ("
                + m.compression() + String.format(Locale.ROOT, ", ratio %.2f)", ratio));
        out.println("  time       " + String.format(Locale.ROOT, "%.1f s, %.1f MB/s", r.elapsed().toMillis() / 1000.0,
                r.mbPerSecond()));
    }

    /** The JSON of a snapshot taken: its manifest, where it went, how long it took and how fast. */
    record Stored(@JsonUnwrapped ManifestJson manifest, String repository, double seconds, double mbPerSecond) {
    }
}
