package io.redback.cli;

import io.redback.aof.AofCheck;
import io.redback.aof.AofCheckReport;
import io.redback.aof.AofCut;
import io.redback.aof.AofFileReport;
import io.redback.aof.AofFix;
import io.redback.aof.AofProblem;
import io.redback.aof.AofVerdict;
import io.redback.rdb.RdbSummary;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * The AOF side of {@code redback check}: runs {@link AofCheck} (and {@link AofFix} for
 * {@code --fix}), and prints the report as text or JSON. Kept apart so that CheckCommand only
 * decides what the input is.
 */
final class AofCheckOutput {
    private final boolean json;
    private final boolean quiet;
    private final PrintWriter out;
    private final PrintWriter err;

    AofCheckOutput(boolean json, boolean quiet, PrintWriter out, PrintWriter err) {
        this.json = json;
        this.quiet = quiet;
        this.out = out;
        this.err = err;
    }

    /**
     * Checks (and with {@code fix}, repairs) an AOF input and returns the exit code.
     *
     * @param rdbFallback for a file that may be a plain RDB: run when nothing follows the RDB
     *                    (or its RDB part cannot be read), to report it as an RDB; else null
     */
    int run(Path path, AofCheck.Input input, boolean fix, boolean force, Callable<Integer> rdbFallback) throws Exception {
        AofCheckReport report;
        try {
            report = check(path, input);
        } catch (IOException e) {
            err.println("redback check: " + e.getMessage());
            return Main.USAGE;
        }
        if (rdbFallback != null && (report.rdbOnly() || report.files().get(0).rdb() == null)) {
            return rdbFallback.call();
        }
        if (!fix || report.verdict() == AofVerdict.VALID) {
            print(report, null, fix ? "nothing to fix: the AOF is valid" : null);
            return exitCode(report.verdict());
        }
        AofFix.Result result;
        try {
            result = AofFix.apply(report, force, Instant.now());
        } catch (AofFix.Refused e) {
            print(report, null, e.getMessage());
            return exitCode(report.verdict());
        }
        AofCheckReport after = check(path, input);
        print(after, new Fixed(report, result), null);
        return exitCode(after.verdict());
    }

    private AofCheckReport check(Path path, AofCheck.Input input) throws IOException {
        AofCheck check = new AofCheck(path, input);
        long planned = quiet || json ? 0 : check.plannedBytes();
        try (Progress p = Progress.start("check", Math.max(1, planned), check::bytesRead, planned > 0)) {
            return check.run();
        }
    }

    /** The report before a fix and what the fix did. */
    private record Fixed(AofCheckReport before, AofFix.Result result) {
    }

    static int exitCode(AofVerdict v) {
        return switch (v) {
            case VALID -> Main.OK;
            case TRUNCATED_TAIL, DAMAGED -> Main.PROBLEM;
            case UNSUPPORTED -> Main.USAGE;
        };
    }

    private void print(AofCheckReport r, Fixed fixed, String refused) {
        if (json) {
            Map<String, Object> m = toJson(r);
            if (fixed != null) {
                m.put("fix", fixJson(fixed));
            } else if (refused != null) {
                Map<String, Object> f = new LinkedHashMap<>();
                f.put("done", false);
                f.put("reason", refused);
                m.put("fix", f);
            }
            out.println(Json.write(m));
        } else {
            if (fixed != null) {
                printFixed(fixed);
            }
            printHuman(r);
            if (refused != null) {
                out.printf("  fix        %s%n", refused);
            }
        }
        out.flush();
    }

    // ---------------------------------------------------------------- JSON

