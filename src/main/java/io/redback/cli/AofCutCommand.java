package io.redback.cli;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.redback.aof.AofCutter;
import io.redback.aof.AofException;
import io.redback.aof.AofManifestException;
import io.redback.aof.AofTime;
import io.redback.aof.CommandPattern;
import io.redback.aof.CutPoint;
import io.redback.aof.CutReport;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code redback aof cut}: a copy of an AOF up to a time, an offset or a command. */
@Command(name = "cut",
        description = {"Write a copy of an AOF that ends at a point in time, at a byte offset, or just before a "
                + "command (a FLUSHALL, a DEL of the wrong keys), never splitting a MULTI/EXEC block: a cut inside "
                + "one moves back to before its MULTI. The source is never modified.",
                "",
                "SOURCE is an AOF file, an AOF with RDB preamble, a Redis 7 manifest or an appendonlydir. The output "
                        + "is a new appendonlydir (manifest, base and incr files named as Redis names them; incr files "
                        + "after the cut are left out) that redis-server --appendonly yes loads, or, when SOURCE is a "
                        + "single file and --out ends in .aof, a single AOF file. Only the command history is cut: a "
                        + "base file or RDB preamble is a snapshot and is kept whole.",
                "",
                "--dry-run finds the cut and reports it, and writes nothing (--out is not needed then).",
                ""},
        mixinStandardHelpOptions = true,
        sortOptions = false,
        footerHeading = "%nExamples:%n",
        footer = {"  # someone ran FLUSHALL: the data as it was just before it",
                "  redback aof cut --before FLUSHALL --out /restore/appendonlydir \\",
                "      /var/lib/redis/appendonlydir",
                "  redis-server --appendonly yes --dir /restore --appenddirname appendonlydir",
                "",
                "  # just before the first DEL of a user key at or after 09:00 UTC",
                "  redback aof cut --before 'DEL user:*' --after 2026-11-22T09:00:00Z \\",
                "      --out cut/ appendonlydir",
                "",
                "  # redis-check-aof --truncate-to-timestamp, on a copy, in any incr file",
                "  redback aof cut --at 2026-11-22T10:15:00+01:00 --out cut/ appendonlydir",
                "",
                "  # at a position printed by 'redback aof log'",
                "  redback aof cut --offset appendonly.aof.3.incr.aof:48213 \\",
                "      --out cut/ appendonlydir",
                "",
                "  # an old-style single AOF into a single file",
                "  redback aof cut --at 1795314786 --out before.aof appendonly.aof",
                "",
                TimeConverter.HELP,
                "AOF times are whole seconds (#TS annotations, written with aof-timestamp-enabled yes).",
                "",
                "Exit codes:",
                "  0  written (or, with --dry-run, planned)",
                "  1  nothing matched the --before pattern; nothing was written",
                "  2  usage error, or the source could not be read up to the cut"})
public final class AofCutCommand implements Callable<Integer> {
    /** What a --before PATTERN is ({@link CommandPattern}'s syntax), for every option that takes one. */
    static final String PATTERN_SYNTAX = "a command name (case-insensitive), optionally followed by globs its "
            + "arguments must match in order, e.g. FLUSHALL, 'DEL user:*', 'FLUSH*'";

    /** Exactly one way to say where to cut. */
    static final class Where {
        @Option(names = "--at", paramLabel = "TIME", required = true, converter = TimeConverter.class,
                description = "Keep every command whose #TS time is at or before TIME: cut at the first #TS "
                        + "annotation later than it (where redis-check-aof --truncate-to-timestamp cuts).")
        Long at;

        @Option(names = "--offset", paramLabel = "[FILE:]N", required = true,
                description = "Cut at byte N of the last incr file (or the only file), or of the incr file FILE. "
                        + "An offset inside a command is rounded down to its start, and said so.")
        String offset;

        @Option(names = "--before", paramLabel = "PATTERN", required = true,
                description = "Stop just before the first command matching PATTERN: " + PATTERN_SYNTAX + ".")
        String before;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Where where;

    @Option(names = "--after", paramLabel = "TIME", converter = TimeConverter.class,
            description = "With --before: only a command at or after TIME (its #TS second) counts. Default: from "
                    + "the start.")
    Long after;

    @Option(names = "--out", paramLabel = "DIR|FILE",
            description = "Where to write: a new (or empty) directory, which becomes an appendonlydir; or, for a "
                    + "single-file SOURCE, a file ending in .aof.")
    Path out;

    @Option(names = "--force", description = "Write into a non-empty --out directory (files of the same names are "
            + "replaced, other manifests removed) or over an existing --out file. Never over the source (a hard or symbolic link to it counts), "
            + "never through or over a symbolic link.")
    boolean force;

