package io.redback.cli;

import io.redback.aof.AofTime;
import io.redback.aof.CommandPattern;
import io.redback.pitr.Plan;
import io.redback.pitr.Planner;
import io.redback.pitr.RestoreException;
import io.redback.pitr.Window;
import io.redback.redis.RedisConnector;
import io.redback.redis.RedisServerBinary;
import io.redback.redis.RedisUri;
import io.redback.repo.Repository;
import io.redback.storage.Storage;
import io.redback.restore.KeyFilter;
import io.redback.restore.LiveReport;
import io.redback.restore.Undo;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code redback undo}: the FLUSHALL runbook in one command. Options and output only; the work
 * is {@link Undo}'s.
 */
@Command(name = "undo", mixinStandardHelpOptions = true,
        description = {"Undo an accident (FLUSHALL, FLUSHDB, 'DEL user:*') on the live server, keeping what was written "
                + "since: redback finds the command in the log `redback stream` shipped, builds the state just before "
                + "it (snapshot + log, loaded and saved by a throwaway redis-server), reads the log after it to learn "
                + "which keys were written since, and asks the live server which keys exist now.",
                "",
                "Keys of that state that are missing now and were not written since are restored (pipelined RESTORE "
                        + "with their absolute TTLs; keys whose deadline has passed stay dead). Keys written since the "
                        + "accident are kept as they are now (present or deleted) and listed; keys that exist now are "
                        + "never overwritten. Function libraries are left alone (FLUSHALL does not remove them).",
                "",
                "Without --apply it prints that plan (keys to restore per database, bytes, a sample, the keys kept) "
                        + "and writes nothing. With --apply it restores and prints what it did."},
        footerHeading = "%nExamples:%n",
        footer = {"  # someone ran FLUSHALL on the primary: the plan, then for real",
                "  redback undo --name cache-1 --before FLUSHALL --into redis://10.0.0.5:6379 \\",
                "      --password-env REDIS_PASSWORD",
                "  redback undo --name cache-1 --before FLUSHALL --into redis://10.0.0.5:6379 \\",
                "      --password-env REDIS_PASSWORD --apply",
                "",
                "  # a bad deploy deleted the user keys after 09:00 UTC; only those come back",
                "  redback undo --name cache-1 --before 'DEL user:*' --after 2026-11-22T09:00:00Z \\",
                "      --key 'user:*' --into redis://10.0.0.5:6379 --apply --json",
                "",
                TimeConverter.HELP,
                "",
                "Exit codes:",
                "  0  planned, or restored with no key failed",
                "  1  a problem in the data (damaged snapshot or segment, no matching command, a gap),",
                "     or keys the live server refused",
                "  2  could not run: no log, the live server unreachable, bad options"})
public final class UndoCommand implements Callable<Integer> {
    @Option(names = "--before", paramLabel = "PATTERN", required = true, description = "The accident: the first "
            + "command matching PATTERN (" + AofCutCommand.PATTERN_SYNTAX + ", as `restore --before`).")
    String before;

    @Option(names = "--after", paramLabel = "TIME", converter = TimeConverter.class, description = "Only a command "
            + "at or after TIME (its #TS second) counts.")
    Long after;

    @Option(names = "--timeline", paramLabel = "ID", description = "The timeline (an id or its start). Default: the "
            + "newest whose log holds a matching command.")
    String timeline;

    @Option(names = "--into", paramLabel = "URI", required = true, description = "The live server: "
            + "redis://[user@]host[:port] or rediss://... Password, user and TLS as for backup.")
    String into;

    @Mixin
    ConnectionOptions connection;

    @Option(names = "--apply", description = "Restore. Without it, print the plan and write nothing.")
    boolean apply;

    @Mixin
    ThrottleOptions throttle;

    @Mixin
    LossyOption lossy;

    @Option(names = "--db", paramLabel = "N", description = "Only keys of database N (repeatable).")
    List<Integer> dbs = new ArrayList<>();

    @Option(names = "--key", paramLabel = "GLOB", description = "Only keys matching GLOB (repeatable).")
    List<String> keyGlobs = new ArrayList<>();

    @Option(names = "--exclude-key", paramLabel = "GLOB", description = "Leave out keys matching GLOB (repeatable).")
    List<String> excludeGlobs = new ArrayList<>();

    @Mixin
    SourceNameOption name;

    @Mixin
    JsonOption json;

    @Mixin
    QuietOption progress;

    @Mixin
    RepoOptions repo;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** The advice every report ends with. */
    static final String HARDENING = "harden: give application users no FLUSHALL/FLUSHDB, e.g. "
            + "ACL SETUSER app -flushall -flushdb (or -@dangerous when the application needs none of it), "
            + "and keep `redback stream` running so that the next accident can be undone too";

