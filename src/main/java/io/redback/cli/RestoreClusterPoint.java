package io.redback.cli;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.redback.aof.CutPoint;
import io.redback.cluster.ClusterMark;
import io.redback.cluster.ClusterPointInTime;
import io.redback.cluster.ClusterSources;
import io.redback.pitr.RestoreException;
import io.redback.pitr.RestoreResult;
import io.redback.pitr.RestoreWriter;
import io.redback.pitr.Window;
import io.redback.redis.RedisServerBinary;
import io.redback.repo.Repository;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code redback restore --at | --before} of a cluster ({@code --name CLUSTER}, or the one
 * cluster of the repository): the plan of every shard and the skew bound between them (printed),
 * then unless {@code --dry-run} one directory per shard and {@code cluster.json}, all
 * {@link ClusterPointInTime}'s work.
 */
final class RestoreClusterPoint {
    private final RestoreCommand command;
    private final PrintWriter out;
    private final PrintWriter err;

    RestoreClusterPoint(RestoreCommand command, PrintWriter out, PrintWriter err) {
        this.command = command;
        this.out = out;
        this.err = err;
    }

    /**
     * The cluster a point-in-time restore is about, or null for a single source: the name given
     * when it has no log of its own and is a cluster; without a name, the repository's only
     * cluster when no single source has a log.
     */
    static String cluster(Repository repository, String name) throws IOException {
        if (name != null) {
            if (!repository.timelines().of(Repository.checkSourceName(name)).isEmpty()) {
                return null;
            }
            return ClusterSources.isCluster(repository, name) ? name : null;
        }
        if (repository.timelines().sources().size() == 1) {
            return null;
        }
        return ClusterSources.only(repository).orElse(null);
    }

    /**
     * The cluster a {@code --mark} restore is about: the name given (a source with a log of its own
     * is no cluster), else the repository's only cluster.
     *
     * @throws RestoreException NOT_FOUND when there is none
     */
    static String markCluster(Repository repository, String name) throws IOException, RestoreException {
        if (name != null) {
            if (!repository.timelines().of(Repository.checkSourceName(name)).isEmpty()) {
                throw new RestoreException(RestoreException.Kind.NOT_FOUND, "--mark restores every shard of a cluster, "
                        + "and " + name + " is a source with a log of its own: give --name CLUSTER; nothing was written");
            }
            return name;
        }
        return ClusterSources.only(repository).orElseThrow(() -> new RestoreException(RestoreException.Kind.NOT_FOUND,
                "--mark restores every shard of a cluster: give --name CLUSTER (" + repository.describe()
                        + " holds no single cluster); nothing was written"));
    }

    /** The plan of a cluster restore: at the mark --mark names, or at point. */
    ClusterPointInTime.ClusterPlan plan(ClusterPointInTime restore, Repository repository, String cluster,
                                        CutPoint point) throws IOException, RestoreException {
        if (command.what.mark == null) {
            return restore.plan(cluster, point);
        }
        ClusterMark mark = ClusterMark.find(repository, cluster, Repository.checkSourceName(command.what.mark))
                .orElseThrow(() -> new RestoreException(RestoreException.Kind.NOT_FOUND, "cluster " + cluster
                        + " has no mark named " + command.what.mark + " in " + repository.describe()
                        + ": `redback cluster mark` takes one; nothing was written"));
        return restore.plan(mark);
    }

    /** Refuses --timeline for a cluster: each shard has its own (the mark's, or the newest holding the point). */
    String timelineRefusal(String cluster) {
        return "--timeline names one source's timeline; cluster " + cluster + "'s shards each have their own ("
                + (command.what.mark != null ? "the mark records each shard's"
                : "each shard's newest timeline holding the point is used") + ")";
    }

    int run(Repository repository, String cluster, CutPoint point, RestoreWriter.Format format, Instant now,
            AtomicLong bytes) throws IOException, RestoreException {
        if (command.timeline != null) {
            err.println("redback restore: " + timelineRefusal(cluster));
            return Main.USAGE;
        }
        ClusterPointInTime restore = new ClusterPointInTime(repository);
        ClusterPointInTime.ClusterPlan plan = plan(restore, repository, cluster, point);
        if (!command.json) {
            printPlan(plan);
        }
        if (command.plan.dryRun) {
            if (command.json) {
                out.println(Json.write(ClusterJson.of(plan, null, true)));
            } else {
                out.println("dry run: nothing was written");
            }
            return Main.OK;
        }
        Path redisServer = format == RestoreWriter.Format.RDB ? RedisServerBinary.require(command.repo.env()) : null;
        ClusterPointInTime.Restored result;
        try (Progress p = Progress.start("restore", plan.bytes(), bytes::get, !command.progress.quiet && !command.json)) {
            result = restore.toDir(plan, command.toDir, format, command.force, redisServer, now, bytes);
        }
        if (command.json) {
            out.println(Json.write(ClusterJson.of(plan, result, false)));
        } else {
            printResult(plan, result);
        }
        return Main.OK;
    }

    /** Prints a refusal of a cluster restore (the shard it names, the windows of that shard). */
    void refused(RestoreException e) {
        if (command.json) {
            out.println(Json.write(RestoreJson.Failure.of(e)));
        }
        err.println("redback restore: " + e.getMessage());
        if (!e.windows().isEmpty() && !command.json) {
            err.println("restorable windows of that shard:");
            for (Window w : e.windows()) {
                err.println("  timeline " + w.timeline() + "  " + w.describe());
            }
        }
    }

