package io.redback.cli;

import com.fasterxml.jackson.annotation.JsonInclude;
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
            FixJson fix = fixed != null ? FixDone.of(fixed) : refused != null ? new FixRefused(false, refused) : null;
            out.println(Json.write(ReportJson.of(r, fix)));
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

    /** The {@code --json} report; {@code fix} only with {@code --fix}. */
    record ReportJson(
            String file,
            String verdict,
            String format,
            @JsonInclude(JsonInclude.Include.NON_NULL) ManifestJson manifest,
            List<FileJson> files,
            long commands,
            long annotations,
            long transactions,
            Map<Integer, Long> databases,
            Map<String, Long> topCommands,
            TimeRange timeRange,
            List<String> warnings,
            long bytes,
            double elapsedMs,
            double mbPerSecond,
            @JsonInclude(JsonInclude.Include.NON_NULL) ProblemJson error,
            @JsonInclude(JsonInclude.Include.NON_NULL) CutJson cut,
            @JsonInclude(JsonInclude.Include.NON_NULL) FixJson fix) {

        static ReportJson of(AofCheckReport r, FixJson fix) {
            ManifestJson manifest = r.manifest() == null ? null : new ManifestJson(
                    String.valueOf(r.manifest().file()),
                    r.manifest().base() == null ? null : r.manifest().base().name(),
                    r.manifest().incrs().stream().map(e -> e.name()).toList(),
                    r.history());
            return new ReportJson(r.input(), r.verdict().label(), r.format().label(), manifest,
                    r.files().stream().map(FileJson::of).toList(), r.commands(), r.annotations(), r.transactions(),
                    r.commandsPerDb(), r.topCommands(), TimeRange.of(r.firstTime(), r.lastTime()), r.warnings(),
                    r.bytes(), Math.round(r.elapsedNanos() / 1e6 * 10) / 10.0,
                    Math.round(r.megabytesPerSecond() * 10) / 10.0, ProblemJson.of(r.error()), CutJson.of(r.cut()), fix);
        }
    }

    /** The multi-part manifest: its file, base and incr file names, the history files it lists. */
    record ManifestJson(String file, String base, List<String> incr, List<String> history) {
    }

    /** One file of the input, in load order. */
    record FileJson(
            String name,
            String path,
            String role,
            String content,
            long size,
            String verdict,
            long commands,
            long annotations,
            long transactions,
            Map<Integer, Long> databases,
            Map<String, Long> topCommands,
            TimeRange timeRange,
            @JsonInclude(JsonInclude.Include.NON_NULL) RdbJson rdb,
            @JsonInclude(JsonInclude.Include.NON_NULL) ProblemJson error,
            @JsonInclude(JsonInclude.Include.NON_NULL) CutJson cut,
            List<String> warnings) {

        static FileJson of(AofFileReport f) {
            Map<String, Long> top = new LinkedHashMap<>();
            f.commandsByName().entrySet().stream().limit(AofCheckReport.TOP).forEach(e -> top.put(e.getKey(), e.getValue()));
            RdbSummary s = f.rdb();
            RdbJson rdb = s == null ? null : new RdbJson(s.header().version(), s.header().magic(), s.keys(),
                    s.checksum().jsonName(), s.endOffset());
            return new FileJson(f.name(), f.path(), f.role().label(), f.content().label(), f.size(), f.verdict().label(),
                    f.commands(), f.annotations(), f.transactions(), f.commandsPerDb(), top,
                    TimeRange.of(f.firstTime(), f.lastTime()), rdb, ProblemJson.of(f.error()), CutJson.of(f.cut()),
                    f.warnings());
        }
    }

    /** The RDB preamble or base of a file. */
    record RdbJson(int version, String magic, long keys, String checksum, long endOffset) {
    }

    /** The first and last {@code #TS} time, in unix seconds and in UTC; nulls when there is none. */
    record TimeRange(Long first, Long last, String firstUtc, String lastUtc) {
        static TimeRange of(Long first, Long last) {
            return new TimeRange(first, last, first == null ? null : Instant.ofEpochSecond(first).toString(),
                    last == null ? null : Instant.ofEpochSecond(last).toString());
        }
    }

    /** The first problem: where it is, what was expected and found, what to do. */
    record ProblemJson(
            String kind,
            String file,
            Long offset,
            Long commandIndex,
            Integer db,
            Long time,
            String timeUtc,
            Integer manifestLine,
            String expected,
            String found,
            String message,
            String advice) {

        static ProblemJson of(AofProblem p) {
            if (p == null) {
                return null;
            }
            return new ProblemJson(p.kind().label(), p.file(), p.offset() < 0 ? null : p.offset(),
                    p.commandIndex() < 0 ? null : p.commandIndex(), p.db() < 0 ? null : p.db(), p.time(),
                    p.time() == null ? null : Instant.ofEpochSecond(p.time()).toString(),
                    p.manifestLine() < 0 ? null : p.manifestLine(), p.expected(), p.found(), p.message(), p.advice());
        }
    }

    /** Where a fix would cut and what it would drop. */
    record CutJson(
            String file,
            long size,
            long truncateTo,
            long droppedBytes,
            long droppedCommands,
            boolean droppedIncomplete,
            TimeRange droppedTimeRange,
            boolean needsForce,
            boolean allowed,
            String refusal) {

        static CutJson of(AofCut c) {
            if (c == null) {
                return null;
            }
            return new CutJson(c.file(), c.size(), c.truncateTo(), c.droppedBytes(), c.droppedCommands(),
                    c.droppedIncomplete(), TimeRange.of(c.droppedFromTime(), c.droppedToTime()), c.needsForce(),
                    c.allowed(), c.refusal());
        }
    }

    /** What {@code --fix} did, or why it did nothing. */
    sealed interface FixJson permits FixDone, FixRefused {
    }

    /** A fix that was made: the file, its copy, the sizes, what was dropped, the verdict before. */
    record FixDone(
            boolean done,
            String file,
            String backup,
            long oldSize,
            long newSize,
            long droppedBytes,
            long droppedCommands,
            boolean droppedIncomplete,
            TimeRange droppedTimeRange,
            String verdictBefore,
            ProblemJson errorBefore) implements FixJson {

        static FixDone of(Fixed f) {
            AofFix.Result x = f.result();
            return new FixDone(true, x.file().toString(), x.backup().toString(), x.oldSize(), x.newSize(),
                    x.droppedBytes(), x.droppedCommands(), x.droppedIncomplete(),
                    TimeRange.of(x.droppedFromTime(), x.droppedToTime()), f.before().verdict().label(),
                    ProblemJson.of(f.before().error()));
        }
    }

    /** A fix refused (or not needed): {@code done} is false. */
    record FixRefused(boolean done, String reason) implements FixJson {
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
