package io.redback.cli;

import io.redback.cluster.ClusterSnapshot;
import io.redback.cluster.ClusterSnapshots;
import io.redback.pitr.RestoreException;
import io.redback.rdb.RdbCheckReport;
import io.redback.redis.RedisServerBinary;
import io.redback.repo.Repository;
import io.redback.repo.SnapshotId;
import io.redback.repo.SnapshotManifest;
import io.redback.storage.Storage;
import io.redback.restore.LoadCheck;
import io.redback.restore.LoadedKeys;
import io.redback.restore.Phase;
import io.redback.restore.PhaseListener;
import io.redback.restore.SnapshotRestore;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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
 * RDB check. It is written beside DIR/dump.rdb under a random name and renamed only when everything holds. With
 * {@code --at}, {@code --offset} or {@code --before} it restores a point in time from the log
 * instead ({@link RestorePointInTime}).
 */
@Command(name = "restore", mixinStandardHelpOptions = true,
        description = {"Restore a snapshot as DIR/dump.rdb, ready for redis-server to load; or, from the log that "
                + "`redback stream` ships, the data as it was at any second or command of the recovery window; "
                + "or either of them into a running server (--into).",
                "",
                "The data object is downloaded to a new file beside DIR/dump.rdb (a random name, never through a "
                        + "symbolic link) and decompressed on the way; the SHA-256 of the "
                        + "stored bytes and of the RDB are compared with the manifest, and the RDB is read whole "
                        + "(every key, every structure, CRC64). Only then is it renamed to DIR/dump.rdb; on any "
                        + "mismatch nothing is put in place. An existing dump.rdb is refused without --force.",
                "",
                "--from-rdb restores a plain RDB file (a path or s3://bucket/key) the same way, checked in full. "
                        + "--start loads the result into a throwaway redis-server, compares its keys per database "
                        + "with the snapshot (less the keys whose TTL has passed), then stops it.",
                "",
                "Point in time (--at, --offset, --before): redback picks the timeline whose recovery window holds "
                        + "the point (the newest; --timeline names one), the newest snapshot of it at or before the "
                        + "cut, and the log segments from the snapshot to the cut, and prints that plan. Then it writes "
                        + "DIR/appendonlydir, a Redis 7 multi-part AOF: the snapshot as its base RDB and the commands "
                        + "up to the cut as its incr file (#TS lines kept, PING/REPLCONF left out), every object "
                        + "verified (sizes, SHA-256, the RDB read whole); or with --format rdb one DIR/dump.rdb, made by "
                        + "loading that directory in a throwaway redis-server and saving. A cut never splits a "
                        + "MULTI/EXEC: a point inside one moves to before its MULTI. Keys whose deadline has passed "
                        + "stay dead; the restore says how many. A point outside the window is refused with the "
                        + "restorable ones.",
                "",
                "--into URI writes into a running server instead: pipelined RESTORE commands built from the RDB's own "
                        + "value bytes (plain strings as SET ... NX, the same object for less of the target's CPU; "
                        + "absolute TTLs; keys already expired are not sent), function libraries with "
                        + "FUNCTION LOAD, after a pre-scan that reads the whole source (a damaged one stops before "
                        + "anything is written) and, with --on-conflict fail (the default), refuses if any key already "
                        + "exists. A point in time is first materialised as one dump.rdb (as --format rdb) in a "
                        + "temporary directory. A target release older than the source's format gets the values it "
                        + "cannot read re-encoded to encodings it reads; hashes with field TTLs follow --lossy.",
                "",
                "A target that is a node of a Redis Cluster (cluster_enabled:1, or --cluster) gets every key on the "
                        + "primary serving its slot (hash tags respected), MOVED and ASK followed, function libraries "
                        + "on every primary, and database 0 only (--db-map N:0 for the others). A cluster snapshot "
                        + "(--snapshot with its id) goes --into a cluster of any number of primaries, or into one "
                        + "server's database 0.",
                "",
                "A cluster (--name CLUSTER, whose shards' logs are shipped as CLUSTER.shard-N): --at and --before cut "
                        + "every shard on redback's own clock (--before: each shard at its own matching command), "
                        + "with the shards the newest cluster snapshot at or before the point names, and write "
                        + "DIR/shard-N per shard and DIR/cluster.json (with --into: every shard into the running "
                        + "cluster or server); the plan gives the skew bound between the shards' cuts. A shard "
                        + "whose log does not reach the point refuses the restore. --mark NAME cuts every shard at "
                        + "the offset its mark records (`redback cluster mark`): an exact cut, skew 0 by "
                        + "construction.",
                "",
                "--dry-run (with a point in time or --into) prints the plan, with --into the keys, bytes and "
                        + "conflicts per database, and writes nothing."},
        footerHeading = "%nExamples:%n",
        footer = {"  redback restore --snapshot latest --to-dir /var/lib/redis-restore",
                "  redback restore --snapshot 20261122T0315 --to-dir ./restore --force --start",
                "  redback restore --from-rdb /mnt/old/dump.rdb --to-dir ./restore",
                "",
                "  # someone ran FLUSHALL: the data just before it (the plan, then for real)",
                "  redback restore --before FLUSHALL --to-dir ./restore --dry-run",
                "  redback restore --before FLUSHALL --to-dir ./restore",
                "  redis-server --dir ./restore --appendonly yes --appenddirname appendonlydir",
                "",
                "  # the end of a second; 15 minutes ago as one dump.rdb",
                "  redback restore --at 2026-11-22T10:15:00Z --to-dir ./restore",
                "  redback restore --at -15m --format rdb --to-dir ./restore --name cache-1",
                "",
                "  # back into the running server: plan first, then for real, keeping keys written since",
                "  redback restore --snapshot latest --into redis://10.0.0.5:6379 --dry-run",
                "  redback restore --before FLUSHALL --into redis://10.0.0.5:6379 --on-conflict skip \\",
                "      --password-env REDIS_PASSWORD",
                "",
                "  # just before the first DEL of a user key at or after 09:00 UTC",
                "  redback restore --before 'DEL user:*' --after 2026-11-22T09:00:00Z \\",
                "      --to-dir ./restore",
                "",
                "  # every shard of cluster shop at its mark, into a running cluster",
                "  redback restore --name shop --mark before-deploy-42 --into redis://10.0.0.9:7000",
                "",
                "  # at a replication offset of a given timeline, as JSON",
                "  redback restore --offset 123456 --timeline 20261122T0300 \\",
                "      --to-dir ./restore --json",
                "",
                TimeConverter.HELP,
                "The log's times are whole seconds (#TS): --at T keeps everything up to the end",
                "of second T.",
                "",
                "Exit codes:",
                "  0  restored (with --start: the keys match; with --dry-run: planned)",
                "  1  a problem in the data: a damaged snapshot or segment, a gap in the log,",
                "     keys that differ, no command matching --before; nothing put in place",
                "  2  could not run: no such snapshot, the target exists, a point outside the",
                "     recovery window, ..."})
