package io.redback.cli;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.redback.aof.PersistenceFiles;
import io.redback.rdb.RdbException;
import io.redback.rdb.RdbInspection;
import io.redback.rdb.RdbInspectionReport;
import io.redback.rdb.RdbInspectionReport.BigKey;
import io.redback.rdb.RdbInspectionReport.ExpiryHistogram;
import io.redback.rdb.RdbInspectionReport.Tally;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code redback inspect FILE}: where an RDB file's keys and bytes go. */
@Command(name = "inspect",
        description = {"Report what an RDB file holds: the biggest keys by serialized size and by element count, "
                + "keys and bytes per type, encoding, key prefix and database, and when keys expire.",
                "",
                "Sizes are bytes in the file (key name plus serialized value), a good guide to what a key "
                        + "costs to save, load and replicate; memory use in a server differs by encoding overhead. "
                        + "Memory used does not grow with the number of keys. A damaged file is reported "
                        + "up to the damage."},
        mixinStandardHelpOptions = true,
        sortOptions = false,
        footerHeading = "%nExamples:%n",
        footer = {"  redback inspect /var/lib/redis/dump.rdb",
                "  redback inspect --top 50 --prefix-depth 2 dump.rdb",
                "  redback inspect --prefix-delimiter / --json dump.rdb | jq '.prefixes'",
                "",
                "Exit codes: 0 the whole file was read, 1 damaged or truncated (the report covers the keys "
                        + "before the damage), 2 could not run (missing file, an AOF rather than an RDB, "
                        + "unsupported version, a structure too large for the heap)."})
public final class InspectCommand implements Callable<Integer> {
    /** Prefixes listed in text output; JSON lists all of them. */
    static final int TEXT_PREFIXES = 20;
    /** Longest key name shown in a text table before it is shortened. */
    static final int TEXT_KEY_WIDTH = 60;

    @Parameters(paramLabel = "FILE", description = "The RDB file to inspect.")
    Path file;

    @Option(names = "--top", paramLabel = "N", defaultValue = "10",
            description = "How many of the biggest keys to list, by size and by elements (default: ${DEFAULT-VALUE}).")
    int top;

    @Option(names = "--prefix-delimiter", paramLabel = "S", defaultValue = ":",
            description = "What separates the segments of a key name (default: \"${DEFAULT-VALUE}\"). "
                    + "Keys without it are counted under \"(no prefix)\".")
    String prefixDelimiter;

    @Option(names = "--prefix-depth", paramLabel = "N", defaultValue = "1",
            description = "How many leading segments make a prefix (default: ${DEFAULT-VALUE}); the last "
                    + "segment of a name is never part of its prefix.")
    int prefixDepth;

    @Option(names = "--max-prefixes", paramLabel = "N", defaultValue = "10000",
            description = "Distinct prefixes to tally (default: ${DEFAULT-VALUE}); once reached, keys with new "
                    + "prefixes are counted under \"(other)\", which keeps memory bounded.")
    int maxPrefixes;

    @Option(names = "--json", description = "Print one JSON document instead of text (all prefixes, not just the top "
            + TEXT_PREFIXES + ").")
    boolean json;

