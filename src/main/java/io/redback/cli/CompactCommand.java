package io.redback.cli;

import io.redback.repo.Quantities;
import io.redback.repo.Repository;
import io.redback.repo.RepositoryLock;
import io.redback.storage.Storage;
import io.redback.stream.Compactor;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code redback compact}: merges the many small segments a stream commits (about one a second)
 * into few large ones, so that status, restore, log and check read a few manifests instead of
 * one per second of history.
 */
@Command(name = "compact", mixinStandardHelpOptions = true,
        description = {"Merge a stream's small log segments into few large ones.",
                "",
                "`redback stream` commits a segment per flush: about one a second while the source writes, "
                + "86,400 objects and as many manifests a day, and status, restore, log and check --repo read every "
                + "manifest (one GET each on S3). compact merges runs of contiguous segments of a timeline (same "
                + "replication id, same compression) into segments of up to --target-size raw bytes: the same AOF "
                + "bytes, offsets, arrival times and index, in one data object and one manifest. Restores, `log` "
                + "and `check` read a compacted timeline exactly like the original.",
                "",
                "When: from cron, e.g. hourly, with the default --older-than 1h.",
                "",
                "Safe while streaming: only segments whose last write arrived more than --older-than ago are "
                + "merged, and a stream only ever appends after its newest segment. Every old segment is verified "
                + "(sizes, SHA-256) as it is read; a damaged one leaves its run unmerged and is reported. The merged "
                + "segment is committed before the old ones are deleted, and readers ignore a segment a merged one "
                + "covers, so an interrupted compact leaves a valid repository; the next compact (or prune) deletes "
                + "what it left.",
                "",
                "Takes the repository's lock (locks/ in the repository) for as long as it runs, so that no other "
                + "compact or prune changes the repository at the same time (two overlapping cron runs, two hosts); "
                + "if one holds it, compact stops with exit 2 and says which, where and since when. A lock not "
                + "refreshed for 30 minutes is stale (its process is gone) and ignored; `redback unlock` removes such "
                + "locks. --dry-run takes no lock.",
                "",
                "--dry-run changes nothing and prints what would be merged."},
        footerHeading = "%nExamples:%n",
        footer = {"  redback compact --dry-run",
                "  redback compact --name cache-1 --older-than 6h --target-size 128MiB --json",
                "  crontab: 17 * * * *  redback compact --repo s3://backups/redis",
                "",
                "Exit codes: 0 done, 1 a segment is damaged (its run was left unmerged), 2 bad options, another "
                + "compact or prune holds the lock, or the repository could not be read or changed."})
public final class CompactCommand implements Callable<Integer> {
    @Mixin
    RepoOptions repo;

    @Mixin
    SourceNameOption only;

    @Option(names = "--older-than", paramLabel = "DURATION", defaultValue = "1h",
            description = "Merge only segments whose last write arrived longer ago than this (default: ${DEFAULT-VALUE}).")
    String olderThan;

    @Option(names = "--target-size", paramLabel = "SIZE", defaultValue = "64MiB",
            description = "Raw (uncompressed) bytes a merged segment holds at most (default: ${DEFAULT-VALUE}).")
    String targetSize;

