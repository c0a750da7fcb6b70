package io.redback.cli;

import io.redback.redis.RedisServerBinary;
import io.redback.redis.RedisUri;
import io.redback.repo.Quantities;
import io.redback.repo.Repository;
import io.redback.storage.Storage;
import io.redback.verify.LogVerification;
import io.redback.verify.RdbComparison;
import io.redback.verify.VerificationReport;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code redback verify}: proves that the shipped log reproduces the source, by comparing a
 * fresh full sync with the same offset rebuilt from the repository ({@link LogVerification}).
 * This class parses the options and prints the report.
 */
@Command(name = "verify", mixinStandardHelpOptions = true,
        description = {"Prove that the shipped log reproduces the source, exactly.",
                "",
                "Takes a fresh full-sync RDB from the live source, as a replica would (it arrives at a known "
                + "replication offset), waits up to --wait until the stream has committed the log past that "
                + "offset, rebuilds the same offset from the repository (snapshot and segments, replayed by "
                + "redis-server into one RDB) and compares the two key by key: each value by its canonical digest "
                + "(what DEBUG DIGEST-VALUE gives), each expiry to the millisecond, and the function libraries. "
                + "Keys that have expired by the time of the comparison are left out on both sides. Nothing is "
                + "written to the source or the repository; both RDBs go to a private temporary folder that is "
                + "removed at the end.",
                "",
                "consistent: the log reproduces the source. inconsistent: keys differ (the first ones are named: "
                + "missing from the rebuilt point, extra, value or expiry differs), or the repository cannot "
                + "reach the offset (no log, another replication history, a gap, a damaged or missing segment), "
                + "which is named.",
                "",
                "Needs a running `redback stream` of the source, replication rights on the source (like backup's "
                + "full sync) and a redis-server (REDBACK_REDIS_SERVER, else PATH) to replay the log. Memory: about "
                + "200 bytes of heap per key of the source (a few million keys per GB); disk: two RDBs in the temp "
                + "folder."},
        footerHeading = "%nExamples:%n",
        footer = {"  redback verify --redis redis://10.0.0.5:6379 --name cache-1 --password-env REDIS_PASSWORD",
                "  redback verify --redis redis://10.0.0.5:6379 --name cache-1 --wait 5m --json",
                "",
                "Exit codes: 0 consistent, 1 inconsistent, 2 nothing could be compared (bad options, the source "
                + "or the repository unreachable, no redis-server)."})
public final class VerifyCommand implements Callable<Integer> {
    @Mixin
    SourceOptions source;

    @Mixin
    SourceNameOption name;

    @Mixin
    RepoOptions repo;

    @Option(names = "--wait", paramLabel = "DURATION", defaultValue = "60s",
            description = "How long to wait for the stream to commit the log past the full sync's offset "
                    + "(default: ${DEFAULT-VALUE}); not at all when the stream's status says it stopped or failed.")
    String waitFor;

    @Mixin
    JsonOption output;

