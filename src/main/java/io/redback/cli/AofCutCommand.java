package io.redback.cli;

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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
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
            out.println(Json.write(toJson(report)));
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

    static Map<String, Object> toJson(CutReport r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("source", r.source());
        m.put("layout", r.layout());
        m.put("point", r.point());
        m.put("found", r.found());
        CutReport.Cut c = r.cut();
        if (c != null) {
            Map<String, Object> cut = new LinkedHashMap<>();
            cut.put("file", c.file());
            cut.put("offset", c.offset());
            cut.put("requestedOffset", c.requested() < 0 ? null : c.requested());
            cut.put("adjustment", c.adjustment().name().toLowerCase(Locale.ROOT).replace('_', '-'));
            cut.put("stopTime", time(c.stopTime()));
            if (c.matched() != null) {
                CutReport.Matched x = c.matched();
                Map<String, Object> mm = new LinkedHashMap<>();
                mm.put("command", x.command());
                mm.put("file", x.file());
                mm.put("offset", x.offset());
                mm.put("db", x.db());
                mm.put("time", time(x.time()));
                cut.put("matched", mm);
            }
            m.put("cut", cut);
        } else {
            m.put("cut", null);
        }
        if (r.base() != null) {
            CutReport.Base b = r.base();
            Map<String, Object> base = new LinkedHashMap<>();
            base.put("name", b.name());
            base.put("format", b.format());
            base.put("bytes", b.bytes());
            base.put("keys", b.keys() < 0 ? null : b.keys());
            base.put("commands", b.commands());
            m.put("base", base);
        } else {
            m.put("base", null);
        }
        m.put("kept", sideJson(r.kept()));
        m.put("dropped", sideJson(r.dropped()));
        List<Object> files = new ArrayList<>();
        for (CutReport.FileOutcome f : r.files()) {
            Map<String, Object> fm = new LinkedHashMap<>();
            fm.put("name", f.name());
            fm.put("role", f.role());
            fm.put("size", f.size());
            fm.put("keptBytes", f.keptBytes());
            fm.put("action", f.action().name().toLowerCase(Locale.ROOT));
            files.add(fm);
        }
        m.put("files", files);
        CutReport.Output o = r.output();
        if (o != null) {
            Map<String, Object> om = new LinkedHashMap<>();
            om.put("path", o.path().toString());
            om.put("kind", o.directory() ? "appendonlydir" : "file");
            om.put("manifest", o.manifest());
            om.put("appendFilename", o.appendFilename());
            List<Object> written = new ArrayList<>();
            for (CutReport.Written w : o.files()) {
                Map<String, Object> wm = new LinkedHashMap<>();
                wm.put("name", w.name());
                wm.put("bytes", w.bytes());
                written.add(wm);
            }
            om.put("files", written);
            om.put("load", loadHint(o));
            m.put("output", om);
        } else {
            m.put("output", null);
        }
        m.put("notes", r.notes());
        return m;
    }

    private static Map<String, Object> sideJson(CutReport.Side s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("commands", s.commands());
        m.put("transactions", s.transactions());
        m.put("bytes", s.bytes());
        m.put("firstTime", time(s.firstTime()));
        m.put("lastTime", time(s.lastTime()));
        m.put("partial", s.partial());
        return m;
    }

    private static String time(long t) {
        return t < 0 ? null : AofTime.iso(t);
    }
}
