package io.redback.cli;

import io.redback.repo.Pruner;
import io.redback.repo.Repository;
import io.redback.repo.RepositoryLock;
import io.redback.repo.RetentionPolicy;
import io.redback.cluster.ClusterSnapshots;
import io.redback.cluster.ClusterSources;
import io.redback.repo.SkippedDocument;
import io.redback.storage.Storage;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code redback prune}: forgets snapshots by a restic-style retention policy, trims or removes
 * the timelines' logs no restore can reach any more, and removes garbage.
 */
@Command(name = "prune", mixinStandardHelpOptions = true,
        description = {"Forget snapshots by a retention policy (restic semantics), drop the log no restore can reach, "
                + "and remove garbage.",
                "",
                "Removes the snapshots no --keep-* rule keeps, with restic's `forget` semantics: walking "
                + "newest first, --keep-last N keeps the N newest, --keep-hourly N the newest snapshot of each of "
                + "the N newest hours that have one, and so on for days, ISO weeks, months and years (UTC); -1 "
                + "keeps every period. A snapshot any rule keeps stays. Each source is judged on its own.",
                "",
                "Timelines (the log `redback stream` ships): a point-in-time restore starts from a snapshot on "
                + "the timeline, so each timeline stays restorable from its oldest kept snapshot on, and the "
                + "segments that end at or before that snapshot go (one straddling it stays whole). A timeline "
                + "none of whose snapshots is kept goes whole, except the current one (the newest, where a stream "
                + "may be appending): it keeps its newest snapshot (\"base of the current timeline\").",
                "",
                "Cluster snapshots (`backup --cluster`) are judged by the same rules, cluster by cluster: one the "
                + "policy forgets has its manifest removed first, and every shard snapshot a kept one names stays "
                + "(\"cluster snapshot ID\"), whatever the shard source's own verdict, so that no cluster snapshot "
                + "ever names a snapshot that is gone. --name CLUSTER prunes the cluster's snapshots and the "
                + "sources of its shards (CLUSTER.shard-N).",
                "",
                "Also removes garbage older than a day: data of interrupted backups and uploads (no manifest) and "
                + "tmp/ objects.",
                "",
                "Never deletes on the strength of what it could not read: a source with a document that cannot be "
                + "read (a damaged manifest, timeline.json, segment manifest or stream.json, each warned about on "
                + "stderr) is left as it is, and the report says so; the other sources are pruned.",
                "",
                "--dry-run deletes nothing and prints what would go and why the rest stays.",
                "",
                "Takes the repository's lock (locks/ in the repository) for as long as it runs, so that no other "
                + "prune or compact changes the repository at the same time; if one holds it, prune stops with exit "
                + "2 and says which, where and since when. Backups and streams need no lock and may run beside it. "
                + "A lock not refreshed for 30 minutes is stale (its process is gone) and ignored; "
                + "`redback unlock` removes such locks. --dry-run takes no lock."},
        footerHeading = "%nExamples:%n",
        footer = {"  redback prune --keep-hourly 24 --keep-daily 30 --keep-weekly 52 --keep-monthly -1 --dry-run",
                "  redback prune --keep-last 3 --name cache-1 --json",
                "",
                "Exit codes: 0 done, 2 bad options, another prune or compact holds the lock, or the repository could "
                + "not be read or changed."})
public final class PruneCommand implements Callable<Integer> {
    @Mixin
    RepoOptions repo;

    @Option(names = "--keep-last", paramLabel = "N", defaultValue = "0", description = "Keep the N newest snapshots.")
    int last;

    @Option(names = "--keep-hourly", paramLabel = "N", defaultValue = "0", description = "Keep the newest of each of N hours.")
    int hourly;

    @Option(names = "--keep-daily", paramLabel = "N", defaultValue = "0", description = "Keep the newest of each of N days.")
    int daily;

    @Option(names = "--keep-weekly", paramLabel = "N", defaultValue = "0", description = "Keep the newest of each of N ISO weeks.")
    int weekly;

    @Option(names = "--keep-monthly", paramLabel = "N", defaultValue = "0", description = "Keep the newest of each of N months.")
    int monthly;

    @Option(names = "--keep-yearly", paramLabel = "N", defaultValue = "0", description = "Keep the newest of each of N years.")
    int yearly;