public final class RestoreCommand implements Callable<Integer> {
    static final class What {
        @Option(names = "--snapshot", paramLabel = "ID|latest", required = true,
                description = "The snapshot: an id, the start of one, or 'latest'.")
        String snapshot;

        @Option(names = "--from-rdb", paramLabel = "PATH|s3://bucket/key", required = true,
                description = "Restore this plain RDB instead of a snapshot.")
        String fromRdb;

        @Option(names = "--at", paramLabel = "TIME", required = true, converter = TimeConverter.class,
                description = "Restore the data as it was at the end of second TIME: every command whose #TS second "
                        + "is at or before it (where redis-check-aof --truncate-to-timestamp cuts).")
        Long at;

        @Option(names = "--offset", paramLabel = "N", required = true,
                description = "Restore the data up to replication offset N (inside a command: rounded down to its "
                        + "start, and said so).")
        String offset;

        @Option(names = "--before", paramLabel = "PATTERN", required = true,
                description = "Restore the data just before the first command matching PATTERN: "
                        + AofCutCommand.PATTERN_SYNTAX + " (as `redback aof cut --before`).")
        String before;

        @Option(names = "--mark", paramLabel = "NAME", required = true,
                description = "Restore every shard of a cluster (--name CLUSTER) to exactly the offset, in the "
                        + "timeline, that its mark NAME records (`redback cluster mark`): one consistent cut across "
                        + "the shards.")
        String mark;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    What what;

