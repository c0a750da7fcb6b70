package io.redback.cli;

import io.redback.repo.Quantities;
import io.redback.doctor.Check;
import io.redback.doctor.Doctor;
import io.redback.doctor.DoctorReport;
import io.redback.doctor.Profile;
import io.redback.redis.RedisConnection;
import io.redback.redis.RedisConnector;
import io.redback.redis.RedisUri;
import io.redback.repo.Repository;
import io.redback.storage.Storage;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code redback doctor}: the persistence health check of one server, its host and its backups;
 * the checks live in {@link Doctor}, this class parses options and prints.
 */
@Command(name = "doctor", mixinStandardHelpOptions = true,
        description = {"Check that a server's persistence works and is configured sanely, before an incident proves "
                + "otherwise: the host (vm.overcommit_memory, transparent huge pages, free space in dir, open-files "
                + "limit, somaxconn, owner and mode of the data files; only when the server runs on this host), the "
                + "config (persistence, appendfsync, AOF timestamps, rdbchecksum, save rules against --rpo, AOF "
                + "rewrite, eviction, replication backlog against the measured write rate), INFO (last BGSAVE, AOF "
                + "writes and rewrites, unsaved changes, fork time, copy-on-write, loading), security (default user, "
                + "FLUSHALL/FLUSHDB/DEBUG/CONFIG for the default user, protected-mode and bind), the server log's "
                + "known error lines when it is readable here, and with --repo the backups (newest snapshot's age, "
                + "stream lag, gaps, the newest restore drill against --drill-max-age).",
                "",
                "Each check prints its id, ok|warn|fail|skip, what it found, the values read and the exact fix. A "
                        + "user that may not run CONFIG, ACL or INFO gets those checks skipped with the reason. "
                        + "--json prints {\"server\", \"verdict\", \"checks\": [{\"id\", \"status\", \"message\", "
                        + "\"evidence\", \"fix\"}]}."},
        footerHeading = "%nExamples:%n",
        footer = {"  redback doctor --redis redis://127.0.0.1:6379",
                "  redback doctor --redis redis://10.0.0.5 --password-env REDIS_PASSWORD --rpo 5m --repo s3://backups/redis",
                "  redback doctor --redis redis://127.0.0.1 --profile cache --json | jq '.checks[] | select(.status==\"fail\")'",
                "",
                "Exit codes: 0 ok or warnings (1 for warnings with --fail-on warn), 1 a check failed, 2 could not run "
                        + "(unreachable, wrong password, repository unreadable)."})
public final class DoctorCommand implements Callable<Integer> {
    enum FailOn { fail, warn }

    @Mixin
    SourceOptions source;

    @Option(names = "--profile", paramLabel = "PROFILE", defaultValue = "store",
            description = "What the server is for: store (data that exists nowhere else: no persistence, eviction or "
                    + "unsaved changes fail) or cache (can be refilled) (default: ${DEFAULT-VALUE}).")
    String profile;

    @Option(names = "--rpo", paramLabel = "DURATION", description = "The recovery point objective (e.g. 1s, 5m, 1h): "
            + "save rules, unsaved changes, snapshot age and stream lag are judged against it.")
    String rpo;

    @Option(names = "--fail-on", paramLabel = "LEVEL", defaultValue = "fail",
            description = "Exit 1 on: fail (default) or warn.")
    FailOn failOn;

    @Mixin
    DrillMaxAgeOption drillAge;

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
        RedisUri uri;
        Doctor.Options options;
        try {
            uri = source.uri();
            Profile p = switch (profile.toLowerCase(Locale.ROOT)) {
                case "store" -> Profile.STORE;
                case "cache" -> Profile.CACHE;
                default -> throw new IllegalArgumentException("--profile '" + profile + "': use store or cache");
            };
            options = new Doctor.Options(p, rpo == null ? null : Quantities.duration("--rpo", rpo), Duration.ofSeconds(1),
                    drillAge.maxAge());
        } catch (IOException | RuntimeException e) {
            err.println("redback doctor: " + Text.message(e));
            return Main.USAGE;
        }
        boolean withRepo = spec.commandLine().getParseResult().hasMatchedOption("--repo")
                || Main.env(spec).get("REDBACK_REPO") != null;
        DoctorReport report;
        try (RedisConnection c = RedisConnector.of(uri).connect()) {
            Doctor doctor = new Doctor(options, Clock.systemUTC());
            if (withRepo) {
                try (Storage storage = repo.openStorage()) {
                    report = doctor.examine(c, uri.host(), new Doctor.Backups(Repository.open(storage), name.resolve(uri)));
                }
            } else {
                report = doctor.examine(c, uri.host(), null);
            }
        } catch (IOException | RuntimeException e) {
            err.println("redback doctor: " + Text.message(e));
            return Main.USAGE;
        }
        if (output.json) {
            out.println(Json.write(ReportJson.of(report)));
        } else {
            print(out, report);
        }
        out.flush();
        return switch (report.verdict()) {
            case FAIL -> Main.PROBLEM;
            case WARN -> failOn == FailOn.warn ? Main.PROBLEM : Main.OK;
            default -> Main.OK;
        };
    }

    /** The {@code --json} report: the server, the verdict, every check. */
    record ReportJson(String server, String verdict, List<CheckJson> checks) {
        static ReportJson of(DoctorReport r) {
            return new ReportJson(r.server(), r.verdict().label(), r.checks().stream()
                    .map(c -> new CheckJson(c.id(), c.status().label(), c.message(), c.evidence(), c.fix())).toList());
        }
    }

    /** One check: what it found, what it read, how to fix it (null when nothing to fix). */
    record CheckJson(String id, String status, String message, Map<String, Object> evidence, String fix) {
    }

    private static void print(PrintWriter out, DoctorReport r) {
        out.println("doctor " + r.server());
        for (Check c : r.checks()) {
            out.printf("  %-4s  %-28s %s%n", c.status().label().toUpperCase(Locale.ROOT), c.id(), c.message());
            if (c.status() == Check.Status.WARN || c.status() == Check.Status.FAIL) {
                if (!c.evidence().isEmpty()) {
                    out.println("        read: " + evidence(c.evidence()));
                }
                if (c.fix() != null) {
                    out.println("        fix:  " + c.fix());
                }
            }
        }
        long fails = r.checks().stream().filter(c -> c.status() == Check.Status.FAIL).count();
        long warns = r.checks().stream().filter(c -> c.status() == Check.Status.WARN).count();
        long skips = r.checks().stream().filter(c -> c.status() == Check.Status.SKIP).count();
        out.println(r.verdict().label().toUpperCase(Locale.ROOT) + ": " + fails + " failed, " + warns + " warning(s), "
                + skips + " skipped, " + (r.checks().size() - fails - warns - skips) + " ok");
    }

    private static String evidence(Map<String, Object> e) {
        StringBuilder sb = new StringBuilder();
        e.forEach((k, v) -> {
            if (sb.length() > 0) {
                sb.append(", ");
            }
            sb.append(k).append('=').append(v);
        });
        return sb.toString();
    }
}