    @Mixin
    DryRunOption plan;

    @Mixin
    JsonOption output;

    @Parameters(paramLabel = "SOURCE", description = "An AOF file, a manifest, or an appendonlydir.")
    Path source;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = Terminal.out(spec);
        PrintWriter err = Terminal.err(spec);
        CutPoint point = point();
        if (this.out == null && !plan.dryRun) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--out DIR|FILE is required (or --dry-run)");
        }
        CutReport report;
        try {
            report = plan.dryRun ? AofCutter.plan(source, point) : AofCutter.cut(source, point, this.out, force);
        } catch (IllegalArgumentException e) {
            err.println("redback aof cut: " + e.getMessage());
            return Main.USAGE;
        } catch (AofException e) {
            // Before the damaged command, or before the damaged bytes when they lie between commands.
            long whole = e.commandOffset() >= 0 ? e.commandOffset() : e.offset();
            err.println("redback aof cut: " + e.getMessage());
            err.println(e.inPreamble()
                    ? "  nothing was written: the snapshot (RDB base or preamble) is damaged, and every cut keeps it. "
                            + "'redback check " + source + "' tells more."
                    : "  nothing was written: the source is unreadable before the cut. 'redback check " + source
                            + "' shows the damage; a cut at or before byte " + whole + " of " + e.file() + " (--offset "
                            + e.file() + ":" + whole + ") is possible.");
            return Main.USAGE;
        } catch (AofManifestException | IOException e) {
            err.println("redback aof cut: " + e.getMessage());
            return Main.USAGE;
        }
        if (output.json) {
            out.println(Json.write(ReportJson.of(report)));
        } else {
            printHuman(report, out);
        }
        out.flush();
        return !report.found() && point instanceof CutPoint.Before ? Main.PROBLEM : Main.OK;
    }

    private CutPoint point() {
        try {
            if (after != null && where.before == null) {
                throw new IllegalArgumentException("--after only goes with --before");
            }
            if (where.at != null) {
                return new CutPoint.At(where.at);
            }
            if (where.offset != null) {
                return CutPoint.Offset.parse(where.offset);
            }
            return new CutPoint.Before(CommandPattern.parse(where.before), after == null ? -1 : after);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    // ---------------------------------------------------------------- text

    static void printHuman(CutReport r, PrintWriter out) {
        out.println(r.source() + ": " + r.layout());
        out.println(row("cut", r.point() + ": " + where(r)));
        if (r.base() != null) {
            CutReport.Base b = r.base();
            out.println(row("base", b.name() + " (" + b.format() + (b.keys() >= 0 ? ", " + n(b.keys()) + " keys" : "")
                    + (b.commands() > 0 ? ", " + n(b.commands()) + " commands" : "") + ", " + n(b.bytes())
                    + " bytes): kept whole"));
        }
        if (r.found() || !r.point().startsWith("--before")) {
            out.println(row("kept", side(r.kept())));
            out.println(row("dropped", side(r.dropped())));
            out.println(row("files", r.files().stream().map(AofCutCommand::outcome).collect(Collectors.joining(", "))));
        } else {
            out.println(row("searched", side(r.kept())));
        }
        for (String note : r.notes()) {
            out.println(row("note", note));
        }
        CutReport.Output o = r.output();
        if (o != null) {
            out.println(row("wrote", o.path() + (o.directory() ? "/: " : ": ") + o.files().stream()
                    .map(w -> w.name() + " (" + n(w.bytes()) + " bytes)").collect(Collectors.joining(", "))
                    + ", fsynced"));
            out.println(row("load it", loadHint(o)));
        } else if (r.found() || !r.point().startsWith("--before")) {
            out.println(row("wrote", "nothing (--dry-run)"));
        }
    }

    private static String where(CutReport r) {
        CutReport.Cut c = r.cut();
        if (c == null) {
            return r.point().startsWith("--before") ? "no matching command" : "nothing to cut";
        }
        String at = c.file() + " byte " + n(c.offset());
        if (c.matched() != null) {
            CutReport.Matched m = c.matched();
            at += ", before " + m.command() + " (db " + m.db() + ", " + AofTime.iso(m.time())
                    + (m.offset() == c.offset() ? "" : ", at byte " + n(m.offset())) + ")";
        }
        if (c.stopTime() >= 0) {
            at += ", the first #TS after it (" + AofTime.iso(c.stopTime()) + ")";
        }
        if (c.adjustment() != CutReport.Adjustment.NONE) {
            at += c.adjustment() == CutReport.Adjustment.ROUNDED_DOWN ? " (rounded down)" : " (moved before the MULTI)";
        }
        return at;
    }

    private static String side(CutReport.Side s) {
        return n(s.commands()) + " commands" + (s.transactions() > 0 ? " (" + n(s.transactions()) + " MULTI/EXEC transactions)" : "")
                + ", " + n(s.bytes()) + " bytes" + (s.firstTime() >= 0 ? ", " + AofTime.iso(s.firstTime()) + " .. "
                + AofTime.iso(s.lastTime()) : "") + (s.partial() ? " (counted up to damage)" : "");
    }

    private static String outcome(CutReport.FileOutcome f) {
        return f.name() + switch (f.action()) {
            case KEPT -> " kept";
            case CUT -> " cut at " + n(f.keptBytes()) + " of " + n(f.size());
            case DROPPED -> " dropped";
        };
    }

    /** The command that loads what was written. */
    static String loadHint(CutReport.Output o) {
        Path abs = o.path().toAbsolutePath().normalize();
        if (!o.directory()) {
            return "copy it as appendonly.aof into an empty dir D, then: redis-server --appendonly yes --dir D "
                    + "(Redis 7 moves it into appendonlydir)";
        }
        List<String> words = new ArrayList<>(List.of("redis-server", "--appendonly", "yes", "--dir",
                String.valueOf(abs.getParent()), "--appenddirname", String.valueOf(abs.getFileName())));
        if (!"appendonly.aof".equals(o.appendFilename())) {
            words.addAll(List.of("--appendfilename", o.appendFilename()));
        }
        return ShellQuote.join(words);
    }

    private static String row(String label, String text) {
        return String.format(Locale.ROOT, "  %-10s %s", label, text);
    }

    private static String n(long v) {
        return String.format(Locale.ROOT, "%,d", v);
    }

    // ---------------------------------------------------------------- JSON

    /** The {@code --json} report; {@code cut}, {@code base} and {@code output} are null when there is none. */
    record ReportJson(
            String source,
            String layout,
            String point,
            boolean found,
            CutJson cut,
            BaseJson base,
            SideJson kept,
            SideJson dropped,
            List<FileJson> files,
            OutputJson output,
            List<String> notes) {

        static ReportJson of(CutReport r) {
            CutReport.Cut c = r.cut();
            CutJson cut = null;
            if (c != null) {
                CutReport.Matched x = c.matched();
                cut = new CutJson(c.file(), c.offset(), c.requested() < 0 ? null : c.requested(),
                        c.adjustment().name().toLowerCase(Locale.ROOT).replace('_', '-'), time(c.stopTime()),
                        x == null ? null : new MatchedJson(x.command(), x.file(), x.offset(), x.db(), time(x.time())));
            }
            CutReport.Base b = r.base();
            BaseJson base = b == null ? null
                    : new BaseJson(b.name(), b.format(), b.bytes(), b.keys() < 0 ? null : b.keys(), b.commands());
            List<FileJson> files = r.files().stream().map(f -> new FileJson(f.name(), f.role(), f.size(), f.keptBytes(),
                    f.action().name().toLowerCase(Locale.ROOT))).toList();
            CutReport.Output o = r.output();
            OutputJson output = o == null ? null : new OutputJson(o.path().toString(),
                    o.directory() ? "appendonlydir" : "file", o.manifest(), o.appendFilename(), o.files(), loadHint(o));
            return new ReportJson(r.source(), r.layout(), r.point(), r.found(), cut, base, SideJson.of(r.kept()),
                    SideJson.of(r.dropped()), files, output, r.notes());
        }
    }

    /** Where the cut is; {@code matched} only for {@code --before}. */
    record CutJson(
            String file,
            long offset,
            Long requestedOffset,
            String adjustment,
            String stopTime,
            @JsonInclude(JsonInclude.Include.NON_NULL) MatchedJson matched) {
    }

    /** The command {@code --before} found. */
    record MatchedJson(String command, String file, long offset, int db, String time) {
    }

    /** The base file or RDB preamble, kept whole; {@code keys} null when unknown. */
    record BaseJson(String name, String format, long bytes, Long keys, long commands) {
    }

    /** What one side of the cut holds. */
    record SideJson(long commands, long transactions, long bytes, String firstTime, String lastTime, boolean partial) {
        static SideJson of(CutReport.Side s) {
            return new SideJson(s.commands(), s.transactions(), s.bytes(), time(s.firstTime()), time(s.lastTime()),
                    s.partial());
        }
    }

    /** What happened to one file of the source. */
    record FileJson(String name, String role, long size, long keptBytes, String action) {
    }

    /** What was written ({@link CutReport.Written} is its files' name and bytes) and how to load it. */
    record OutputJson(String path, String kind, String manifest, String appendFilename, List<CutReport.Written> files,
                      String load) {
    }

    private static String time(long t) {
        return t < 0 ? null : AofTime.iso(t);
    }
}
