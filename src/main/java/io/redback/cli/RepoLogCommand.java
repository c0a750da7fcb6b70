package io.redback.cli;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import io.redback.aof.LogEntry;
import io.redback.aof.LogFilter;
import io.redback.cluster.ClusterSources;
import io.redback.log.ShippedLog;
import io.redback.log.StreamCommands;
import io.redback.repo.Repository;
import io.redback.storage.Storage;
import io.redback.repo.Timeline;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code redback log}: the shipped commands of a source, from the repository, with their offsets and times. */
@Command(name = "log", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"List the commands `redback stream` shipped to the repository: the replication offset at the "
                + "end of each (what `redback restore --offset` takes), its database, when it arrived (the #TS second "
                + "of its segment), whether it ran inside MULTI/EXEC, and its first arguments (escaped, shortened).",
                "",
                "Only the segments whose arrival times overlap --since/--until are read; each is verified against its "
                        + "manifest (size, SHA-256) before its commands are listed. PING and REPLCONF, which every "
                        + "replication stream carries, are left out unless --all (or --grep PING/REPLCONF) asks for "
                        + "them. For each FLUSHALL and FLUSHDB it prints the `redback restore` command that restores "
                        + "the data as it was just before it.",
                "",
                "--name CLUSTER lists each shard's log in turn; the hint under a FLUSHALL is then the restore of "
                        + "the whole cluster, each shard cut before its own FLUSHALL.",
                ""},
        footerHeading = "%nExamples:%n",
        footer = {"  # who flushed what, and when",
                "  redback log --name cache-1 --grep FLUSHALL,FLUSHDB --repo /backups/redis",
                "",
                "  # every change to user:42 in db 0 during the incident",
                "  redback log --name cache-1 --db 0 --key user:42 --since 2026-11-22T09:00:00Z \\",
                "      --until 2026-11-22T10:00:00Z",
                "",
                "  # the last quarter of an hour",
                "  redback log --name cache-1 --since -15m",
                "",
                "  # JSON Lines for scripts",
                "  redback log --json --grep DEL | jq -r '[.offset, .key] | @tsv'",
                "",
                TimeConverter.HELP,
                "",
                "Exit codes:",
                "  0  listed",
                "  1  a segment in the range is damaged or missing, or offsets are missing",
                "     (each is named on stderr; the rest is listed)",
                "  2  usage error, or the repository could not be read"})
public final class RepoLogCommand implements Callable<Integer> {
    private static final String HEADER = LogLines.header(String.format(Locale.ROOT, "%14s", "OFFSET"));

    @Mixin
    RepoOptions repo;

    @Mixin
    SourceNameOption name;

    @Option(names = "--timeline", paramLabel = "ID", description = "Only this timeline (an id or the start of one; "
            + "default: all, oldest first; `redback status` lists them).")
    String timeline;

    @Mixin
    LogFilterOptions filters;

    @Mixin
    TimeRangeOptions range;

    @Option(names = "--all", description = "Also list PING and REPLCONF (the replication stream's own traffic).")
    boolean all;