    @Mixin
    QuietOption progress;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = Terminal.out(spec);
        PrintWriter err = Terminal.err(spec);
        RdbInspection.Options options = options();
        if (!Files.exists(file)) {
            err.println("redback inspect: " + file + ": no such file");
            return Main.USAGE;
        }
        if (!Files.isReadable(file)) {
            err.println("redback inspect: " + file + ": permission denied");
            return Main.USAGE;
        }
        PersistenceFiles.Kind kind = PersistenceFiles.detect(file);
        if (kind == PersistenceFiles.Kind.AOF || kind == PersistenceFiles.Kind.MANIFEST
                || kind == PersistenceFiles.Kind.DIR) {
            String what = kind == PersistenceFiles.Kind.DIR ? "a directory (an appendonlydir?)"
                    : kind == PersistenceFiles.Kind.MANIFEST ? "a multi-part AOF manifest" : "an AOF file";
            err.println("redback inspect: " + file + " is " + what + "; inspect reads RDB files. Verify it with "
                    + "`redback check " + file + "`, list its commands with `redback aof log " + file + "`");
            return Main.USAGE;
        }
        if (!Files.isRegularFile(file)) {
            err.println("redback inspect: " + file + ": not a regular file");
            return Main.USAGE;
        }
        RdbInspection inspection = new RdbInspection(file, options, System.currentTimeMillis());
        RdbInspectionReport report;
        try (Progress p = Progress.start("inspect", Files.size(file), inspection::bytesRead, !progress.quiet && !json)) {
            report = inspection.run();
        }
        if (json) {
            out.println(Json.write(ReportJson.of(report)));
        } else {
            printHuman(report, out);
        }
        out.flush();
        return switch (report.outcome()) {
            case COMPLETE -> Main.OK;
            case DAMAGED -> Main.PROBLEM;
            case UNSUPPORTED -> Main.USAGE;
        };
    }

    /** The options, or a usage error naming the bad one. */
    private RdbInspection.Options options() {
        try {
            return new RdbInspection.Options(top, prefixDelimiter, prefixDepth, maxPrefixes);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    // ---------------------------------------------------------------- JSON

    /**
     * The {@code --json} report. The options, tallies and expiry histogram are the report's own
     * records, whose fields are the JSON.
     */
    record ReportJson(
            String file,
            String outcome,
            Integer version,
            String magic,
            String writtenBy,
            long size,
            String now,
            RdbInspection.Options options,
            long keys,
            long bytes,
            long elements,
            List<BigKeyJson> biggestKeysByBytes,
            List<BigKeyJson> biggestKeysByElements,
            Map<String, Tally> types,
            Map<String, Tally> encodings,
            Map<String, Tally> prefixes,
            boolean prefixLimitReached,
            Map<Integer, Tally> databases,
            ExpiryHistogram expiry,
            long keysWithLruIdle,
            long keysWithLfuFreq,
            double elapsedMs,
            double mbPerSecond,
            @JsonInclude(JsonInclude.Include.NON_NULL) Json.RdbError error) {

        static ReportJson of(RdbInspectionReport r) {
            return new ReportJson(r.file(), r.outcome().name().toLowerCase(),
                    r.header() == null ? null : r.header().version(), r.header() == null ? null : r.header().magic(),
                    r.header() == null ? null : r.header().writtenBy(), r.size(), Instant.ofEpochMilli(r.nowMs()).toString(),
                    r.options(), r.keys(), r.bytes(), r.elements(), BigKeyJson.of(r.biggestByBytes()),
                    BigKeyJson.of(r.biggestByElements()), r.types(), r.encodings(), r.prefixes(),
                    r.prefixLimitReached(), r.databases(), r.expiry(), r.keysWithIdle(), r.keysWithFreq(),
                    Math.round(r.elapsedNanos() / 1e6 * 10) / 10.0, Math.round(r.megabytesPerSecond() * 10) / 10.0,
                    r.error() == null ? null : Json.error(r.error()));
        }
    }

    /** One of the biggest keys; {@code expiresAt} is null for a key without an expiry. */
    record BigKeyJson(int db, String key, String type, String encoding, long bytes, long elements, String expiresAt) {
        static List<BigKeyJson> of(List<BigKey> keys) {
            return keys.stream().map(k -> new BigKeyJson(k.db(), k.key(), k.type(), k.encoding(), k.bytes(),
                    k.elements(), k.expiresAt() == null ? null : k.expiresAt().toString())).toList();
        }
    }

    // ---------------------------------------------------------------- text

    private static void printHuman(RdbInspectionReport r, PrintWriter out) {
        printHeadline(r, out);
        if (r.keys() == 0) {
            return;
        }
        if (r.options().top() > 0) {
            out.println();
            out.printf("Biggest keys by size (top %d)%n", r.options().top());
            bigKeysTable(r.biggestByBytes()).print(out);
            out.println();
            out.printf("Biggest keys by elements (top %d)%n", r.options().top());
            bigKeysTable(r.biggestByElements()).print(out);
        }
        out.println();
        out.println("Types");
        talliesTable("TYPE", r.types(), r.bytes(), Integer.MAX_VALUE).print(out);
        out.println();
        out.println("Encodings");
        talliesTable("ENCODING", r.encodings(), r.bytes(), Integer.MAX_VALUE).print(out);
        out.println();
        printPrefixes(r, out);
        out.println();
        out.println("Databases");
        Map<String, Tally> dbs = new LinkedHashMap<>();
        r.databases().forEach((db, t) -> dbs.put(Integer.toString(db), t));
        talliesTable("DB", dbs, r.bytes(), Integer.MAX_VALUE).print(out);
        out.println();
        printExpiry(r, out);
    }

    private static void printHeadline(RdbInspectionReport r, PrintWriter out) {
        RdbException e = r.error();
        String what = switch (r.outcome()) {
            case COMPLETE -> "";
            case DAMAGED -> e.kind() == RdbException.Kind.TRUNCATED ? " (DAMAGED: truncated; figures cover the keys "
                    + "before the damage)" : " (DAMAGED; figures cover the keys before the damage)";
            case UNSUPPORTED -> " (NOT FULLY READ: " + (e.kind() == RdbException.Kind.TOO_NEW ? "format too new"
                    : e.kind() == RdbException.Kind.TOO_LARGE ? "too large for this heap" : "unsupported content") + ")";
        };
        out.printf("%s: %,d keys, %,d elements, %,d bytes in keys%s%n", r.file(), r.keys(), r.elements(),
                r.bytes(), what);
        if (r.header() != null) {
            out.printf("  format     RDB version %d (%s, written by %s), %,d bytes, read in %.1f ms%n",
                    r.header().version(), r.header().label(), r.header().writtenBy(), r.size(),
                    r.elapsedNanos() / 1e6);
        }
        if (e != null) {
            out.printf("  error      %s%n", e.getMessage());
            out.printf("  advice     %s%n", e.advice());
        }
    }

    private static Table bigKeysTable(List<BigKey> keys) {
        Table t = new Table("#", "DB", "KEY", "TYPE", "ENCODING", "BYTES", "ELEMENTS", "EXPIRES")
                .leftAligned(2, 3, 4, 7);
        int rank = 1;
        for (BigKey k : keys) {
            t.row(Integer.toString(rank++), Integer.toString(k.db()), shorten(k.key()), k.type(), k.encoding(),
                    String.format("%,d", k.bytes()), String.format("%,d", k.elements()),
                    k.expiresAt() == null ? "-" : k.expiresAt().toString());
        }
        return t;
    }

    private static Table talliesTable(String title, Map<String, Tally> tallies, long totalBytes, int limit) {
        Table t = new Table(title, "KEYS", "BYTES", "%BYTES", "ELEMENTS").leftAligned(0);
        tallies.entrySet().stream().limit(limit).forEach(e -> t.row(shorten(e.getKey()),
                String.format("%,d", e.getValue().keys()), String.format("%,d", e.getValue().bytes()),
                percent(e.getValue().bytes(), totalBytes), String.format("%,d", e.getValue().elements())));
        return t;
    }

    private static void printPrefixes(RdbInspectionReport r, PrintWriter out) {
        RdbInspection.Options o = r.options();
        int shown = Math.min(TEXT_PREFIXES, r.prefixes().size());
        out.printf("Prefixes (delimiter \"%s\", depth %d; %s by bytes)%n", o.prefixDelimiter(), o.prefixDepth(),
                shown < r.prefixes().size() ? "top " + shown + " of " + r.prefixes().size() : "all "
                        + r.prefixes().size());
        talliesTable("PREFIX", r.prefixes(), r.bytes(), TEXT_PREFIXES).print(out);
        if (shown < r.prefixes().size()) {
            out.printf("  ... %,d more (all are in --json)%n", r.prefixes().size() - shown);
        }
        if (r.prefixLimitReached()) {
            out.printf("  note: more than %,d distinct prefixes; keys with prefixes met after that are counted "
                    + "under \"%s\" (raise --max-prefixes to see them)%n", o.maxPrefixes(),
                    RdbInspectionReport.OTHER_PREFIXES);
        }
    }

    private static void printExpiry(RdbInspectionReport r, PrintWriter out) {
        ExpiryHistogram h = r.expiry();
        out.printf("Expiry (relative to %s)%n", Instant.ofEpochMilli(r.nowMs()));
        Table t = new Table("WHEN", "KEYS", "%KEYS").leftAligned(0);
        expiryRow(t, "no expiry", h.noExpiry(), r.keys());
        expiryRow(t, "already expired", h.alreadyExpired(), r.keys());
        expiryRow(t, "within 1 hour", h.within1Hour(), r.keys());
        expiryRow(t, "1 hour to 1 day", h.within1Day(), r.keys());
        expiryRow(t, "1 to 7 days", h.within7Days(), r.keys());
        expiryRow(t, "7 to 30 days", h.within30Days(), r.keys());
        expiryRow(t, "later", h.later(), r.keys());
        t.print(out);
        if (r.keysWithIdle() > 0 || r.keysWithFreq() > 0) {
            out.printf("  eviction info: %,d key(s) with an LRU idle time, %,d with an LFU counter%n",
                    r.keysWithIdle(), r.keysWithFreq());
        }
    }

    private static void expiryRow(Table t, String label, long n, long total) {
        t.row(label, String.format("%,d", n), percent(n, total));
    }

    private static String percent(long part, long total) {
        return total == 0 ? "-" : String.format("%.1f%%", 100.0 * part / total);
    }

    /** Keeps tables readable when a name is long; the full name is in --json. */
    static String shorten(String s) {
        return s.length() <= TEXT_KEY_WIDTH ? s : s.substring(0, TEXT_KEY_WIDTH - 3) + "...";
    }

    /** A text table with columns padded to their widest cell; numbers right-aligned unless told. */
    static final class Table {
        private final String[] headers;
        private final boolean[] left;
        private final List<String[]> rows = new ArrayList<>();

        Table(String... headers) {
            this.headers = headers;
            this.left = new boolean[headers.length];
        }

        Table leftAligned(int... columns) {
            for (int c : columns) {
                left[c] = true;
            }
            return this;
        }

        Table row(String... cells) {
            rows.add(cells);
            return this;
        }

        void print(PrintWriter out) {
            int[] width = new int[headers.length];
            for (int c = 0; c < headers.length; c++) {
                width[c] = headers[c].length();
                for (String[] row : rows) {
                    width[c] = Math.max(width[c], row[c].length());
                }
            }
            line(out, headers, width);
            for (String[] row : rows) {
                line(out, row, width);
            }
        }

        private void line(PrintWriter out, String[] cells, int[] width) {
            StringBuilder sb = new StringBuilder(" ");
            for (int c = 0; c < cells.length; c++) {
                sb.append(' ');
                String cell = cells[c];
                String pad = " ".repeat(width[c] - cell.length());
                sb.append(left[c] ? cell + pad : pad + cell);
            }
            // Left-aligned last columns would leave trailing blanks.
            out.println(sb.toString().stripTrailing());
        }
    }
}
