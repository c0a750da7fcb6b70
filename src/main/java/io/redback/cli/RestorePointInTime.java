package io.redback.cli;

import io.redback.aof.AofTime;
import io.redback.aof.CommandPattern;
import io.redback.aof.CutPoint;
import io.redback.aof.CutReport;
import io.redback.cluster.ClusterPointInTime;
import io.redback.pitr.Plan;
import io.redback.pitr.Planner;
import io.redback.pitr.RestoreException;
import io.redback.pitr.RestoreResult;
import io.redback.pitr.RestoreWriter;
import io.redback.pitr.Window;
import io.redback.redis.RedisServerBinary;
import io.redback.repo.Repository;
import io.redback.storage.Storage;
import io.redback.restore.PointInTimeRestore;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code redback restore --at | --offset | --before}: the cut from the options, then the plan
 * (printed) and unless {@code --dry-run} the restore as {@code DIR/appendonlydir} or
 * {@code DIR/dump.rdb}, both {@link PointInTimeRestore}'s work, and the result printed. The
 * options are {@link RestoreCommand}'s; this class is the part of the command that needs the log.
 */
final class RestorePointInTime {
    private final RestoreCommand command;
    private final PrintWriter out;
    private final PrintWriter err;

    RestorePointInTime(RestoreCommand command, PrintWriter out, PrintWriter err) {
        this.command = command;
        this.out = out;
        this.err = err;
    }

    /** Whether the command asks for a point in time rather than a snapshot or a file. */
    static boolean asked(RestoreCommand.What what) {
        return what.at != null || what.offset != null || what.before != null || what.mark != null;
    }

    int run() {
        Instant now = Instant.now();
        CutPoint point;
        RestoreWriter.Format format;
        try {
            point = point(now);
            format = format(command.format);
            if (command.start) {
                throw new IllegalArgumentException("--start goes with --snapshot and --from-rdb; a point-in-time "
                        + "restore prints the redis-server command that starts on its result");
            }
        } catch (IllegalArgumentException e) {
            err.println("redback restore: " + e.getMessage());
            return Main.USAGE;
        }
        Path target = RestoreWriter.target(command.toDir, format);
        boolean targetExists = java.nio.file.Files.exists(target, java.nio.file.LinkOption.NOFOLLOW_LINKS);
        RestoreClusterPoint cluster = new RestoreClusterPoint(command, out, err);
        try (Storage storage = command.repo.openStorage()) {
            AtomicLong bytes = new AtomicLong();
            Repository repository = command.repo.open(storage);
            String clusterName = RestoreClusterPoint.cluster(repository, command.name.given());
            if (command.what.mark != null) {
                clusterName = RestoreClusterPoint.markCluster(repository, command.name.given());
            }
            if (clusterName != null) {
                try {
                    return cluster.run(repository, clusterName, point, format, now, bytes);
                } catch (RestoreException e) {
                    cluster.refused(e);
                    return e.dataProblem() ? Main.PROBLEM : Main.USAGE;
                } catch (IllegalArgumentException e) {
                    err.println("redback restore: " + e.getMessage());
                    return Main.USAGE;
                }
            }
            if (targetExists && !command.force && !command.plan.dryRun) {
                // Thrown, not printed here: with --json the refusal is a JSON document too.
                throw new RestoreException(RestoreException.Kind.TARGET_EXISTS, target + " already exists: add "
                        + "--force to replace it, or choose another --to-dir");
            }
            PointInTimeRestore restore = new PointInTimeRestore(repository, bytes);
            Plan plan = restore.plan(command.name.given(), point, command.timeline);
            if (!command.json) {
                printPlan(plan);
            }
            if (command.plan.dryRun) {
                if (command.json) {
                    out.println(Json.write(RestoreJson.PointInTime.of(plan, null)));
                } else {
                    if (targetExists && !command.force) {
                        out.println("  note       " + target + " exists: the restore needs --force to replace it");
                    }
                    out.println("dry run: nothing was written");
                }
                return Main.OK;
            }
            Path redisServer = format == RestoreWriter.Format.RDB ? RedisServerBinary.require(command.repo.env()) : null;
            RestoreResult result;
            try (Progress p = Progress.start("restore", PointInTimeRestore.bytes(plan), bytes::get,
                    !command.progress.quiet && !command.json)) {
                result = restore.write(plan, command.toDir, format, command.force, redisServer, now);
            }
            if (command.json) {
                out.println(Json.write(RestoreJson.PointInTime.of(plan, result)));
            } else {
                printResult(plan, result);
            }
            return Main.OK;
        } catch (RestoreException e) {
            if (command.json) {
                out.println(Json.write(RestoreJson.Failure.of(e)));
            }
            err.println("redback restore: " + e.getMessage());
            if (!e.windows().isEmpty() && !command.json) {
                err.println("restorable windows of the source:");
                for (Window w : e.windows()) {
                    err.println("  timeline " + w.timeline() + "  " + w.describe());
                }
            }
            return e.dataProblem() ? Main.PROBLEM : Main.USAGE;
        } catch (IOException | RuntimeException e) {
            err.println("redback restore: " + Text.message(e));
            return Main.USAGE;
        } finally {
            out.flush();
            err.flush();
        }
    }