    static Map<String, Object> toJson(AofCheckReport r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("file", r.input());
        m.put("verdict", r.verdict().label());
        m.put("format", r.format().label());
        if (r.manifest() != null) {
            Map<String, Object> man = new LinkedHashMap<>();
            man.put("file", String.valueOf(r.manifest().file()));
            man.put("base", r.manifest().base() == null ? null : r.manifest().base().name());
            man.put("incr", r.manifest().incrs().stream().map(e -> e.name()).toList());
            man.put("history", r.history());
            m.put("manifest", man);
        }
        List<Map<String, Object>> files = new ArrayList<>();
        for (AofFileReport f : r.files()) {
            files.add(fileJson(f));
        }
        m.put("files", files);
        m.put("commands", r.commands());
        m.put("annotations", r.annotations());
        m.put("transactions", r.transactions());
        m.put("databases", dbJson(r.commandsPerDb()));
        m.put("topCommands", r.topCommands());
        m.put("timeRange", timeRange(r.firstTime(), r.lastTime()));
        m.put("warnings", r.warnings());
        m.put("bytes", r.bytes());
        m.put("elapsedMs", Math.round(r.elapsedNanos() / 1e6 * 10) / 10.0);
        m.put("mbPerSecond", Math.round(r.megabytesPerSecond() * 10) / 10.0);
        if (r.error() != null) {
            m.put("error", errorJson(r.error()));
        }
        if (r.cut() != null) {
            m.put("cut", cutJson(r.cut()));
        }
        return m;
    }