    @Mixin
    DryRunOption plan;

    @Mixin
    SourceNameOption only;

    @Mixin
    JsonOption output;

    @Mixin
    MetricsFileOption metrics;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = Terminal.out(spec);
        PrintWriter err = Terminal.err(spec);
        RetentionPolicy policy;
        String name;
        try {
            policy = new RetentionPolicy(last, hourly, daily, weekly, monthly, yearly);
            name = only.checked();
        } catch (IllegalArgumentException e) {
            err.println("redback prune: " + Text.message(e));
            return Main.USAGE;
        }
        try (Storage storage = repo.openStorage()) {
            Repository repository = repo.open(storage);
            Clock clock = Clock.systemUTC();
            Pruner.Report report;
            ClusterSnapshots.Retained clusters;
            // --name of a cluster: its cluster snapshots, and the sources of its shards.
            List<String> sources = name == null ? null : new ArrayList<>(List.of(name));
            if (name != null) {
                sources.addAll(ClusterSources.shardSources(repository, name));
            }
            try (RepositoryLock lock = ExclusiveLock.take(repository, spec, plan.dryRun, clock)) {
                // Cluster snapshots first: a kept one keeps its shards' snapshots, a forgotten one goes before them.
                clusters = ClusterSnapshots.retention(repository, policy, name);
                if (!plan.dryRun) {
                    ClusterSnapshots.remove(repository, clusters);
                }
                report = new Pruner(repository, clock).prune(policy, sources, plan.dryRun, clusters.pinned());
            }
            if (!plan.dryRun) {
                metrics.succeeded("prune", err, "prune", repository, sources == null ? repository.sources() : sources,
                        null);
            }
            if (output.json) {
                out.println(Json.write(ReportJson.of(report, clusters)));
            } else {
                printHuman(out, report, clusters, repository.describe());
            }
            out.flush();
            return Main.OK;
        } catch (IOException | RuntimeException e) {
            if (!plan.dryRun) {
                metrics.failed("prune", err, "prune", name == null ? List.of() : List.of(name), null);
            }
            err.println("redback prune: " + Text.message(e));
            return Main.USAGE;
        }
    }

    /** The {@code --json} report: every decision, every object removed (or to remove), what could not be read. */
    record ReportJson(
            boolean dryRun,
            String policy,
            List<SnapshotJson> snapshots,
            List<TimelineJson> timelines,
            List<RemovalJson> removals,
            long bytesRemoved,
            List<UnreadableJson> unreadable,
            List<String> sourcesLeftAsTheyAre,
            List<ClusterSnapshotJson> clusterSnapshots) {

        static ReportJson of(Pruner.Report report, ClusterSnapshots.Retained clusters) {
            return new ReportJson(report.dryRun(), report.policy().toString(),
                    report.snapshots().stream().map(d -> new SnapshotJson(d.source(), d.id().toString(), d.keep(),
                            d.reasons())).toList(),
                    report.timelines().stream().map(TimelineJson::of).toList(),
                    report.removals().stream().map(r -> new RemovalJson(r.key(), r.size(), r.reason(),
                            r.timeline() == null ? null : r.timeline().toString())).toList(),
                    report.removals().stream().mapToLong(Pruner.Removal::size).sum(),
                    report.unreadable().stream().map(d -> new UnreadableJson(d.key(), d.source(), d.problem())).toList(),
                    report.sourcesLeftAsTheyAre(),
                    clusters.decisions().stream().map(d -> new ClusterSnapshotJson(d.cluster(), d.id(), d.keep(),
                            d.reasons())).toList());
        }
    }

    /** A cluster snapshot kept or forgotten (its manifest removed before any shard snapshot), and why. */
    record ClusterSnapshotJson(String cluster, String id, boolean keep, List<String> reasons) {
    }

    /** A snapshot kept or forgotten, and the rules that keep it. */
    record SnapshotJson(String source, String id, boolean keep, List<String> reasons) {
    }

    /** What prune does to a timeline; {@code restorableFrom} is null when nothing of it stays restorable. */
    record TimelineJson(String source, String id, String action, String from, String to, StartJson restorableFrom,
                        int segmentsRemoved, long bytesRemoved, String reason) {
        static TimelineJson of(Pruner.TimelineDecision d) {
            StartJson start = d.start() == null ? null : new StartJson(d.start().snapshot().toString(),
                    d.start().offset(), d.start().time().toString());
            return new TimelineJson(d.source(), d.id().toString(), d.action().name().toLowerCase(Locale.ROOT),
                    d.from().toString(), d.to().toString(), start, d.segmentsRemoved(), d.bytesRemoved(), d.reason());
        }
    }

    /** The snapshot a trimmed timeline is restorable from. */
    record StartJson(String snapshot, long offset, String time) {
    }

    /** One object removed; {@code timeline} names the timeline whose trim or removal it is part of, else null. */
    record RemovalJson(String key, long size, String reason, String timeline) {
    }

    /** A document prune could not read, so its source was left as it is. */
    record UnreadableJson(String key, String source, String problem) {
    }

    private static void printHuman(PrintWriter out, Pruner.Report report, ClusterSnapshots.Retained clusters,
                                   String where) {
        String verb = report.dryRun() ? "would remove" : "removed";
        out.println((report.dryRun() ? "dry run, nothing deleted: " : "") + "policy " + report.policy() + " on " + where);
        for (String source : report.sourcesLeftAsTheyAre()) {
            List<String> keys = report.unreadable().stream().filter(d -> source.equals(d.source()))
                    .map(SkippedDocument::key).toList();
            out.println("  left as it is: source " + source + ", because " + keys.size() + " document(s) of it could "
                    + "not be read (" + String.join(", ", keys) + "); repair or remove them (`redback check --repo` "
                    + "says what is wrong), then prune again");
        }
        for (ClusterSnapshots.Decision d : clusters.decisions()) {
            out.println("  " + (d.keep() ? "keep   " : "forget ") + "cluster snapshot " + d.cluster() + "/" + d.id()
                    + (d.keep() ? "  (" + String.join(", ", d.reasons()) + ")" : ""));
        }
        for (Pruner.SnapshotDecision d : report.snapshots()) {
            out.println("  " + (d.keep() ? "keep   " : "forget ") + d.source() + "/" + d.id()
                    + (d.keep() ? "  (" + String.join(", ", d.reasons()) + ")" : ""));
        }
        if (!report.timelines().isEmpty()) {
            out.println("timelines:");
        }
        for (Pruner.TimelineDecision d : report.timelines()) {
            out.println("  " + timelineLine(d, verb));
        }
        long bytes = 0;
        for (Pruner.Removal r : report.removals()) {
            bytes += r.size();
            if (r.timeline() == null) { // a timeline's segments are summed up on its line above
                out.println("  " + verb + " " + r.key() + " (" + Text.size(r.size()) + "): " + r.reason());
            }
        }
        long kept = report.snapshots().stream().filter(Pruner.SnapshotDecision::keep).count();
        long trimmed = report.timelines().stream().filter(d -> d.action() == Pruner.TimelineAction.TRIM).count();
        long removed = report.timelines().stream().filter(d -> d.action() == Pruner.TimelineAction.REMOVE).count();
        out.println(kept + " snapshot(s) kept, " + report.forgotten().size() + " forgotten; "
                + (report.timelines().isEmpty() ? "" : report.timelines().size() + " timeline(s), " + trimmed
                + " trimmed, " + removed + " removed; ") + verb + " " + report.removals().size() + " object(s), "
                + Text.size(bytes));
    }

    /**
     * {@code trim   cache-1/T  10:00:00Z .. 11:02:13Z; restorable from S (10:30:00Z); would remove
     * 1,204 segment(s), 3.1 MB (why)}.
     */
    private static String timelineLine(Pruner.TimelineDecision d, String verb) {
        String head = String.format(Locale.ROOT, "%-6s %s/%s  %s .. %s", d.action().name().toLowerCase(Locale.ROOT),
                d.source(), d.id(), TimelineText.second(d.from()), TimelineText.second(d.to()));
        String start = d.start() == null ? "" : "; restorable from " + d.start().snapshot() + " ("
                + TimelineText.second(d.start().time()) + ")";
        String removed = d.segmentsRemoved() == 0 && d.bytesRemoved() == 0 ? "" : "; " + verb + " "
                + Text.count(d.segmentsRemoved()) + " segment(s), " + Text.size(d.bytesRemoved());
        return head + start + removed + " (" + d.reason() + ")";
    }
}