    void printPlan(ClusterPointInTime.ClusterPlan p) {
        if (p.mark() != null) {
            out.println("restore plan for cluster " + p.cluster() + " (" + p.describePoint() + "): "
                    + p.shards().size() + " shards, each at the offset mark " + p.mark().name() + " (taken "
                    + p.mark().createdAt() + ") records");
        } else {
            out.println("restore plan for cluster " + p.cluster() + " (" + p.describePoint() + "): "
                    + p.shards().size() + " shards, as cluster snapshot " + p.topology().id() + " (started "
                    + p.topology().startedAt() + ") has them");
        }
        for (ClusterPointInTime.ShardCut s : p.shards()) {
            var plan = s.plan();
            out.println("  " + s.dir() + "  slots " + String.join(",", s.shard().slots()) + "  source " + plan.source()
                    + ", timeline " + plan.timeline());
            out.println("           snapshot " + plan.snapshot().id() + " at offset " + plan.fromOffset() + ", "
                    + Text.count(plan.commands()) + " command(s) from " + plan.segments().size() + " segment(s), cut at "
                    + "offset " + plan.cutOffset());
            if (plan.matched() != null) {
                out.println("           before   " + plan.matched().command() + " (offset " + plan.matched().offset()
                        + ")");
            }
            out.println("           current  " + s.lastKept() + " .. " + s.nextArrival()
                    + (s.logEnds() ? " (its log ends at the cut)" : " (next byte's arrival)"));
            for (String note : plan.notes()) {
                out.println("           note     " + note);
            }
        }
        out.println("  skew bound " + (p.mark() != null ? "0 ms by construction: writes were paused on every primary "
                + "while the mark read each shard's offset, so every shard is cut at the same instant ("
                + p.mark().createdAt() + ")" : skewLine(p.skew())));
        out.flush();
    }

    static String skewLine(ClusterPointInTime.Skew s) {
        String resolution = " (arrival times to " + s.resolutionMs() + " ms)";
        if (s.common() != null) {
            return "0 ms" + resolution + ": every shard is as redback had received it at " + s.common();
        }
        return s.boundMs() + " ms" + resolution + ": shard " + s.latestKeptShard() + " keeps a write that arrived "
                + s.latestKept() + ", after shard " + s.earliestNextShard() + "'s cut (its next write arrived "
                + s.earliestNext() + ")";
    }

    private void printResult(ClusterPointInTime.ClusterPlan p, ClusterPointInTime.Restored r) {
        out.println("restored cluster " + p.cluster() + " (" + p.describePoint() + ") to " + r.dir() + " ("
                + r.shardDirs().size() + " shards, cluster.json says which slots each holds)");
        for (int i = 0; i < r.shardDirs().size(); i++) {
            RestoreResult result = r.results().get(i);
            ClusterPointInTime.ShardCut s = p.shards().get(i);
            String content = result.resultKeys() >= 0
                    ? Text.keys(result.resultKeys()) + " (from a snapshot of " + Text.keys(result.baseKeys()) + " and "
                    + Text.count(result.commands()) + " command(s) of the log)"
                    : "base " + Text.keys(result.baseKeys()) + ", " + Text.count(result.commands())
                    + " command(s) of the log";
            out.println("  " + r.dir().relativize(result.target()) + "  slots " + String.join(",", s.shard().slots())
                    + ", " + content + ", verified; " + Text.count(result.expired()) + " expired stay dead");
        }
        out.println("start Redis on each with:");
        for (RestoreResult result : r.results()) {
            out.println("  " + ShellQuote.join(result.serverCommand()));
        }
    }

    /** {@code restore --json} of a cluster: the cluster, the point, the skew, each shard's plan and result. */
    record ClusterJson(String cluster, String point, String clusterSnapshot,
                       @JsonInclude(JsonInclude.Include.NON_NULL) String mark, boolean dryRun, SkewJson skew,
                       List<ShardJson> shards) {
        static ClusterJson of(ClusterPointInTime.ClusterPlan p, ClusterPointInTime.Restored r, boolean dryRun) {
            List<ShardJson> shards = new ArrayList<>();
            for (int i = 0; i < p.shards().size(); i++) {
                ClusterPointInTime.ShardCut s = p.shards().get(i);
                shards.add(new ShardJson(s.shard().index(), s.dir(), s.shard().slots(), s.lastKept().toString(),
                        s.nextArrival().toString(), s.logEnds(), RestoreJson.PointInTime.of(s.plan(),
                        r == null ? null : r.results().get(i))));
            }
            ClusterPointInTime.Skew k = p.skew();
            return new ClusterJson(p.cluster(), p.describePoint(), p.topology() == null ? null : p.topology().id(),
                    p.mark() == null ? null : p.mark().name(), dryRun,
                    new SkewJson(k.boundMs(), k.resolutionMs(), k.common() == null ? null : k.common().toString()),
                    shards);
        }
    }

    record SkewJson(long boundMs, long resolutionMs, String common) {
    }

    record ShardJson(int index, String dir, List<String> slots, String lastKept, String nextArrival, boolean logEnds,
                     RestoreJson.PointInTime restore) {
    }
}