    @Option(names = "--to-dir", paramLabel = "DIR", description = "Where to write dump.rdb "
            + "(or, for a point in time, appendonlydir); created if missing. Either this or --into.")
    Path toDir;

    @Option(names = "--into", paramLabel = "URI", description = "Restore into this running server "
            + "(redis://[user@]host[:port] or rediss://...) with pipelined RESTORE, instead of writing files. "
            + "Password, user and TLS as for backup (--password-env, --password-file, --user, --tls-*).")
    String into;

    @Mixin
    ConnectionOptions targetConnection;

    @Option(names = "--cluster", description = "With --into: the target is a Redis Cluster (any node of it): every "
            + "key goes to the primary serving its slot, MOVED and ASK replies are followed, function libraries go to "
            + "every primary. Without it, a target saying cluster_enabled:1 is restored into this way too (and told "
            + "so). A cluster has only database 0: keys of other databases need --db-map N:0.")
    boolean cluster;

    @Option(names = "--on-conflict", paramLabel = "fail|skip|replace", defaultValue = "fail", description = "With "
            + "--into, a key (or function library) the target already holds: fail (the default: a pre-scan with "
            + "EXISTS finds them and nothing is written), skip (keep the target's) or replace (overwrite it).")
    String onConflict;

    @Mixin
    LossyOption lossy;

    @Option(names = "--big-key-size", paramLabel = "SIZE", defaultValue = "64MiB", description = "With --into, a "
            + "value whose serialized size exceeds SIZE (e.g. 64MiB, the default; kept below the target's "
            + "proto-max-bulk-len) is not sent as one RESTORE: its elements go in batches of commands to a temporary "
            + "key in the same slot, which is then renamed over the key (no half-written key is ever visible). "
            + "Strings, lists, sets, sorted sets and hashes; streams, module values and hashes with field expiry "
            + "always go as one RESTORE.")
    String bigKeySize;

    @Option(names = "--db", paramLabel = "N", description = "With --into: only keys of source database N "
            + "(repeatable).")
    List<Integer> dbs = new ArrayList<>();

    @Option(names = "--key", paramLabel = "GLOB", description = "With --into: only keys matching GLOB (Redis "
            + "glob, as SCAN MATCH; repeatable: any of them).")
    List<String> keyGlobs = new ArrayList<>();

    @Option(names = "--exclude-key", paramLabel = "GLOB", description = "With --into: leave out keys matching "
            + "GLOB (repeatable).")
    List<String> excludeGlobs = new ArrayList<>();

    @Option(names = "--type", paramLabel = "TYPE", description = "With --into: only keys of this type: string, "
            + "list, set, zset, hash, stream, module (repeatable).")
    List<String> types = new ArrayList<>();

    @Option(names = "--db-map", paramLabel = "FROM:TO", description = "With --into: write the keys of source "
            + "database FROM into database TO (repeatable).")
    List<String> dbMap = new ArrayList<>();

    @Option(names = "--keys-from", paramLabel = "FILE", description = "With --into: only the keys listed in FILE, "
            + "one a line.")
    Path keysFrom;

    @Mixin
    ThrottleOptions throttle;

    @Option(names = "--no-functions", description = "With --into: leave function libraries out. They go in "
            + "(FUNCTION LOAD, under the --on-conflict policy) unless a key filter narrows the restore.")
    boolean noFunctions;

    @Option(names = "--force", description = "Replace an existing DIR/dump.rdb (or DIR/appendonlydir); never one "
            + "that is a symbolic link.")
    boolean force;

    @Option(names = "--after", paramLabel = "TIME", converter = TimeConverter.class, description = "With --before: "
            + "only a command at or after TIME (its #TS second) counts.")
    Long after;

