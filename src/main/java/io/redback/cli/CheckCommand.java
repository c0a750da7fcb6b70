package io.redback.cli;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.redback.aof.AofCheck;
import io.redback.aof.PersistenceFiles;
import io.redback.rdb.RdbCheck;
import io.redback.cluster.ClusterCheck;
import io.redback.cluster.ClusterSources;
import io.redback.rdb.RdbCheckReport;
import io.redback.rdb.RdbException;
import io.redback.repo.Repository;
import io.redback.storage.RepositoryUrl;
import io.redback.storage.Storage;
import io.redback.check.RepositoryCheck;
import io.redback.check.RepositoryCheckReport;
import io.redback.metrics.Metrics;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code redback check FILE}: verifies an RDB file byte by byte and says what it holds; AOF
 * inputs (a file, a manifest, an appendonlydir) go to {@link AofCheckOutput}, which can also
 * repair a truncated AOF tail ({@code --fix}).
 */
@Command(name = "check",
        description = {"Check an RDB file: header, every key and every embedded listpack/ziplist/intset/zipmap "
                + "(as strictly as Redis's deep sanitizer), stream layouts, module payloads and the CRC64 footer.",
                "",
                "Prints the verdict, the format version, aux fields, keys per database and type, expiring keys "
                        + "(and how many are already expired), functions, modules, the checksum status and the "
                        + "read speed. On damage it names the byte offset, the key being read, what was expected "
                        + "and found, and what to do.",
                "",
                "Also checks AOFs the way Redis loads them: a single AOF file, an AOF with an RDB preamble, a "
                        + "multi-part manifest or an appendonlydir (every listed base and incr file read through). "
                        + "Verdicts: valid, truncated-tail (the last command of the last file is incomplete, or a "
                        + "MULTI there has no EXEC: what aof-load-truncated drops), damaged. --fix truncates a "
                        + "truncated tail back to the last complete command outside a MULTI, after copying the file "
                        + "to <name>.<UTC time>.orig; --fix --force also cuts a damaged last file at its first bad "
                        + "byte. An RDB is never modified.",
                "",
                "With --repo URL instead of FILE it checks a repository: for every source (or --name), each "
                        + "snapshot's data object is there with its stored size, and each timeline has its base "
                        + "snapshot and segments that continue each other from its start offset (every gap is "
                        + "reported with its offsets and the arrival times around it), each present with its size. "
                        + "--read-data also reads every object: SHA-256s against the manifests, each RDB read whole, "
                        + "each segment parsed with its command bytes adding up to its offsets. Repository locks (a prune or "
                        + "compact running, or a stale lock its killed process left) are noted. A cluster (--name "
                        + "CLUSTER, or every one without --name) gets a verdict of its own: its shards' sources "
                        + "checked as sources, and its cluster snapshots readable and naming shard snapshots that "
                        + "are there."},
        mixinStandardHelpOptions = true,
        footerHeading = "%nExamples:%n",
        footer = {"  redback check /var/lib/redis/dump.rdb",
                "  redback check --json dump.rdb | jq .verdict",
                "  redback check /var/lib/redis/appendonlydir",
                "  redback check --fix /var/lib/redis/appendonlydir      (stop Redis first)",
                "  redback check --repo s3://backups/redis --read-data",
                "",
                "Exit codes: 0 valid, 1 damaged or truncated, 2 could not run (missing file, unsupported version, "
                        + "a structure too large for the heap).",
                "With --repo: 0 clean, 1 a gap or damage found, 2 the repository could not be read."})
public final class CheckCommand implements Callable<Integer> {
    /** What to treat the input as; {@code auto} looks at it. */
    enum InputType { auto, rdb, aof, manifest, dir }

    @Parameters(paramLabel = "FILE", arity = "0..1",
            description = "The RDB file, AOF file, AOF manifest or appendonlydir to check (or --repo).")
    Path file;

    @Option(names = "--repo", paramLabel = "URL", description = "Check this repository instead of a file: a path, "
            + "file:///abs/path or s3://bucket/prefix[?endpoint=...]. A document that cannot be read (a manifest, "
            + "timeline.json, stream.json) is reported as damaged and the rest checked without it.")
    String repo;

    @Mixin
    SourceNameOption name;

    @Mixin
    RepoPasswordOptions password = new RepoPasswordOptions();