    @Mixin
    QuietOption progress;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = Terminal.out(spec);
        PrintWriter err = Terminal.err(spec);
        RedisUri uri;
        String sourceName;
        Duration wait;
        try {
            uri = source.uri();
            sourceName = name.resolve(uri);
            wait = Quantities.duration("--wait", waitFor);
        } catch (IOException | RuntimeException e) {
            err.println("redback verify: " + Text.message(e));
            err.flush();
            return Main.USAGE;
        }
        VerificationReport report;
        Bars bars = new Bars(!progress.quiet && !output.json);
        try (Storage storage = repo.openStorage()) {
            Repository repository = repo.open(storage);
            Path redisServer = RedisServerBinary.require(repo.env());
            LogVerification verification = new LogVerification(repository, Clock.systemUTC());
            report = verification.verify(uri, source.replicaOptions(),
                    new LogVerification.Options(sourceName, wait, redisServer), bars);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println("redback verify: interrupted");
            err.flush();
            return Main.USAGE;
        } catch (IOException | RuntimeException e) {
            err.println("redback verify: " + Text.message(e));
            err.flush();
            return Main.USAGE;
        } finally {
            bars.close();
        }
        if (output.json) {
            out.println(Json.write(ReportJson.of(report)));
        } else {
            printHuman(out, report);
        }
        out.flush();
        return report.consistent() ? Main.OK : Main.PROBLEM;
    }

    /** One progress bar a phase that reads bytes. */
    private static final class Bars implements LogVerification.Listener, AutoCloseable {
        private final boolean enabled;
        private Progress current;

        Bars(boolean enabled) {
            this.enabled = enabled;
        }

        @Override
        public void phase(String phase, long totalBytes, java.util.function.LongSupplier done) {
            close();
            if (totalBytes != 0) {
                current = Progress.start(phase, totalBytes, done, enabled);
            }
        }

        @Override
        public void close() {
            if (current != null) {
                current.close();
                current = null;
            }
        }
    }

    /** The {@code --json} report. */
    record ReportJson(String verdict, String source, Long offset, String replicationId, String timeline,
                      String snapshot, int segments, Map<String, Long> keys, Map<String, Long> differing,
                      List<DifferenceJson> differences, List<String> problems, long elapsedMs) {
        static ReportJson of(VerificationReport r) {
            RdbComparison.Result c = r.comparison();
            Map<String, Long> keys = null;
            Map<String, Long> differing = null;
            List<DifferenceJson> differences = List.of();
            if (c != null) {
                keys = new LinkedHashMap<>();
                keys.put("source", c.sourceKeys());
                keys.put("rebuilt", c.rebuiltKeys());
                keys.put("expiredIgnored", c.expiredIgnored());
                differing = new LinkedHashMap<>();
                for (Map.Entry<RdbComparison.Kind, Long> e : c.counts().entrySet()) {
                    differing.put(e.getKey().jsonName(), e.getValue());
                }
                differences = c.differences().stream().map(d -> new DifferenceJson(d.kind().jsonName(), d.db(),
                        d.key(), d.detail())).toList();
            }
            return new ReportJson(r.verdict().jsonName(), r.source(), r.offset(), r.replicationId(), r.timeline(),
                    r.snapshot(), r.segments(), keys, differing, differences, r.problems(), r.elapsed().toMillis());
        }
    }

    /** One named difference; {@code db} and {@code key} are null for the function libraries. */
    record DifferenceJson(String kind, Integer db, String key, String detail) {
    }

    private static void printHuman(PrintWriter out, VerificationReport r) {
        out.println("verify source " + r.source() + (r.offset() == null ? ""
                : " at offset " + r.offset() + " (replication id " + r.replicationId() + ")"));
        if (r.timeline() != null) {
            out.println("  rebuilt    from timeline " + r.timeline() + ": snapshot " + r.snapshot() + " and "
                    + r.segments() + " segment(s)");
        }
        RdbComparison.Result c = r.comparison();
        if (c != null) {
            out.println("  keys       " + Text.count(c.sourceKeys()) + " in the source, " + Text.count(c.rebuiltKeys())
                    + " rebuilt" + (c.expiredIgnored() > 0 ? " (" + Text.count(c.expiredIgnored())
                    + " expired by now, left out)" : ""));
            for (RdbComparison.Difference d : c.differences()) {
                out.println("  " + String.format(java.util.Locale.ROOT, "%-10s", d.kind().jsonName()) + " "
                        + (d.key() == null ? "" : "db " + d.db() + " " + Terminal.safe(d.key()) + ": ")
                        + Terminal.safe(d.detail()));
            }
            if (c.differing() > c.differences().size()) {
                out.println("  ...        " + Text.count(c.differing() - c.differences().size()) + " more");
            }
        }
        for (String p : r.problems()) {
            out.println("  problem    " + Terminal.safe(p));
        }
        out.println(r.verdict().jsonName() + " (" + String.format(java.util.Locale.ROOT, "%.1f s",
                r.elapsed().toMillis() / 1000.0) + ")");
    }
}