    @Override
    public Integer call() {
        PrintWriter out = Terminal.out(spec);
        PrintWriter err = Terminal.err(spec);
        Instant now = Instant.now();
        try (Storage storage = repo.openStorage()) {
            RedisUri uri = connection.apply(RedisUri.parse(into));
            long afterSecond = after == null ? -1 : after;
            KeyFilter filter = new KeyFilter(new HashSet<>(dbs), keyGlobs, excludeGlobs, Set.of(), Map.of(), null);
            Repository repository = Repository.open(storage);
            String source = new Planner(repository).source(name.given());
            AtomicLong bytes = new AtomicLong();
            Undo.Result r;
            try (Progress p = Progress.start(apply ? "undo" : "plan", -1, bytes::get, !progress.quiet && !json.json)) {
                r = new Undo(repository, RedisConnector.of(uri), bytes).run(new Undo.Request(source,
                        CommandPattern.parse(before), afterSecond, timeline, filter, throttle.throttle(), apply,
                        RedisServerBinary.require(repo.env()), now, lossy.policy()));
            }
            if (json.json) {
                out.println(Json.write(RestoreJson.UndoJson.of(r, apply, uri, HARDENING)));
            } else {
                print(out, r, uri);
            }
            LiveReport report = r.report();
            if (!report.ok()) {
                err.println("redback undo: " + (report.message() != null ? report.message()
                        : report.failed() + " key(s) failed"));
            }
            return report.ok() ? Main.OK : Main.PROBLEM;
        } catch (RestoreException e) {
            err.println("redback undo: " + e.getMessage() + "; nothing was written");
            if (!e.windows().isEmpty()) {
                err.println("restorable windows of the source:");
                for (Window w : e.windows()) {
                    err.println("  timeline " + w.timeline() + "  " + w.describe());
                }
            }
            return e.dataProblem() ? Main.PROBLEM : Main.USAGE;
        } catch (IllegalArgumentException e) {
            err.println("redback undo: " + e.getMessage());
            return Main.USAGE;
        } catch (IOException | RuntimeException e) {
            err.println("redback undo: " + Text.message(e));
            return Main.USAGE;
        } finally {
            out.flush();
            err.flush();
        }
    }

    private void print(PrintWriter out, Undo.Result r, RedisUri uri) {
        Plan p = r.plan();
        LiveReport rep = r.report();
        Plan.Matched m = p.matched();
        out.println((apply ? "undid " : "undo plan: ") + m.command() + " (offset " + m.offset() + ", db " + m.db()
                + (m.time() >= 0 ? ", " + AofTime.iso(m.time()) : "") + ") on " + uri
                + (rep.target() == null ? "" : " (" + rep.target() + ")"));
        out.println("  before it  snapshot " + p.snapshot().id() + " and the log up to offset " + p.cutOffset() + ": "
                + Text.count(rep.planned() + rep.skipped()) + " key(s) alive now"
                + (rep.expired() > 0 ? ", " + Text.count(rep.expired()) + " expired since (stay dead)" : ""));
        out.println("  since      " + Text.count(r.commandsSince()) + " command(s) after it wrote "
                + Text.count(r.keysWrittenSince()) + " key(s)"
                + (r.flushedSince() ? " and flushed or swapped databases again" : "")
                + "; those keys stay as they are now");
        if (apply) {
            out.println("  restored   " + Text.count(rep.restored()) + " key(s); " + Text.count(rep.skipped())
                    + " kept as they are now, " + Text.count(rep.failed()) + " failed; "
                    + Text.size(rep.sentBytes()) + " sent in " + String.format("%.1f s", rep.elapsedMs() / 1000.0));
        } else {
            out.println("  restore    " + Text.count(rep.toWrite()) + " key(s) missing now ("
                    + Text.size(rep.valueBytes()) + " of values, all selected keys: " + perDb(rep.plannedPerDb())
                    + ")");
            out.println("  keep       " + Text.count(rep.conflicts()) + " key(s) that exist now, "
                    + Text.count(rep.skipped()) + " written since the accident");
            int shown = 0;
            for (LiveReport.KeyRef k : rep.sampleKeys()) {
                if (shown++ == 10) {
                    break;
                }
                out.println("  sample     db " + k.db() + " " + k.key());
            }
        }
        int shown = 0;
        for (LiveReport.KeyRef k : rep.skippedKeys()) {
            if (shown++ == 10) {
                out.println("  kept       ... (the first " + LiveReport.LIST_LIMIT + " with --json)");
                break;
            }
            out.println("  kept       db " + k.db() + " " + k.key() + ": " + k.reason());
        }
        for (LiveReport.KeyRef k : rep.failedKeys().subList(0, Math.min(10, rep.failedKeys().size()))) {
            out.println("  failed     db " + k.db() + " " + k.key() + ": " + k.reason());
        }
        if (!apply) {
            out.println("dry run: nothing was written; add --apply to restore");
        }
        out.println(HARDENING);
    }

    private static String perDb(Map<Integer, Long> perDb) {
        StringBuilder b = new StringBuilder();
        new TreeMap<>(perDb).forEach((db, n) -> b.append(b.length() == 0 ? "" : ", ").append("db ").append(db)
                .append(": ").append(Text.count(n)));
        return b.length() == 0 ? "none" : b.toString();
    }
}