    @Option(names = "--timeline", paramLabel = "ID", description = "With a point in time: the timeline to restore "
            + "from (an id or its start, as `redback status` lists them). Default: the newest whose window holds "
            + "the point.")
    String timeline;

    @Option(names = "--format", paramLabel = "aof|rdb", defaultValue = "aof", description = "With a point in time: "
            + "aof writes DIR/appendonlydir (the default), rdb one DIR/dump.rdb (needs redis-server, as --start).")
    String format;

    @Mixin
    DryRunOption plan;

    @Option(names = "--json", description = "With a point in time or --into: print the plan and the result as one "
            + "JSON document (--into: restored, skipped, failed, expired, conflicts, lossy, elapsedMs, and the first "
            + "skippedKeys, failedKeys, conflictKeys).")
    boolean json;

    @Option(names = "--start", description = "Load the restored RDB into a throwaway redis-server, compare its keys "
            + "per database with the snapshot, then stop it.")
    boolean start;

    @Mixin
    SourceNameOption name;

    @Mixin
    QuietOption progress;

    @Mixin
    RepoOptions repo;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private PrintWriter out;
    private PrintWriter err;

    @Override
    public Integer call() {
        out = Terminal.out(spec);
        err = Terminal.err(spec);
        if ((toDir == null) == (into == null)) {
            err.println("redback restore: give where to restore: --to-dir DIR (files) or --into URI (a running server)");
            return Main.USAGE;
        }
        if (into != null) {
            if (force || start || !"aof".equals(format)) {
                err.println("redback restore: --force, --start and --format go with --to-dir");
                return Main.USAGE;
            }
            return new RestoreIntoServer(this, out, err).run();
        }
        if (!dbs.isEmpty() || !keyGlobs.isEmpty() || !excludeGlobs.isEmpty() || !types.isEmpty() || !dbMap.isEmpty()
                || keysFrom != null || noFunctions || !"fail".equals(onConflict) || lossy.given()) {
            err.println("redback restore: --on-conflict, --lossy, --db, --key, --exclude-key, --type, --db-map, --keys-from and "
                    + "--no-functions go with --into");
            return Main.USAGE;
        }
        if (RestorePointInTime.asked(what)) {
            return new RestorePointInTime(this, out, err).run();
        }
        if (after != null || timeline != null || plan.dryRun || json || !"aof".equals(format)) {
            err.println("redback restore: --after, --timeline, --format, --dry-run and --json go with a point in time "
                    + "(--at, --offset, --before or --mark)");
            return Main.USAGE;
        }
        Path dir = toDir.toAbsolutePath().normalize();
        Path target = dir.resolve("dump.rdb");
        SnapshotRestore.Result r;
        try {
            if (what().snapshot != null && SnapshotId.isId(what().snapshot)) {
                try (Storage storage = repo.openStorage()) {
                    Repository repository = repo.open(storage);
                    java.util.Optional<ClusterSnapshot> cluster = ClusterSnapshots.exact(repository, what().snapshot);
                    if (cluster.isPresent()) {
                        return restoreCluster(repository, cluster.get(), dir);
                    }
                }
            }
            SnapshotRestore.prepare(dir, force); // refused before the repository is opened
            if (what().snapshot != null) {
                try (Storage storage = repo.openStorage()) {
                    Repository repository = repo.open(storage);
                    SnapshotManifest m = repository.catalog().find(name.given(), what().snapshot);
                    AtomicLong rawBytes = new AtomicLong();
                    Progress p = Progress.start("restore", m.rawSize(), rawBytes::get, !progress.quiet);
                    try (p) {
                        r = new SnapshotRestore(rawBytes, (phase, took) -> {
                            if (phase == Phase.FETCH && p != null) {
                                p.close(); // the bar is the download's
                            }
                        }).toDir(new SnapshotRestore.Snapshot(storage, m), dir, force);
                    }
                }
            } else {
                r = new SnapshotRestore(new AtomicLong(), PhaseListener.NONE)
                        .toDir(new SnapshotRestore.PlainRdb(what().fromRdb, repo.env()), dir, force);
            }
        } catch (RestoreException e) {
            if (!e.dataProblem()) {
                err.println("redback restore: " + e.getMessage());
                return Main.USAGE;
            }
            err.println("redback restore: " + e.getMessage() + "; nothing was restored"
                    + (Files.exists(target) ? " (" + target + " is untouched)" : ""));
            return Main.PROBLEM;
        } catch (IOException | RuntimeException e) {
            err.println("redback restore: " + Text.message(e));
            return Main.USAGE;
        }
        SnapshotManifest m = r.manifest();
        RdbCheckReport report = r.report();
        String restored = m != null ? "snapshot " + m.id() + " of " + m.source() : what().fromRdb;
        out.println("restored " + restored + " to " + target);
        out.println("  verified   " + (m != null ? "SHA-256 of the stored object and of the RDB match the manifest; "
                : "") + "every key and structure read, " + report.checksum().phrase());
        out.println("  keys       " + Text.count(report.keys()) + " in " + report.keysPerDbAndType().size()
                + " database(s), " + Text.count(report.keysAlreadyExpired()) + " already expired");
        out.println("  size       " + Text.size(report.size()) + " RDB version " + report.header().version());
        out.println("start Redis on it with:");
        out.println("  redis-server --dir " + ShellQuote.quote(dir.toString()) + " --dbfilename dump.rdb");
        out.flush();
        if (!start) {
            return Main.OK;
        }
        try {
            return printLoadCheck(LoadCheck.run(RedisServerBinary.require(repo.env()), dir, PhaseListener.NONE));
        } catch (RestoreException e) {
            err.println("redback restore: " + e.getMessage());
            return Main.PROBLEM;
        } catch (IOException | RuntimeException e) {
            err.println("redback restore: " + Text.message(e));
            return Main.USAGE;
        }
    }

