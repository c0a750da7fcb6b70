package io.redback.cli;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.redback.doctor.Recovery;
import io.redback.doctor.StartupConfig;
import io.redback.repo.Repository;
import io.redback.repo.SnapshotManifest;
import io.redback.storage.Storage;
import io.redback.repo.Timeline;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code redback recover}: what a Redis server will load from its data dir and what to do when it
 * cannot; the decision and the repairs live in {@link Recovery}.
 */
@Command(name = "recover", mixinStandardHelpOptions = true,
        description = {"Decide, before Redis starts, what it will load from a data dir and whether that loads: "
                + "with appendonly yes the manifest in appenddirname (or an old-style single AOF, which Redis 7 "
                + "upgrades), else dbfilename; read from --config redis.conf (dir, dbfilename, appendonly, "
                + "appenddirname, appendfilename, aof-load-truncated, include) or the flags. Every file Redis would "
                + "load is checked as `redback check` does, the RDB too as a fallback, and the options are listed with "
                + "what each loses: truncate a torn tail, cut at damage (--force), rebuild a missing or broken "
                + "manifest, fall back to the RDB, restore from the repository (--repo), and what Redis itself "
                + "would do.",
                "",
                "--apply carries out the safest option that loses nothing Redis would keep: it truncates a torn tail "
                        + "(as check --fix) and rebuilds a missing or broken manifest from the files present; with "
                        + "--force it also cuts a damaged last file at its first bad byte, dropping every command "
                        + "after it. Originals are kept beside (<name>.<UTC time>.orig) and everything is fsync'd. "
                        + "Stop Redis first. --json prints {\"source\": \"aof|rdb|none\", \"verdict\": "
                        + "\"ok|repairable|damaged\", \"loads\", \"redisWould\", \"files\", \"options\", \"notes\"} and "
                        + "with --apply \"applied\"."},
        footerHeading = "%nExamples:%n",
        footer = {"  redback recover --dir /var/lib/redis --config /etc/redis/redis.conf",
                "  redback recover --dir /var/lib/redis --config /etc/redis/redis.conf --apply",
                "  redback recover --dir ./data --appendonly yes --repo s3://backups/redis --name cache-1 --json",
                "",
                "Exit codes: 0 every file Redis will load is valid (after --apply: now is), 1 something needs "
                        + "repair (even a torn tail Redis would drop itself) or cannot be repaired without --force, "
                        + "2 could not run."})
public final class RecoverCommand implements Callable<Integer> {
    enum YesNo { yes, no }

    @Option(names = "--dir", paramLabel = "DATADIR", description = "The data dir (default: the config's dir).")
    Path dir;

    @Option(names = "--config", paramLabel = "REDIS.CONF", description = "The server's config file; the flags below "
            + "override what it says.")
    Path config;

    @Option(names = "--appendonly", paramLabel = "yes|no", description = "appendonly (default: the config's, else no).")
    YesNo appendonly;

    @Option(names = "--dbfilename", paramLabel = "NAME", description = "dbfilename (default: dump.rdb).")
    String dbfilename;

    @Option(names = "--appenddirname", paramLabel = "NAME", description = "appenddirname (default: appendonlydir).")
    String appenddirname;

    @Option(names = "--appendfilename", paramLabel = "NAME", description = "appendfilename (default: appendonly.aof).")
    String appendfilename;

    @Option(names = "--aof-load-truncated", paramLabel = "yes|no", description = "aof-load-truncated (default: yes).")
    YesNo aofLoadTruncated;

    @Option(names = "--apply", description = "Carry out the safe repairs (stop Redis first).")
    boolean apply;

    @Option(names = "--force", description = "With --apply: also cut a damaged last AOF file at its first bad byte.")
    boolean force;

    @Mixin
    RepoOptions repo;

    @Mixin
    SourceNameOption name;