    private int exit = Main.OK;
    private String described;
    private List<ClusterPointInTime.ShardRdb> clusterShards;

    /**
     * For {@code --into}: plans the point, prints the plan (unless --json) and materialises it as
     * one dump.rdb in {@code work} ({@link PointInTimeRestore#materialise}), so what goes into the
     * target is exactly what a file restore would give.
     * Returns null (see {@link #exitCode()}) when it cannot.
     */
    Path materialise(Path work) throws IOException {
        Instant now = Instant.now();
        try {
            CutPoint point = point(now);
            try (Storage storage = command.repo.openStorage()) {
                AtomicLong bytes = new AtomicLong();
                Repository repository = Repository.open(storage);
                String cluster = command.what.mark != null
                        ? RestoreClusterPoint.markCluster(repository, command.name.given())
                        : RestoreClusterPoint.cluster(repository, command.name.given());
                if (cluster != null) {
                    return materialiseCluster(repository, cluster, point, work, now);
                }
                PointInTimeRestore restore = new PointInTimeRestore(repository, bytes);
                Plan plan = restore.plan(command.name.given(), point, command.timeline);
                if (!command.json) {
                    printPlan(plan);
                }
                Path redisServer = RedisServerBinary.require(command.repo.env());
                RestoreResult result;
                try (Progress p = Progress.start("materialise", PointInTimeRestore.bytes(plan), bytes::get,
                        !command.progress.quiet && !command.json)) {
                    result = restore.materialise(plan, work, redisServer, now);
                }
                described = PointInTimeRestore.describe(plan);
                return result.target();
            }
        } catch (IllegalArgumentException e) {
            err.println("redback restore: " + e.getMessage());
            exit = Main.USAGE;
        } catch (RestoreException e) {
            err.println("redback restore: " + e.getMessage() + "; nothing was written to " + command.into);
            if (!e.windows().isEmpty() && !command.json) {
                err.println("restorable windows of the source:");
                for (Window w : e.windows()) {
                    err.println("  timeline " + w.timeline() + "  " + w.describe());
                }
            }
            if (command.json) {
                out.println(Json.write(RestoreJson.Failure.of(e)));
            }
            exit = e.dataProblem() ? Main.PROBLEM : Main.USAGE;
        }
        return null;
    }

    /**
     * A cluster's point for {@code --into}: every shard planned (the plan and skew bound printed
     * unless --json), then each shard's RDB materialised under work; returns the first shard's
     * file and keeps all of them for {@link #clusterShards()}.
     */
    private Path materialiseCluster(Repository repository, String cluster, CutPoint point, Path work, Instant now)
            throws IOException, RestoreException {
        if (command.timeline != null) {
            err.println("redback restore: " + new RestoreClusterPoint(command, out, err).timelineRefusal(cluster));
            exit = Main.USAGE;
            return null;
        }
        ClusterPointInTime restore = new ClusterPointInTime(repository);
        RestoreClusterPoint text = new RestoreClusterPoint(command, out, err);
        ClusterPointInTime.ClusterPlan plan = text.plan(restore, repository, cluster, point);
        if (!command.json) {
            text.printPlan(plan);
        }
        Path redisServer = RedisServerBinary.require(command.repo.env());
        AtomicLong bytes = new AtomicLong();
        try (Progress p = Progress.start("materialise", plan.bytes(), bytes::get,
                !command.progress.quiet && !command.json)) {
            clusterShards = restore.materialise(plan, work, redisServer, now, bytes);
        }
        described = "cluster " + cluster + " (" + plan.describePoint() + ", " + plan.shards().size() + " shards)";
        return clusterShards.isEmpty() ? null : clusterShards.get(0).rdb();
    }

    /** Each shard's RDB when {@link #materialise} restored a cluster's point; null otherwise. */
    List<ClusterPointInTime.ShardRdb> clusterShards() {
        return clusterShards;
    }

    /** The exit code when {@link #materialise} returned null. */
    int exitCode() {
        return exit;
    }