    private static Map<String, Object> fileJson(AofFileReport f) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", f.name());
        m.put("path", f.path());
        m.put("role", f.role().label());
        m.put("content", f.content().label());
        m.put("size", f.size());
        m.put("verdict", f.verdict().label());
        m.put("commands", f.commands());
        m.put("annotations", f.annotations());
        m.put("transactions", f.transactions());
        m.put("databases", dbJson(f.commandsPerDb()));
        Map<String, Long> top = new LinkedHashMap<>();
        f.commandsByName().entrySet().stream().limit(AofCheckReport.TOP).forEach(e -> top.put(e.getKey(), e.getValue()));
        m.put("topCommands", top);
        m.put("timeRange", timeRange(f.firstTime(), f.lastTime()));
        if (f.rdb() != null) {
            RdbSummary s = f.rdb();
            Map<String, Object> rdb = new LinkedHashMap<>();
            rdb.put("version", s.header().version());
            rdb.put("magic", s.header().magic());
            rdb.put("keys", s.keys());
            rdb.put("checksum", s.checksum().jsonName());
            rdb.put("endOffset", s.endOffset());
            m.put("rdb", rdb);
        }
        if (f.error() != null) {
            m.put("error", errorJson(f.error()));
        }
        if (f.cut() != null) {
            m.put("cut", cutJson(f.cut()));
        }
        m.put("warnings", f.warnings());
        return m;
    }

    private static Map<String, Long> dbJson(Map<Integer, Long> perDb) {
        Map<String, Long> m = new LinkedHashMap<>();
        perDb.forEach((db, n) -> m.put(Integer.toString(db), n));
        return m;
    }

    private static Map<String, Object> timeRange(Long first, Long last) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("first", first);
        m.put("last", last);
        m.put("firstUtc", first == null ? null : Instant.ofEpochSecond(first).toString());
        m.put("lastUtc", last == null ? null : Instant.ofEpochSecond(last).toString());
        return m;
    }

    private static Map<String, Object> errorJson(AofProblem p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("kind", p.kind().label());
        m.put("file", p.file());
        m.put("offset", p.offset() < 0 ? null : p.offset());
        m.put("commandIndex", p.commandIndex() < 0 ? null : p.commandIndex());
        m.put("db", p.db() < 0 ? null : p.db());
        m.put("time", p.time());
        m.put("timeUtc", p.time() == null ? null : Instant.ofEpochSecond(p.time()).toString());
        m.put("manifestLine", p.manifestLine() < 0 ? null : p.manifestLine());
        m.put("expected", p.expected());
        m.put("found", p.found());
        m.put("message", p.message());
        m.put("advice", p.advice());
        return m;
    }

    private static Map<String, Object> cutJson(AofCut c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("file", c.file());
        m.put("size", c.size());
        m.put("truncateTo", c.truncateTo());
        m.put("droppedBytes", c.droppedBytes());
        m.put("droppedCommands", c.droppedCommands());
        m.put("droppedIncomplete", c.droppedIncomplete());
        m.put("droppedTimeRange", timeRange(c.droppedFromTime(), c.droppedToTime()));
        m.put("needsForce", c.needsForce());
        m.put("allowed", c.allowed());
        m.put("refusal", c.refusal());
        return m;
    }

    private static Map<String, Object> fixJson(Fixed f) {
        AofFix.Result x = f.result();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("done", true);
        m.put("file", x.file().toString());
        m.put("backup", x.backup().toString());
        m.put("oldSize", x.oldSize());
        m.put("newSize", x.newSize());
        m.put("droppedBytes", x.droppedBytes());
        m.put("droppedCommands", x.droppedCommands());
        m.put("droppedIncomplete", x.droppedIncomplete());
        m.put("droppedTimeRange", timeRange(x.droppedFromTime(), x.droppedToTime()));
        m.put("verdictBefore", f.before().verdict().label());
        m.put("errorBefore", f.before().error() == null ? null : errorJson(f.before().error()));
        return m;
    }

    // ---------------------------------------------------------------- text

    private void printFixed(Fixed f) {
        AofFix.Result x = f.result();
        out.printf("%s: FIXED: %s truncated from %,d to %,d bytes%n", f.before().input(), x.file().getFileName(),
                x.oldSize(), x.newSize());
        out.printf("  dropped    %s%n", dropped(x.droppedBytes(), x.droppedCommands(), x.droppedIncomplete(),
                x.droppedFromTime(), x.droppedToTime()));
        out.printf("  was        %s: %s%n", f.before().verdict().label(), f.before().error().message());
        out.printf("  original   %s%n", x.backup());
        out.println();
    }

    private void printHuman(AofCheckReport r) {
        AofProblem e = r.error();
        out.printf("%s: %s%n", r.input(), verdictLine(r));
        if (e != null) {
            out.printf("  error      %s%n", e.message());
        }
        if (r.cut() != null) {
            out.printf("  cut        %s%n", cutLine(r.cut()));
        }
        if (e != null && e.advice() != null) {
            out.printf("  advice     %s%n", e.advice());
        }
        if (quiet) {
            return;
        }
        out.printf("  format     %s%n", formatLine(r));
        if (!r.files().isEmpty()) {
            printFiles(r.files());
        }
        out.printf("  commands   %,d%s in %d database(s); %,d MULTI/EXEC block(s), %,d annotation(s)%n", r.commands(),
                e == null ? "" : " read before the problem", r.commandsPerDb().size(), r.transactions(), r.annotations());
        r.commandsPerDb().forEach((db, n) -> out.printf("    db %-4d  %,d%n", db, n));
        if (!r.topCommands().isEmpty()) {
            StringBuilder sb = new StringBuilder();
            r.topCommands().forEach((name, n) -> sb.append(sb.length() == 0 ? "" : ", ").append(name).append(' ')
                    .append(String.format("%,d", n)));
            out.printf("  top        %s%n", sb);
        }
        out.printf("  time       %s%n", r.firstTime() == null ? "unknown (no #TS annotations; aof-timestamp-enabled is off)"
                : Instant.ofEpochSecond(r.firstTime()) + " .. " + Instant.ofEpochSecond(r.lastTime())
                + " (from #TS annotations)");
        if (!r.history().isEmpty()) {
            out.printf("  history    %s (listed, never loaded, not read)%n", String.join(", ", r.history()));
        }
        for (String w : r.warnings()) {
            out.printf("  warning    %s%n", w);
        }
        out.printf("  read       %,d bytes in %.1f ms (%.1f MB/s)%n", r.bytes(), r.elapsedNanos() / 1e6,
                r.megabytesPerSecond());
    }

    private static String verdictLine(AofCheckReport r) {
        AofProblem e = r.error();
        return switch (r.verdict()) {
            case VALID -> "VALID: every command read" + (r.files().size() > 1 ? " in " + r.files().size() + " files" : "")
                    + (r.files().stream().anyMatch(f -> f.rdb() != null) ? ", RDB part read" : "");
            case TRUNCATED_TAIL -> "TRUNCATED TAIL: " + e.file() + (r.cut() != null && !r.cut().droppedIncomplete()
                    ? " ends inside a MULTI that has no EXEC" : " ends inside a command")
                    + " (Redis loads it with aof-load-truncated yes, dropping the tail)";
            case DAMAGED -> "DAMAGED" + (e.kind() == AofProblem.Kind.MANIFEST ? ": bad manifest"
                    : e.kind() == AofProblem.Kind.MISSING_FILE ? ": a listed file is missing"
                    : e.kind() == AofProblem.Kind.TRUNCATED ? ": " + e.file() + " is truncated and is not the last file"
                    : e.kind() == AofProblem.Kind.RDB_DAMAGED ? ": the RDB part of " + e.file() + " is damaged"
                    : ": " + e.file() + " has bytes Redis cannot read");
            case UNSUPPORTED -> "NOT CHECKED: the RDB part of " + e.file() + " is of a version or type this release "
                    + "cannot read";
        };
    }

    private static String formatLine(AofCheckReport r) {
        return switch (r.format()) {
            case AOF -> "AOF (commands only), " + String.format("%,d", r.bytes()) + " bytes";
            case AOF_RDB_PREAMBLE -> "AOF with an RDB preamble, " + String.format("%,d", r.bytes()) + " bytes";
            case AOF_MULTIPART -> "multi-part AOF" + (r.manifest() == null ? "" : ", manifest "
                    + r.manifest().file().getFileName() + " (" + (r.manifest().base() == null ? "no base" : "base")
                    + " + " + r.manifest().incrs().size() + " incr file(s))") + ", "
                    + String.format("%,d", r.bytes()) + " bytes";
        };
    }

    private void printFiles(List<AofFileReport> files) {
        int w = Math.max(4, files.stream().mapToInt(f -> f.name().length()).max().orElse(4));
        out.printf("  files      %-" + w + "s  %-6s %-12s %12s %10s  %s%n", "FILE", "ROLE", "CONTENT", "BYTES", "COMMANDS",
                "VERDICT");
        for (AofFileReport f : files) {
            String extra = "";
            if (f.rdb() != null) {
                extra = "  (RDB " + f.rdb().header().version() + ", " + String.format("%,d", f.rdb().keys()) + " keys, "
                        + f.rdb().checksum().phrase() + ")";
            }
            out.printf("             %-" + w + "s  %-6s %-12s %,12d %,10d  %s%s%n", f.name(), f.role().label(),
                    f.content().label(), f.size(), f.commands(), f.verdict().label(), extra);
        }
    }

    private static String cutLine(AofCut c) {
        String what = "truncating " + c.file() + " at byte " + String.format("%,d", c.truncateTo()) + " would drop "
                + dropped(c.droppedBytes(), c.droppedCommands(), c.droppedIncomplete(), c.droppedFromTime(),
                c.droppedToTime());
        if (!c.allowed()) {
            return what + "; not offered: the file is not the last one Redis loads";
        }
        return what + (c.needsForce() ? "; `redback check --fix --force` does it" : "; `redback check --fix` does it");
    }

    private static String dropped(long bytes, long commands, boolean incomplete, Long from, Long to) {
        StringBuilder sb = new StringBuilder(String.format("%,d byte(s)", bytes));
        List<String> parts = new ArrayList<>();
        if (commands > 0) {
            parts.add(String.format("%,d complete command(s) of a MULTI without EXEC", commands));
        }
        if (incomplete) {
            parts.add("an incomplete or unreadable tail");
        }
        if (!parts.isEmpty()) {
            sb.append(": ").append(String.join(" and ", parts));
        }
        if (from != null || to != null) {
            Long a = from != null ? from : to;
            Long b = to != null ? to : from;
            sb.append(a.equals(b) ? " (#TS " + Instant.ofEpochSecond(a) + ")"
                    : " (#TS " + Instant.ofEpochSecond(a) + " .. " + Instant.ofEpochSecond(b) + ")");
        }
        return sb.toString();
    }
}