    @Mixin
    JsonOption output;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = Terminal.out(spec);
        PrintWriter err = Terminal.err(spec);
        Recovery.Report report;
        try {
            if (force && !apply) {
                throw new IllegalArgumentException("--force goes with --apply");
            }
            StartupConfig c = startupConfig();
            Recovery recovery = new Recovery(c, repoPoint(c), Instant.now());
            report = apply ? recovery.apply(force) : recovery.plan();
        } catch (IOException | RuntimeException e) {
            err.println("redback recover: " + Text.message(e));
            return Main.USAGE;
        }
        if (output.json) {
            out.println(Json.write(ReportJson.of(report, apply)));
        } else {
            print(out, report, apply);
        }
        out.flush();
        return report.needsRepair() ? Main.PROBLEM : Main.OK;
    }

    private StartupConfig startupConfig() throws IOException {
        StartupConfig c = StartupConfig.defaults(dir == null ? Path.of(".") : dir);
        if (config != null) {
            c = StartupConfig.read(config, c);
            if (dir != null) {
                c = c.withDir(dir);
            } else if (!c.dir().isAbsolute()) {
                // Redis resolves a relative dir against where it was started: unknown here.
                throw new IllegalArgumentException(config + " gives a relative dir (" + c.dir() + "): give --dir");
            }
        } else if (dir == null) {
            throw new IllegalArgumentException("give --dir DATADIR (or --config with an absolute dir)");
        }
        if (appendonly != null) {
            c = c.withAppendonly(appendonly == YesNo.yes);
        }
        if (dbfilename != null) {
            c = c.withDbfilename(dbfilename);
        }
        if (appenddirname != null) {
            c = c.withAppenddirname(appenddirname);
        }
        if (appendfilename != null) {
            c = c.withAppendfilename(appendfilename);
        }
        if (aofLoadTruncated != null) {
            c = c.withAofLoadTruncated(aofLoadTruncated == YesNo.yes);
        }
        return c;
    }

    /** The repository's newest restorable point for the source, when --repo is given. */
    private Recovery.RepoPoint repoPoint(StartupConfig c) throws IOException {
        if (!spec.commandLine().getParseResult().hasMatchedOption("--repo") && Main.env(spec).get("REDBACK_REPO") == null) {
            if (name.given() != null) {
                throw new IllegalArgumentException("--name goes with --repo");
            }
            return null;
        }
        try (Storage storage = repo.openStorage()) {
            Repository r = Repository.open(storage);
            String source = r.onlySource(name.given(), Repository.Holding.ANYTHING);
            String target = ShellQuote.quote(c.dir().resolveSibling(c.dir().getFileName() + "-restored").toString());
            List<Timeline> timelines = r.timelines().of(source);
            if (!timelines.isEmpty()) {
                Timeline t = timelines.get(timelines.size() - 1);
                // The newest restorable second, not "now": a log ends before now, and --at refuses a later point.
                String at = Instant.ofEpochSecond(t.restorableUntil().getEpochSecond()).toString();
                return new Recovery.RepoPoint(t.restorableUntil(), "redback restore --repo " + ShellQuote.quote(repo.repo)
                        + " --name " + source + " --at " + at + " --to-dir " + target);
            }
            Optional<SnapshotManifest> last = r.catalog().latest(source);
            if (last.isEmpty()) {
                return null;
            }
            return new Recovery.RepoPoint(last.get().finishedAt(), "redback restore --repo " + ShellQuote.quote(repo.repo)
                    + " --name " + source + " --snapshot latest --to-dir " + target);
        }
    }

    /** The {@code --json} report; {@code applied} only with {@code --apply}. */
    record ReportJson(
            String dir,
            ConfigJson config,
            String source,
            String verdict,
            String loads,
            String redisWould,
            List<FileJson> files,
            List<OptionJson> options,
            List<String> notes,
            @JsonInclude(JsonInclude.Include.NON_NULL) List<ActionJson> applied) {

        static ReportJson of(Recovery.Report r, boolean applied) {
            StartupConfig c = r.config();
            return new ReportJson(c.dir().toString(),
                    new ConfigJson(c.appendonly() ? "yes" : "no", c.dbfilename(), c.appenddirname(), c.appendfilename(),
                            c.aofLoadTruncated() ? "yes" : "no"),
                    r.source().name().toLowerCase(Locale.ROOT), r.verdict().name().toLowerCase(Locale.ROOT), r.loads(),
                    r.redisWould(),
                    r.files().stream().map(f -> new FileJson(f.role(), f.path().toString(), f.verdict(), f.detail()))
                            .toList(),
                    r.options().stream().map(o -> new OptionJson(o.id(), o.action(), o.loses(), o.applied(),
                            o.needsForce())).toList(),
                    r.notes(),
                    !applied ? null : r.done().stream().map(a -> new ActionJson(a.what(), a.file().toString(),
                            a.original() == null ? null : a.original().toString())).toList());
        }
    }

    /** The redis.conf directives that decide what Redis loads at startup, named as redis.conf names them. */
    record ConfigJson(String appendonly, String dbfilename, String appenddirname, String appendfilename,
                      @JsonProperty("aof-load-truncated") String aofLoadTruncated) {
    }

    /** A file Redis would look at, and what its check found. */
    record FileJson(String role, String path, String verdict, String detail) {
    }

    /** A way out, what it loses, and whether {@code --apply} takes it. */
    record OptionJson(String id, String action, String loses, boolean byApply, boolean needsForce) {
    }

    /** What {@code --apply} did; {@code original} is where the file was kept, or null. */
    record ActionJson(String what, String file, String original) {
    }

    private static void print(PrintWriter out, Recovery.Report r, boolean applied) {
        if (applied) {
            if (r.done().isEmpty()) {
                out.println("applied: nothing");
            }
            for (Recovery.Action a : r.done()) {
                out.println("applied: " + a.what() + ": " + a.file() + (a.original() == null ? ""
                        : " (original kept as " + a.original() + ")"));
            }
        }
        out.println("source   " + r.source().name().toLowerCase(Locale.ROOT) + ": Redis loads " + r.loads());
        out.println("verdict  " + r.verdict().name().toLowerCase(Locale.ROOT));
        out.println("redis    " + r.redisWould());
        for (Recovery.FileState f : r.files()) {
            out.println("  " + f.role() + "  " + f.path() + ": " + f.verdict() + " (" + f.detail() + ")");
        }
        if (!r.options().isEmpty()) {
            out.println("options");
        }
        for (Recovery.Option o : r.options()) {
            out.println("  " + o.id() + (o.applied() ? " [--apply]" : o.needsForce() ? " [--apply --force]" : "") + ": "
                    + o.action());
            out.println("      loses: " + o.loses());
        }
        for (String n : r.notes()) {
            out.println("note     " + n);
        }
    }
}