    /** A cluster snapshot: one directory per shard and cluster.json (see ClusterSnapshots.toDir). */
    private int restoreCluster(Repository repository, ClusterSnapshot cluster, Path dir) throws IOException, RestoreException {
        if (start) {
            err.println("redback restore: --start is not available for a cluster snapshot yet; start one redis-server "
                    + "per shard directory");
            return Main.USAGE;
        }
        ClusterSnapshots.Restored r = ClusterSnapshots.toDir(repository, cluster, dir, force);
        out.println("restored cluster snapshot " + cluster.id() + " of " + cluster.cluster() + " to " + r.dir()
                + " (" + r.shardDirs().size() + " shards, cluster.json says which slots each holds)");
        for (int i = 0; i < r.shardDirs().size(); i++) {
            ClusterSnapshot.ShardSnapshot s = cluster.shards().get(i);
            out.println("  " + r.dir().relativize(r.shardDirs().get(i)) + "/dump.rdb  slots " + String.join(",", s.slots())
                    + ", " + Text.count(r.results().get(i).report().keys()) + " keys, verified");
        }
        out.flush();
        return Main.OK;
    }

    private What what() {
        return what;
    }

    /** --start: what the throwaway server loaded against the RDB's counts less expired keys. */
    private int printLoadCheck(LoadCheck.Result r) {
        out.println("started a throwaway redis-server " + r.version() + " on " + r.host() + ":" + r.port() + " (pid "
                + r.pid() + "); it has loaded dump.rdb");
        for (LoadedKeys.Db db : r.keys().dbs()) {
            out.println("  db " + db.db() + "  " + Text.count(db.loaded()) + " keys loaded, "
                    + (db.least() == db.most() ? Text.count(db.most())
                    : Text.count(db.least()) + ".." + Text.count(db.most())) + " expected ("
                    + Text.count(db.inRdb()) + " in the RDB less those already expired)"
                    + (db.matches() ? "" : "  MISMATCH"));
        }
        out.println("stopped the throwaway redis-server (its log is " + r.log()
                + "); use the command above for one that keeps running");
        out.flush();
        if (!r.matches()) {
            err.println("redback restore: redis-server loaded other key counts than the RDB holds");
            return Main.PROBLEM;
        }
        return Main.OK;
    }

}