    @Option(names = "--read-data", description = "With --repo: read every object too (SHA-256s, RDBs read whole, "
            + "segments parsed), not only its presence and size.")
    boolean readData;

    @Mixin
    JsonOption output;

    @Mixin
    MetricsFileOption metrics;

    @Option(names = {"-q", "--quiet"}, description = "No progress bar; with text output, print only the verdict line "
            + "and the error.")
    boolean quiet;

    @Option(names = "--type", paramLabel = "TYPE", defaultValue = "auto", description = "What FILE is: ${COMPLETION-CANDIDATES} "
            + "(default: ${DEFAULT-VALUE}: a directory is an appendonlydir, a file whose first non-comment line starts "
            + "with 'file' a manifest, a file starting with '*' or '#' or named .aof an AOF, a file starting with REDIS "
            + "an RDB unless commands follow the RDB).")
    InputType type;

    @Option(names = "--fix", description = "AOF only: truncate a truncated tail back to the last complete command "
            + "outside an open MULTI, keeping a copy of the original beside it (<name>.<UTC time>.orig). Stop Redis first.")
    boolean fix;

    @Option(names = "--force", description = "With --fix: also truncate a damaged last AOF file from its first bad byte "
            + "(everything after it is dropped, valid or not).")
    boolean force;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = Terminal.out(spec);
        PrintWriter err = Terminal.err(spec);
        if (repo != null || file == null) {
            return checkRepository(out, err);
        }
        if (name.given() != null || readData || metrics.file != null) {
            err.println("redback check: --name, --read-data and --metrics-file go with --repo");
            return Main.USAGE;
        }
        if (!Files.exists(file)) {
            err.println("redback check: " + file + ": no such file");
            return Main.USAGE;
        }
        if (!Files.isReadable(file)) {
            err.println("redback check: " + file + ": permission denied");
            return Main.USAGE;
        }
        if (force && !fix) {
            err.println("redback check: --force only goes with --fix");
            return Main.USAGE;
        }
        PersistenceFiles.Kind kind = switch (type) {
            case auto -> PersistenceFiles.detect(file);
            case rdb -> PersistenceFiles.Kind.RDB;
            case aof -> PersistenceFiles.Kind.AOF;
            case manifest -> PersistenceFiles.Kind.MANIFEST;
            case dir -> PersistenceFiles.Kind.DIR;
        };
        AofCheckOutput aof = new AofCheckOutput(output.json, quiet, out, err);
        return switch (kind) {
            case RDB -> checkRdb(out, err);
            case RDB_OR_AOF -> aof.run(file, AofCheck.Input.FILE, fix, force, () -> checkRdb(out, err));
            case AOF -> aof.run(file, AofCheck.Input.FILE, fix, force, null);
            case MANIFEST -> aof.run(file, AofCheck.Input.MANIFEST, fix, force, null);
            case DIR -> aof.run(file, AofCheck.Input.DIR, fix, force, null);
        };
    }

    private int checkRepository(PrintWriter out, PrintWriter err) {
        if (repo == null) {
            err.println("redback check: give a FILE to check, or --repo URL for a repository");
            return Main.USAGE;
        }
        if (file != null || fix || force || type != InputType.auto) {
            err.println("redback check: --repo checks a repository; FILE, --fix, --force and --type are for files");
            return Main.USAGE;
        }
        RepositoryCheckReport report;
        List<ClusterCheck.Verdict> clusters;
        try (Storage storage = password.unlock(RepositoryUrl.parse(repo, Main.env(spec)).open(), Main.env(spec))) {
            Repository repository = Repository.open(storage);
            RepositoryCheck check = new RepositoryCheck(repository, Clock.systemUTC());
            String n = name.given();
            if (n != null && !repository.sources().contains(Repository.checkSourceName(n))
                    && ClusterSources.isCluster(repository, n)) {
                ClusterCheck.Result r = ClusterCheck.run(repository, check, n,
                        readData ? RepositoryCheck.ReadData.ALL : RepositoryCheck.ReadData.NONE);
                report = r.report();
                clusters = List.of(r.verdict());
            } else {
                report = check.run(n, readData);
                clusters = n == null ? ClusterCheck.verdicts(repository, report) : List.of();
            }
            checked(err, repository, report);
        } catch (IOException | RuntimeException e) {
            metrics.failed("check", err, "check", name.given() == null ? List.of() : List.of(name.given()), null);
            err.println("redback check: " + Text.message(e));
            return Main.USAGE;
        }
        if (output.json) {
            out.println(Json.write(RepoCheckOutput.json(report, clusters)));
        } else {
            RepoCheckOutput.print(report, clusters, out);
        }
        out.flush();
        return report.clean() && clusters.stream().allMatch(ClusterCheck.Verdict::clean) ? Main.OK : Main.PROBLEM;
    }

    /**
     * A check that ran: a clean source's last clean check is now; one with a problem keeps its old
     * one (the alert rules watch it), as the agent's check job does. Not a failure: the check worked.
     */
    private void checked(PrintWriter err, Repository repository, RepositoryCheckReport report) {
        double finished = Metrics.seconds(report.checkedAt()); // taken when the check ended
        List<String> sources = report.sources().stream().map(RepositoryCheckReport.SourceResult::source).toList();
        metrics.succeeded("check", err, "check", repository, sources, (m, before) -> {
            for (RepositoryCheckReport.SourceResult r : report.sources()) {
                if (r.problems().isEmpty()) {
                    m.checkLastSuccess.labelValues(r.source()).set(finished);
                }
            }
        });
    }

    private int checkRdb(PrintWriter out, PrintWriter err) throws IOException {
        if (fix) {
            err.println("redback check: " + file + " is an RDB file; --fix repairs AOF tails only and never modifies an "
                    + "RDB (no truncation makes a damaged RDB whole). Run without --fix to see what is wrong, and use "
                    + "another copy; if it is an AOF with an RDB preamble, add --type aof.");
            return Main.USAGE;
        }
        if (!Files.isRegularFile(file)) {
            err.println("redback check: " + file + ": not a regular file");
            return Main.USAGE;
        }
        RdbCheck check = new RdbCheck(file, System.currentTimeMillis());
        RdbCheckReport report;
        try (Progress p = Progress.start("check", Files.size(file), check::bytesRead, !quiet && !output.json)) {
            report = check.run();
        }
        if (output.json) {
            out.println(Json.write(RdbReportJson.of(report)));
        } else {
            printHuman(report, out, quiet);
        }
        out.flush();
        if (report.trailingBytes() > 0) {
            err.println("redback check: bytes follow the RDB in " + file + "; if it is an AOF with an RDB preamble, "
                    + "check it with --type aof");
        }
        return switch (report.verdict()) {
            case VALID -> Main.OK;
            case DAMAGED -> Main.PROBLEM;
            case UNSUPPORTED -> Main.USAGE;
        };
    }

    /** The {@code --json} report of an RDB check. */
    record RdbReportJson(
            String file,
            String verdict,
            String format,
            Integer version,
            String magic,
            String writtenBy,
            long size,
            SortedMap<String, String> aux,
            long keys,
            long elements,
            Map<String, DbJson> databases,
            SortedMap<String, Long> encodings,
            long keysWithExpiry,
            long keysAlreadyExpired,
            List<String> functions,
            SortedMap<String, Long> modules,
            ChecksumJson checksum,
            List<String> warnings,
            double elapsedMs,
            double mbPerSecond,
            @JsonInclude(JsonInclude.Include.NON_NULL) Json.RdbError error) {

        static RdbReportJson of(RdbCheckReport r) {
            Map<String, DbJson> dbs = new LinkedHashMap<>();
            r.keysPerDbAndType().forEach((db, types) -> dbs.put(Integer.toString(db),
                    new DbJson(types.values().stream().mapToLong(Long::longValue).sum(), new TreeMap<>(types))));
            boolean crcs = r.storedCrc() != 0 || r.computedCrc() != 0;
            ChecksumJson checksum = new ChecksumJson(r.checksum().jsonName(),
                    crcs ? String.format("%016x", r.storedCrc()) : null,
                    crcs ? String.format("%016x", r.computedCrc()) : null);
            return new RdbReportJson(r.file(), r.verdict().name().toLowerCase(), "rdb",
                    r.header() == null ? null : r.header().version(), r.header() == null ? null : r.header().magic(),
                    r.header() == null ? null : r.header().writtenBy(), r.size(), new TreeMap<>(r.aux()), r.keys(),
                    r.elements(), dbs, new TreeMap<>(r.keysPerEncoding()), r.keysWithExpiry(), r.keysAlreadyExpired(),
                    r.functions(), new TreeMap<>(r.modules()), checksum, r.warnings(),
                    Math.round(r.elapsedNanos() / 1e6 * 10) / 10.0, Math.round(r.megabytesPerSecond() * 10) / 10.0,
                    r.error() == null ? null : Json.error(r.error()));
        }
    }

    /** One database: its keys, and its keys per type. */
    record DbJson(long keys, SortedMap<String, Long> types) {
    }

    /** The CRC64 footer: its status, and both values unless both are zero. */
    record ChecksumJson(
            String status,
            @JsonInclude(JsonInclude.Include.NON_NULL) String stored,
            @JsonInclude(JsonInclude.Include.NON_NULL) String computed) {
    }

    static void printHuman(RdbCheckReport r, PrintWriter out, boolean quiet) {
        RdbException e = r.error();
        String verdict = switch (r.verdict()) {
            case VALID -> "VALID: every key and structure read, " + r.checksum().phrase();
            case DAMAGED -> e.kind() == RdbException.Kind.TRUNCATED ? "DAMAGED: truncated"
                    : e.kind() == RdbException.Kind.CHECKSUM_MISMATCH ? "DAMAGED: checksum mismatch" : "DAMAGED";
            case UNSUPPORTED -> "NOT CHECKED: " + (e.kind() == RdbException.Kind.TOO_NEW ? "format too new"
                    : e.kind() == RdbException.Kind.TOO_LARGE ? "too large for this heap" : "unsupported content");
        };
        out.printf("%s: %s%n", r.file(), verdict);
        if (e != null) {
            out.printf("  error      %s%n", e.getMessage());
            out.printf("  advice     %s%n", e.advice());
        }
        if (quiet) {
            return;
        }
        if (r.header() != null) {
            out.printf("  format     RDB version %d (%s, written by %s), %,d bytes%n", r.header().version(),
                    r.header().label(), r.header().writtenBy(), r.size());
        }
        if (!r.aux().isEmpty()) {
            StringBuilder sb = new StringBuilder();
            new java.util.TreeMap<>(r.aux()).forEach((k, v) -> {
                sb.append(sb.length() == 0 ? "" : "  ").append(k).append('=').append(v);
                if (k.equals("ctime")) {
                    try {
                        sb.append(" (").append(Instant.ofEpochSecond(Long.parseLong(v))).append(')');
                    } catch (NumberFormatException ignored) {
                        // not a number: shown as is
                    }
                }
            });
            out.printf("  aux        %s%n", sb);
        }
        out.printf("  keys       %,d%s in %d database(s); %,d with an expiry, %,d of them already expired%n",
                r.keys(), e == null ? "" : " read before the damage", r.keysPerDbAndType().size(),
                r.keysWithExpiry(), r.keysAlreadyExpired());
        r.keysPerDbAndType().forEach((db, types) -> {
            long n = types.values().stream().mapToLong(Long::longValue).sum();
            StringBuilder sb = new StringBuilder();
            types.forEach((t, c) -> sb.append(sb.length() == 0 ? "" : ", ").append(t).append(' ').append(c));
            out.printf("    db %-4d  %,d: %s%n", db, n, sb);
        });
        if (!r.functions().isEmpty()) {
            out.printf("  functions  %d: %s%n", r.functions().size(), String.join(", ", r.functions()));
        }
        if (!r.modules().isEmpty()) {
            StringBuilder sb = new StringBuilder();
            r.modules().forEach((mod, n) -> sb.append(sb.length() == 0 ? "" : ", ").append(mod)
                    .append(" (").append(n).append(" key(s))"));
            out.printf("  modules    %s%n", sb);
        }
        String crc = switch (r.checksum()) {
            case VERIFIED -> String.format("verified (%016x)", r.computedCrc());
            case DISABLED -> "disabled by the writer (footer is zero): not verified";
            case ABSENT -> "none in this version";
            case MISMATCH -> String.format("MISMATCH: the footer says %016x, the content gives %016x", r.storedCrc(),
                    r.computedCrc());
            case NOT_REACHED -> "not reached";
        };
        out.printf("  checksum   %s%n", crc);
        for (String w : r.warnings()) {
            out.printf("  warning    %s%n", w);
        }
        out.printf("  read       %,d bytes in %.1f ms (%.1f MB/s)%n", r.size(), r.elapsedNanos() / 1e6,
                r.megabytesPerSecond());
    }
}
