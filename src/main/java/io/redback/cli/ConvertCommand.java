package io.redback.cli;

import io.redback.rdb.RdbCheckReport;
import io.redback.restore.Lossy;
import io.redback.restore.RdbConversion;
import io.redback.restore.RdbTarget;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code redback convert --target redis:7.0 IN.rdb OUT.rdb}: writes an RDB file again for an older
 * release ({@link RdbConversion}), says what it re-encoded, and checks the output like any RDB.
 */
@Command(name = "convert",
        description = {"Write an RDB file again for an older release: the header in the release's RDB version, "
                + "aux fields, functions and keys as they were, each value as it is when the release reads it and "
                + "re-encoded otherwise (listpack, intset and quicklist collections to the plain encodings every "
                + "release reads, which the server compacts again as it loads them; newer stream types to the older "
                + "one), and a fresh CRC64. The output is then checked like any RDB (as check does).",
                "",
                "A hash whose fields have their own TTL (Redis 7.4+) cannot go into a release without field TTLs "
                        + "unchanged: --lossy says what to do (fail, the default, writes nothing and names the keys)."},
        mixinStandardHelpOptions = true,
        footerHeading = "%nExamples:%n",
        footer = {"  redback convert --target redis:7.0 dump-7.4.rdb dump-7.0.rdb",
                "  redback convert --target valkey:8.0 --lossy drop-field-ttl dump.rdb for-valkey.rdb",
                "",
                "Exit codes: 0 converted and the output valid, 1 lossy keys with --lossy fail, a damaged source or "
                        + "an output that does not check, 2 could not run (bad target, missing file)."})
public final class ConvertCommand implements Callable<Integer> {
    @Option(names = "--target", required = true, paramLabel = "RELEASE", description = "The release that is to "
            + "read the output: redis:7.0, redis:7.2, redis:7.4 or valkey:8.0 (any Redis 6.0 to 8.4 or Valkey 7.2 "
            + "to 8.x as name:major.minor).")
    String target;

    @Option(names = "--lossy", paramLabel = "fail|skip-key|drop-field-ttl", defaultValue = "fail", description = "A "
            + "hash with field TTLs for a release without them: fail (the default: nothing is written, the first "
            + "keys are named), skip-key (leave them out) or drop-field-ttl (write them without the field TTLs; "
            + "fields already expired are left out).")
    String lossy;

    @Parameters(index = "0", paramLabel = "IN", description = "The RDB file to convert.")
    Path in;

    @Parameters(index = "1", paramLabel = "OUT", description = "Where to write the converted RDB (replaced "
            + "atomically when the conversion succeeds, untouched otherwise).")
    Path out;

    @Mixin
    JsonOption output;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** The JSON document. */
    record ConvertJson(String source, String output, String target, boolean written, long keys, long asIs,
                       long reencoded, Map<String, Long> changes, long lossy, long skipped, List<String> lossyKeys,
                       long expiredFields, String check, String problem) {
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter stdout = Terminal.out(spec);
        PrintWriter err = Terminal.err(spec);
        RdbTarget release;
        Lossy policy;
        try {
            release = RdbTarget.parse(target);
            policy = Lossy.parse(lossy);
        } catch (IllegalArgumentException e) {
            err.println("redback convert: " + e.getMessage());
            return Main.USAGE;
        }
        if (!Files.isRegularFile(in)) {
            err.println("redback convert: " + in + " is not a file");
            return Main.USAGE;
        }
        RdbConversion.Report r = new RdbConversion(release, policy, System.currentTimeMillis()).run(in, out);
        String check = r.check() == null ? null : r.check().verdict().name().toLowerCase(java.util.Locale.ROOT);
        if (output.json) {
            stdout.println(Json.write(new ConvertJson(in.toString(), out.toString(), r.target(), r.written(), r.keys(),
                    r.asIs(), r.reencoded(), r.changes(), r.lossy(), r.skipped(), r.lossyKeys(), r.expiredFields(),
                    check, r.problem())));
        } else {
            print(stdout, r, policy);
        }
        if (r.problem() != null) {
            err.println("redback convert: " + r.problem());
        }
        return r.ok() ? Main.OK : Main.PROBLEM;
    }

    private void print(PrintWriter o, RdbConversion.Report r, Lossy policy) {
        o.println((r.written() ? "converted " : "did not convert ") + in
                + (r.source() == null ? "" : " (" + r.source().label() + ", " + r.source().writtenBy() + ")")
                + (r.written() ? " into " : " for ") + out + " (" + r.output().label() + ", for " + r.target() + ")");
        o.println("  keys        " + Text.count(r.keys()) + ": " + Text.count(r.asIs()) + " as they were, "
                + Text.count(r.reencoded()) + " re-encoded");
        r.changes().forEach((change, n) -> o.println("  re-encoded  " + change + ": " + Text.count(n)));
        if (r.lossy() > 0) {
            String what = switch (policy) {
                case FAIL -> "refused (--lossy fail)";
                case SKIP_KEY -> "left out (--lossy skip-key)";
                case DROP_FIELD_TTL -> "written without their field TTLs (--lossy drop-field-ttl)"
                        + (r.expiredFields() > 0 ? ", " + Text.count(r.expiredFields()) + " expired field(s) left out" : "");
            };
            o.println("  lossy       " + Text.count(r.lossy()) + " hash(es) with field TTLs " + what + ", e.g. "
                    + String.join(", ", r.lossyKeys()));
        }
        RdbCheckReport c = r.check();
        if (c != null) {
            o.println("  check       " + out + ": " + c.verdict().name().toLowerCase(java.util.Locale.ROOT) + ", "
                    + Text.count(c.keys()) + " keys, " + c.header().label());
        }
    }
}