    /** What {@link #materialise} restored, for the report. */
    String described() {
        return described;
    }

    private CutPoint point(Instant now) {
        RestoreCommand.What what = command.what;
        if (command.after != null && what.before == null) {
            throw new IllegalArgumentException("--after goes with --before");
        }
        if (what.mark != null) {
            return null; // the mark holds each shard's offset
        }
        if (what.at != null) {
            return new CutPoint.At(what.at);
        }
        if (what.offset != null) {
            return Planner.parseOffset(what.offset);
        }
        long after = command.after == null ? -1 : command.after;
        return new CutPoint.Before(CommandPattern.parse(what.before), after);
    }

    static RestoreWriter.Format format(String text) {
        return switch (text.toLowerCase(Locale.ROOT)) {
            case "aof" -> RestoreWriter.Format.AOF;
            case "rdb" -> RestoreWriter.Format.RDB;
            default -> throw new IllegalArgumentException("--format " + text + ": expected aof (a Redis 7 appendonlydir: "
                    + "the snapshot as base, the log as incr) or rdb (one dump.rdb)");
        };
    }

    // ------------------------------------------------------------------ text

    private void printPlan(Plan p) {
        out.println("restore plan for source " + p.source() + " (" + p.point().describe() + ")");
        out.println("  timeline   " + p.timeline() + "  (window " + p.window().describe() + ")");
        out.println("  snapshot   " + p.snapshot().id() + " at offset " + p.fromOffset() + " (taken "
                + p.snapshot().startedAt() + "), "
                + Text.keys(p.snapshot().totalKeys()) + ", " + Text.size(p.snapshot().rawSize()) + " RDB");
        if (p.segments().isEmpty()) {
            out.println("  log        none to replay");
        } else {
            out.println("  log        " + p.segments().size() + " segment(s), " + Text.size(p.storedBytes())
                    + " stored, offsets " + p.fromOffset() + ".." + p.cutOffset() + " ("
                    + Text.count(p.replayBytes()) + " bytes of commands)");
        }
        out.println("  cut        at offset " + p.cutOffset() + "; the last byte kept arrived " + p.cutTime()
                + adjustment(p.adjustment()));
        if (p.matched() != null) {
            Plan.Matched m = p.matched();
            out.println("  before     " + m.command() + "  (offset " + m.offset() + ", db " + m.db()
                    + (m.time() >= 0 ? ", " + AofTime.iso(m.time()) : "") + ")");
        }
        out.println("  replay     " + Text.count(p.commands()) + " command(s), starting on db " + p.startDb()
                + (p.dropped() > 0 ? " (" + Text.count(p.dropped()) + " PING/REPLCONF of the stream left out)" : ""));
        for (String note : p.notes()) {
            out.println("  note       " + note);
        }
        out.flush();
    }

    private static String adjustment(CutReport.Adjustment a) {
        return switch (a) {
            case NONE -> "";
            case ROUNDED_DOWN -> " (rounded down to a command boundary)";
            case BEFORE_MULTI -> " (moved before a MULTI)";
        };
    }

    private void printResult(Plan p, RestoreResult r) {
        out.println("restored source " + p.source() + " as of offset " + p.cutOffset() + " (" + p.cutTime() + ") to "
                + r.target());
        out.println("  base       " + (r.format() == RestoreWriter.Format.AOF ? "appendonly.aof.1.base.rdb: " : "")
                + "snapshot " + p.snapshot().id() + ", " + Text.keys(r.baseKeys()) + "; sizes and SHA-256 "
                + "match the manifest, every key read, " + r.baseChecksum().phrase());
        out.println("  log        " + (r.format() == RestoreWriter.Format.AOF ? "appendonly.aof.1.incr.aof: " : "")
                + Text.count(r.commands()) + " command(s) from " + r.segments() + " segment(s), "
                + Text.size(r.incrBytes()) + (r.segments() > 0 ? "; sizes and SHA-256 of every segment match" : ""));
        if (r.format() == RestoreWriter.Format.RDB) {
            out.println("  result     dump.rdb: " + Text.keys(r.resultKeys()) + ", saved by redis-server from "
                    + "the snapshot and the log, then checked");
        }
        out.println("  expired    " + Text.keys(r.expired()) + " had expired by now and stay dead ("
                + Text.count(r.expiredInSnapshot()) + " in the snapshot, " + Text.count(r.expiredByLog())
                + " given a past deadline by the log)");
        out.println("start Redis on it with:");
        out.println("  " + ShellQuote.join(r.serverCommand()));
    }
}
