package io.redback.cli;

import io.redback.cluster.ClusterException;
import io.redback.cluster.ClusterPointInTime;
import io.redback.cluster.ClusterRestore;
import io.redback.cluster.ClusterSnapshot;
import io.redback.cluster.ClusterSnapshots;
import io.redback.pitr.RestoreException;
import io.redback.redis.RedisConnector;
import io.redback.redis.RedisUri;
import io.redback.repo.Quantities;
import io.redback.repo.Repository;
import io.redback.repo.SnapshotId;
import io.redback.repo.SnapshotManifest;
import io.redback.storage.Storage;
import io.redback.restore.KeyFilter;
import io.redback.restore.LiveReport;
import io.redback.restore.LiveRestore;
import io.redback.restore.OnConflict;
import io.redback.restore.PhaseListener;
import io.redback.restore.SnapshotRestore;
import io.redback.restore.WorkFolder;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code redback restore ... --into redis://HOST:PORT}: brings the source RDB (a snapshot,
 * verified on download; a plain RDB; or a point in time materialised as one) to a local file and
 * hands it to {@link LiveRestore}, then prints the report; into a Redis Cluster (detected from
 * {@code cluster_enabled:1}, or {@code --cluster}), or from a cluster snapshot (every shard's RDB),
 * through {@link ClusterRestore}. The options are {@link RestoreCommand}'s.
 */
final class RestoreIntoServer {
    private final RestoreCommand command;
    private final PrintWriter out;
    private final PrintWriter err;

    RestoreIntoServer(RestoreCommand command, PrintWriter out, PrintWriter err) {
        this.command = command;
        this.out = out;
        this.err = err;
    }

    int run() {
        try (WorkFolder folder = WorkFolder.create("redback-restore-")) {
            RedisUri uri = command.targetConnection.apply(RedisUri.parse(command.into));
            LiveRestore.Options options = options();
            Path work = folder.path();
            String what;
            Path rdb;
            List<Path> shards = null;
            List<java.util.BitSet> slotsHeld = null;
            if (command.what.snapshot != null) {
                try (Storage storage = command.repo.openStorage()) {
                    Repository repository = Repository.open(storage);
                    java.util.Optional<ClusterSnapshot> cluster = SnapshotId.isId(command.what.snapshot)
                            ? ClusterSnapshots.exact(repository, command.what.snapshot) : java.util.Optional.empty();
                    if (cluster.isPresent()) {
                        ClusterSnapshot cs = cluster.get();
                        AtomicLong bytes = new AtomicLong();
                        try (Progress p = Progress.start("download", ClusterRestore.rawSize(repository, cs), bytes::get,
                                showProgress())) {
                            shards = ClusterRestore.fetch(repository, cs, work, bytes);
                        }
                        slotsHeld = ClusterRestore.slotsHeld(cs);
                        rdb = null;
                        what = "cluster snapshot " + cs.id() + " of " + cs.cluster() + " (" + cs.shards().size()
                                + " shards)";
                    } else {
                        SnapshotManifest m = repository.catalog().find(command.name.given(), command.what.snapshot);
                        AtomicLong bytes = new AtomicLong();
                        SnapshotRestore.Source source = new SnapshotRestore.Snapshot(storage, m);
                        try (Progress p = Progress.start("download", m.rawSize(), bytes::get, showProgress())) {
                            rdb = new SnapshotRestore(bytes, PhaseListener.NONE).fetch(source, work);
                        }
                        what = source.describe();
                    }
                }
            } else if (command.what.fromRdb != null) {
                SnapshotRestore.Source source = new SnapshotRestore.PlainRdb(command.what.fromRdb, command.repo.env());
                rdb = new SnapshotRestore(new AtomicLong(), PhaseListener.NONE).fetch(source, work);
                what = source.describe();
            } else {
                RestorePointInTime pitr = new RestorePointInTime(command, out, err);
                rdb = pitr.materialise(work);
                if (rdb == null) {
                    return pitr.exitCode();
                }
                what = pitr.described();
                if (pitr.clusterShards() != null) {
                    shards = pitr.clusterShards().stream().map(ClusterPointInTime.ShardRdb::rdb).toList();
                    slotsHeld = ClusterRestore.slotsHeldBy(
                            pitr.clusterShards().stream().map(ClusterPointInTime.ShardRdb::slots).toList());
                }
            }
            ClusterRestore target = ClusterRestore.open(uri, command.cluster, options);
            if (!target.cluster() && shards == null) {
                return restore(uri, options, rdb, what);
            }
            return restoreMany(target, uri, shards == null ? List.of(rdb) : shards, slotsHeld,
                    shards == null ? ClusterRestore.Functions.FIRST_FILE : ClusterRestore.Functions.EVERY_FILE, what);
        } catch (RestoreException e) {
            err.println("redback restore: " + e.getMessage() + "; nothing was written to " + command.into);
            return e.dataProblem() ? Main.PROBLEM : Main.USAGE;
        } catch (IllegalArgumentException | ClusterException e) {
            err.println("redback restore: " + e.getMessage());
            return Main.USAGE;
        } catch (IOException | RuntimeException e) {
            err.println("redback restore: " + Text.message(e));
            return Main.USAGE;
        } finally {
            out.flush();
            err.flush();
        }
    }

    /** Restores a local RDB into the target and prints what happened; the exit code. */
    int restore(RedisUri uri, LiveRestore.Options options, Path rdb, String what) throws IOException {
        AtomicLong progress = new AtomicLong();
        LiveReport report;
        try (Progress p = Progress.start("restore", 2 * Files.size(rdb), progress::get, showProgress())) {
            report = new LiveRestore(RedisConnector.of(uri), options, progress).run(rdb, System.currentTimeMillis());
        }
        if (command.json) {
            out.println(Json.write(RestoreJson.Live.of(report, what, uri)));
        } else {
            print(report, what, uri);
        }
        if (report.message() != null && report.outcome() != LiveReport.Outcome.RESTORED
                && report.outcome() != LiveReport.Outcome.PLANNED) {
            err.println("redback restore: " + report.message());
        }
        return report.ok() ? Main.OK : Main.PROBLEM;
    }

    /**
     * Restores several files (a cluster snapshot's shards), or any source into a cluster, and prints
     * what happened: the sum over every node and file, and a line per node.
     */
    private int restoreMany(ClusterRestore target, RedisUri uri, List<Path> rdbs, List<java.util.BitSet> slotsHeld,
                            ClusterRestore.Functions functions, String what) throws IOException {
        if (target.cluster() && !command.json) {
            out.println(uri.address() + " is a node of a Redis Cluster (cluster_enabled:1) with " + target.primaries()
                    + " primaries: every key goes to the primary serving its slot");
            out.flush();
        }
        ClusterRestore.Result result;
        try (Progress p = Progress.start("restore", target.expectedBytes(rdbs, slotsHeld), target::progress, showProgress())) {
            result = target.run(rdbs, slotsHeld, functions, System.currentTimeMillis());
        }
        LiveReport report = result.total();
        if (command.json) {
            out.println(Json.write(RestoreJson.Live.of(report, what, uri)));
        } else {
            print(report, what, uri);
            ClusterRestore.restoredPerNode(result).forEach((node, n) -> out.println("  node       " + node + ": "
                    + Text.count(n) + (report.outcome() == LiveReport.Outcome.PLANNED ? " to restore" : " restored")));
            if (result.redirects() > 0 || result.refreshes() > 0) {
                out.println("  moved      " + Text.count(result.redirects()) + " command(s) followed a MOVED or ASK "
                        + "reply; the topology was read again " + result.refreshes() + " time(s)");
            }
        }
        if (report.message() != null && report.outcome() != LiveReport.Outcome.RESTORED
                && report.outcome() != LiveReport.Outcome.PLANNED) {
            err.println("redback restore: " + report.message());
        }
        return report.ok() ? Main.OK : Main.PROBLEM;
    }

    private boolean showProgress() {
        return !command.progress.quiet && !command.json;
    }

    /** The live-restore options from the command line. */
    LiveRestore.Options options() throws IOException {
        Map<Integer, Integer> dbMap = new HashMap<>();
        for (String m : command.dbMap) {
            String[] parts = m.split(":");
            try {
                if (parts.length != 2) {
                    throw new NumberFormatException();
                }
                dbMap.put(Integer.parseInt(parts[0].strip()), Integer.parseInt(parts[1].strip()));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--db-map " + m + ": expected FROM:TO, two database numbers");
            }
        }
        Set<ByteBuffer> keys = command.keysFrom == null ? null : KeyFilter.readKeys(command.keysFrom);
        Set<String> types = new HashSet<>();
        command.types.forEach(t -> types.add(t.toLowerCase(Locale.ROOT)));
        KeyFilter filter = new KeyFilter(new HashSet<>(command.dbs), command.keyGlobs, command.excludeGlobs, types,
                dbMap, keys);
        return LiveRestore.Options.defaults().withOnConflict(OnConflict.parse(command.onConflict)).withFilter(filter)
                .withLossy(command.lossy.policy())
                .withFunctions(!command.noFunctions && !filter.narrows()).withDryRun(command.plan.dryRun)
                .withThrottle(command.throttle.throttle())
                .withBigKeySize(positive("--big-key-size", Quantities.size("--big-key-size", command.bigKeySize)));
    }

    private static long positive(String option, long n) {
        if (n <= 0) {
            throw new IllegalArgumentException(option + " must be above 0");
        }
        return n;
    }

    // ------------------------------------------------------------------ output

    private void print(LiveReport r, String what, RedisUri uri) {
        String verb = switch (r.outcome()) {
            case RESTORED -> "restored";
            case PLANNED -> "would restore";
            default -> "did not restore";
        };
        out.println(verb + " " + what + " into " + uri + (r.target() == null ? "" : " (" + r.target() + ")"));
        out.println("  keys       " + Text.count(r.planned()) + " to restore (" + Text.size(r.valueBytes())
                + " of values" + perDb(r.plannedPerDb()) + "); " + Text.count(r.expired())
                + " expired (not sent), " + Text.count(r.filteredOut()) + " left out by the filters");
        if (r.outcome() != LiveReport.Outcome.PLANNED) {
            out.println("  result     " + Text.count(r.restored()) + " restored, " + Text.count(r.skipped())
                    + " skipped (the target's kept), " + Text.count(r.failed()) + " failed; "
                    + Text.size(r.sentBytes()) + " sent in " + seconds(r.elapsedMs())
                    + (r.reconnects() + r.retries() > 0 ? "; " + r.reconnects() + " reconnect(s), " + r.retries()
                    + " command(s) retried" : ""));
        }
        if (r.functionsRestored() + r.functionsSkipped() > 0) {
            out.println("  functions  " + r.functionsRestored() + " library(ies) loaded, " + r.functionsSkipped()
                    + " skipped");
        }
        if (r.conflicts() > 0) {
            out.println("  conflicts  " + Text.count(r.conflicts()) + " key(s) exist in the target");
        }
        if (r.lossy() > 0) {
            out.println("  lossy      " + Text.count(r.lossy()) + " key(s) the target holds only with something lost "
                    + "or not at all (--lossy " + command.lossy.lossy + ")");
        }
        list("conflict", r.conflictKeys());
        list("skipped", r.skippedKeys());
        list("failed", r.failedKeys());
        list("lossy", r.lossyKeys());
        if (r.message() != null) {
            out.println(r.message());
        }
    }

    private void list(String label, List<LiveReport.KeyRef> keys) {
        int shown = 0;
        for (LiveReport.KeyRef k : keys) {
            if (shown++ == 10) {
                out.println("  " + pad(label) + " ... (" + (keys.size() - 10) + " more listed with --json)");
                break;
            }
            out.println("  " + pad(label) + " " + (k.db() >= 0 ? "db " + k.db() + " " : "") + k.key() + ": "
                    + k.reason());
        }
    }

    private static String pad(String s) {
        return String.format("%-10s", s);
    }

    private static String perDb(Map<Integer, Long> perDb) {
        if (perDb.isEmpty()) {
            return "";
        }
        StringBuilder b = new StringBuilder();
        new java.util.TreeMap<>(perDb).forEach((db, n) -> b.append(b.length() == 0 ? "; " : ", ").append("db ").append(db).append(": ")
                .append(Text.count(n)));
        return b.toString();
    }

    private static String seconds(long ms) {
        return String.format(Locale.ROOT, "%.1f s", ms / 1000.0);
    }
}