    @Mixin
    JsonLinesOption output;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = Terminal.out(spec);
        PrintWriter err = Terminal.err(spec);
        LogFilter filter = filter();
        ShippedLog.Summary s;
        String source;
        List<Timeline> timelines;
        int timelinesOfSource;
        try (Storage storage = repo.openStorage()) {
            Repository repository = repo.open(storage);
            String cluster = cluster(repository);
            if (cluster != null) {
                return new ClusterLog(cluster, repository, storage, filter, out, err).run();
            }
            source = repository.onlySource(name.given(), Repository.Holding.LOG);
            List<Timeline> every = repository.timelines().of(source);
            timelinesOfSource = every.size();
            timelines = timeline == null ? every : List.of(repository.timelines().find(source, timeline));
            if (timelines.isEmpty()) {
                err.println("redback log: source " + source + " has no shipped log in " + repository.describe()
                        + ": `redback stream --name " + source + "` ships one");
                return Main.USAGE;
            }
            Printer printer = new Printer(out, source, timelines.size() > 1, timelinesOfSource > 1);
            if (!output.json) {
                out.println(HEADER);
            }
            ShippedLog.Query query = new ShippedLog.Query(filter.since(), filter.until(), filter.limit(),
                    filter.matcher()::matches, all || StreamCommands.named(filters.grep));
            s = new ShippedLog(storage, query).scan(timelines, printer::print);
        } catch (IOException | RuntimeException e) {
            out.flush();
            err.println("redback log: " + Text.message(e));
            return Main.USAGE;
        }
        if (!output.json) {
            out.println(String.format(Locale.ROOT, "%,d listed of %,d commands read%s from %,d segment(s) of %s%s%s",
                    s.listed(), s.read(), s.limitReached() ? " (stopped at --limit)" : "", s.segmentsRead(),
                    source, timelines.size() == 1 ? " timeline " + timelines.get(0).id() : " (" + timelines.size()
                            + " timelines)",
                    note(s)));
        }
        out.flush();
        for (ShippedLog.Problem p : s.problems()) {
            err.println("redback log: " + problem(p));
        }
        if (!s.problems().isEmpty()) {
            err.println("  `redback check --repo " + ShellQuote.quote(repo.repo) + " --name " + source
                    + "` checks the whole log");
            return Main.PROBLEM;
        }
        return Main.OK;
    }

    /**
     * The cluster the listing is about: --name when it names a cluster and no source with a log,
     * else without --name the repository's only cluster when no single source has a log; null
     * for a single source.
     */
    private String cluster(Repository repository) throws IOException {
        if (name.given() != null) {
            String n = Repository.checkSourceName(name.given());
            return repository.timelines().of(n).isEmpty() && ClusterSources.isCluster(repository, n) ? n : null;
        }
        if (repository.timelines().sources().size() == 1) {
            return null;
        }
        return ClusterSources.only(repository).orElse(null);
    }

    /** {@code log --name CLUSTER}: each shard's log in turn, FLUSHALL hints naming the cluster restore. */
    private final class ClusterLog {
        private final String cluster;
        private final Repository repository;
        private final Storage storage;
        private final LogFilter filter;
        private final PrintWriter out;
        private final PrintWriter err;

        ClusterLog(String cluster, Repository repository, Storage storage, LogFilter filter, PrintWriter out,
                   PrintWriter err) {
            this.cluster = cluster;
            this.repository = repository;
            this.storage = storage;
            this.filter = filter;
            this.out = out;
            this.err = err;
        }

        int run() throws IOException {
            if (timeline != null) {
                err.println("redback log: --timeline names one source's timeline; list one shard of cluster " + cluster
                        + " with --name " + cluster + ".shard-N --timeline ID");
                return Main.USAGE;
            }
            if (!output.json) {
                out.println(HEADER);
            }
            List<ShippedLog.Problem> problems = new ArrayList<>();
            List<String> sources = new ArrayList<>();
            for (String source : ClusterSources.shardSources(repository, cluster)) {
                List<Timeline> timelines = repository.timelines().of(source);
                int index = ClusterSources.shardIndex(cluster, source);
                if (!output.json) {
                    out.println("== shard " + index + " of cluster " + cluster + " (" + source + ")"
                            + (timelines.isEmpty() ? ": no shipped log" : ""));
                }
                if (timelines.isEmpty()) {
                    continue;
                }
                Printer printer = new Printer(out, source, timelines.size() > 1, timelines.size() > 1, cluster);
                ShippedLog.Query query = new ShippedLog.Query(filter.since(), filter.until(), filter.limit(),
                        filter.matcher()::matches, all || StreamCommands.named(filters.grep));
                ShippedLog.Summary s = new ShippedLog(storage, query).scan(timelines, printer::print);
                if (!output.json) {
                    out.println(String.format(Locale.ROOT, "%,d listed of %,d commands read%s from %,d segment(s) of "
                                    + "%s%s", s.listed(), s.read(), s.limitReached() ? " (stopped at --limit)" : "",
                            s.segmentsRead(), source, note(s)));
                }
                problems.addAll(s.problems());
                sources.add(source);
            }
            out.flush();
            if (sources.isEmpty()) {
                err.println("redback log: no shard of cluster " + cluster + " has a shipped log in "
                        + repository.describe() + ": `redback stream` ships one per shard");
                return Main.USAGE;
            }
            for (ShippedLog.Problem p : problems) {
                err.println("redback log: " + problem(p));
            }
            if (!problems.isEmpty()) {
                err.println("  `redback check --repo " + ShellQuote.quote(repo.repo) + " --name " + cluster
                        + "` checks every shard's whole log");
                return Main.PROBLEM;
            }
            return Main.OK;
        }
    }

    private static String problem(ShippedLog.Problem p) {
        if (p instanceof ShippedLog.Problem.Gap g) {
            return "timeline " + g.timeline().id() + ": " + TimelineText.gap(g.timeline(), g.gap())
                    + (g.gap().bytes() == 0 ? "; the commands there are listed as each segment holds them"
                    : "; no segment holds those commands, so they cannot be listed");
        }
        return ((ShippedLog.Problem.Damaged) p).message();
    }

    private static String note(ShippedLog.Summary s) {
        List<String> notes = new ArrayList<>();
        if (s.segmentsOutside() > 0) {
            notes.add(String.format(Locale.ROOT, "%,d segment(s) outside --since/--until not read", s.segmentsOutside()));
        }
        if (s.hidden() > 0) {
            notes.add(String.format(Locale.ROOT, "%,d PING/REPLCONF not shown (--all shows them)", s.hidden()));
        }
        return notes.isEmpty() ? "" : "; " + String.join("; ", notes);
    }

    private LogFilter filter() {
        try {
            return filters.filter(range.checkOrder().since(), range.until());
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    /** One JSON line of {@code log --json}: the source, where the command is, the common fields, the hints. */
    @JsonPropertyOrder({"source", "timeline", "offset", "startOffset", "length", "segment", "fields", "restore", "undo",
            "cluster"})
    record JsonLine(String source, String timeline, long offset, long startOffset, long length, String segment,
                    @JsonUnwrapped LogLines.CommandJson fields, String restore, String undo,
                    @JsonInclude(JsonInclude.Include.NON_NULL) String cluster) {
    }

    /** Prints entries as they come: a line (or a JSON line) each, a heading per timeline when there are several. */
    private final class Printer {
        private final PrintWriter out;
        private final String source;
        private final boolean headings;
        private final boolean nameTimeline;
        /** The cluster whose shard source is (null for a single source): hints then name the cluster restore. */
        private final String cluster;
        private Timeline current;

        /**
         * @param headings     whether to print a line when the listing enters a timeline
         * @param nameTimeline whether restore hints must name the timeline (the source has several)
         */
        Printer(PrintWriter out, String source, boolean headings, boolean nameTimeline) {
            this(out, source, headings, nameTimeline, null);
        }

        Printer(PrintWriter out, String source, boolean headings, boolean nameTimeline, String cluster) {
            this.out = out;
            this.source = source;
            this.headings = headings;
            this.nameTimeline = nameTimeline;
            this.cluster = cluster;
        }

        void print(Timeline t, ShippedLog.Entry listed) {
            print(t, LogEntry.of(listed.segment(), listed.start(), listed.index(), listed.db(), listed.time(), listed.tx(),
                    listed.command(), listed.cutHint()));
        }

        private void print(Timeline t, LogEntry e) {
            String restore = e.cutHint() == null ? null : restoreCommand(t, e.cutHint());
            long end = e.offset() + e.length();
            if (output.json) {
                out.println(LogLines.json(jsonLine(t, e, end, restore)));
                return;
            }
            if (headings && t != current) {
                out.println("-- timeline " + t.id() + (t.isTrimmed() ? " (log from offset " + t.logStart()
                        + "; " + TimelineText.pruned(t) + ")" : " (from offset " + t.manifest().startOffset() + ", "
                        + TimelineText.second(t.manifest().startedAt()) + ")"));
            }
            current = t;
            out.println(LogLines.row(String.format(Locale.ROOT, "%14d", end), e));
            if (restore != null) {
                out.println("  -> the data just before it: " + restore);
                String undo = undoCommand(t, e.cutHint());
                if (undo != null) {
                    out.println("  -> undo it on the live server (plan first, then --apply): " + undo);
                }
            }
        }

        private JsonLine jsonLine(Timeline t, LogEntry e, long end, String restore) {
            return new JsonLine(source, t.id().toString(), end, e.offset(), e.length(), e.file(), LogLines.CommandJson.of(e),
                    restore, e.cutHint() == null ? null : undoCommand(t, e.cutHint()), cluster);
        }

        /**
         * {@code redback undo --name S [--timeline T] --before 'FLUSHALL' [--after T] --into redis://HOST:PORT
         * --repo URL}, or null when the hint is an offset (undo finds its accident by pattern).
         */
        private String undoCommand(Timeline t, List<String> hint) {
            if (!hint.get(0).equals("--before") || cluster != null) {
                return null; // undo works on one server; a cluster's is not there yet
            }
            List<String> words = new ArrayList<>(List.of("--name", source));
            if (nameTimeline) {
                words.addAll(List.of("--timeline", t.id().toString()));
            }
            words.addAll(hint);
            words.addAll(List.of("--into", "redis://HOST:PORT", "--repo", repo.repo));
            return LogLines.commandLine("redback undo", words);
        }

        /** {@code redback restore --name S [--timeline T] --before 'FLUSHALL' --to-dir before-flushall --repo URL}. */
        private String restoreCommand(Timeline t, List<String> hint) {
            // A shard's --before names its own FLUSHALL, which is the cluster's: the cluster restore
            // cuts every shard at its own. An offset is this shard's alone.
            boolean whole = cluster != null && hint.get(0).equals("--before");
            List<String> words = new ArrayList<>(List.of("--name", whole ? cluster : source));
            if (nameTimeline && !whole) {
                words.addAll(List.of("--timeline", t.id().toString()));
            }
            words.addAll(hint);
            String what = hint.get(0).equals("--before") ? hint.get(1).toLowerCase(Locale.ROOT) : "offset-" + hint.get(1);
            if (hint.contains("--after")) {
                what += "-" + hint.get(hint.size() - 1).replace(":", "").replace("-", "");
            }
            words.addAll(List.of("--to-dir", "before-" + what, "--repo", repo.repo));
            return LogLines.commandLine("redback restore", words);
        }
    }
}