    @Mixin
    DryRunOption plan;

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
        Compactor.Options options;
        try {
            Duration age = Quantities.duration("--older-than", olderThan);
            long size = Quantities.size("--target-size", targetSize);
            options = new Compactor.Options(only.checked(), age, size, plan.dryRun);
        } catch (IllegalArgumentException e) {
            err.println("redback compact: " + Text.message(e));
            return Main.USAGE;
        }
        Compactor.Report report;
        String where;
        try (Storage storage = repo.openStorage()) {
            Repository repository = repo.open(storage);
            where = repository.describe();
            Clock clock = Clock.systemUTC();
            try (RepositoryLock lock = ExclusiveLock.take(repository, spec, plan.dryRun, clock)) {
                report = new Compactor(repository, clock).compact(options);
            }
            if (!plan.dryRun) {
                written(err, repository, report);
            }
        } catch (IOException | RuntimeException e) {
            if (!plan.dryRun) {
                metrics.failed("compact", err, "compact", options.source() == null ? List.of()
                        : List.of(options.source()), null);
            }
            err.println("redback compact: " + Text.message(e));
            return Main.USAGE;
        }
        if (output.json) {
            out.println(Json.write(ReportJson.of(report)));
        } else {
            printHuman(out, report, where);
        }
        out.flush();
        for (Compactor.Problem p : report.problems()) {
            err.println("redback compact: " + p.source() + "/" + p.timeline() + ": " + p.message());
        }
        err.flush();
        return report.problems().isEmpty() ? Main.OK : Main.PROBLEM;
    }

    /** A compaction that left a damaged run unmerged failed for that run's source, as the agent's job does. */
    private void written(PrintWriter err, Repository repository, Compactor.Report report) throws IOException {
        Set<String> damaged = new TreeSet<>();
        report.problems().forEach(p -> damaged.add(p.source()));
        metrics.succeeded("compact", err, "compact", repository, repository.sources(only.checked()), (m, before) -> {
            for (String s : damaged) {
                m.jobFailures.labelValues(s, "compact").inc();
            }
        });
    }

    /** The {@code --json} report: each merge, the leftovers removed, the merges abandoned. */
    record ReportJson(boolean dryRun, int segmentsBefore, int segmentsAfter, List<MergeJson> merges,
                      List<String> leftoversRemoved, List<ProblemJson> problems) {
        static ReportJson of(Compactor.Report report) {
            return new ReportJson(report.dryRun(), report.segmentsBefore(), report.segmentsAfter(),
                    report.merges().stream().map(m -> new MergeJson(m.source(), m.timeline().toString(), m.startOffset(),
                            m.endOffset(), m.segments(), m.rawBytes(), m.storedBefore(),
                            m.storedAfter() < 0 ? null : m.storedAfter())).toList(),
                    report.leftovers().stream().map(Compactor.Leftover::key).toList(),
                    report.problems().stream().map(p -> new ProblemJson(p.source(), p.timeline().toString(),
                            p.startOffset(), p.endOffset(), p.message())).toList());
        }
    }

    /** One merge; {@code storedBytesAfter} is null on a dry run. */
    record MergeJson(String source, String timeline, long startOffset, long endOffset, int segments, long rawBytes,
                     long storedBytesBefore, Long storedBytesAfter) {
    }

    /** A merge abandoned because a segment of it is damaged. */
    record ProblemJson(String source, String timeline, long startOffset, long endOffset, String message) {
    }

    private static void printHuman(PrintWriter out, Compactor.Report report, String where) {
        String verb = report.dryRun() ? "would merge" : "merged";
        out.println((report.dryRun() ? "dry run, nothing changed: " : "") + "compacting " + where);
        for (Compactor.Merge m : report.merges()) {
            out.println("  " + verb + " " + m.source() + "/" + m.timeline() + " offsets " + m.startOffset() + ".."
                    + m.endOffset() + ": " + Text.count(m.segments()) + " segments, " + Text.size(m.rawBytes())
                    + " of log" + (m.storedAfter() < 0 ? "" : ", stored " + Text.size(m.storedBefore()) + " -> "
                    + Text.size(m.storedAfter())));
        }
        if (!report.leftovers().isEmpty()) {
            out.println("  " + (report.dryRun() ? "would delete " : "deleted ") + report.leftovers().size()
                    + " object(s) an interrupted compact left (a merged segment covers them)");
        }
        out.println(Text.count(report.segmentsBefore()) + " segment(s) " + (report.dryRun() ? "would become "
                : "became ") + Text.count(report.segmentsAfter()) + "; " + report.problems().size()
                + " damaged run(s) left unmerged");
    }
}
