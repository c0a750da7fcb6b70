package io.redback.cli;

import io.redback.repo.Pruner;
import io.redback.repo.Repository;
import io.redback.repo.RetentionPolicy;
import io.redback.repo.Storage;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code redback prune}: forgets snapshots by a restic-style retention policy, and removes garbage. */
@Command(name = "prune", mixinStandardHelpOptions = true,
        description = {"Forget snapshots by a retention policy (restic semantics) and remove garbage.",
                "",
                "Removes the snapshots no --keep-* rule keeps, with restic's `forget` semantics: walking "
                + "newest first, --keep-last N keeps the N newest, --keep-hourly N the newest snapshot of each of "
                + "the N newest hours that have one, and so on for days, ISO weeks, months and years (UTC); -1 "
                + "keeps every period. A snapshot any rule keeps stays. Each source is judged on its own. Also "
                + "removes garbage older than a day: data of interrupted backups (no manifest) and tmp/ objects.",
                "",
                "--dry-run deletes nothing and prints what would go and why each kept snapshot stays."},
        footerHeading = "%nExamples:%n",
        footer = {"  redback prune --keep-hourly 24 --keep-daily 30 --keep-weekly 52 --keep-monthly -1 --dry-run",
                "  redback prune --keep-last 3 --name cache-1 --json",
                "",
                "Exit codes: 0 done, 2 bad options or the repository could not be read or changed."})
public final class PruneCommand implements Callable<Integer> {
    @Mixin
    RepoOptions repo;

    @Option(names = "--keep-last", paramLabel = "N", defaultValue = "0", description = "Keep the N newest snapshots.")
    int last;

    @Option(names = "--keep-hourly", paramLabel = "N", defaultValue = "0", description = "Keep the newest of each of N hours.")
    int hourly;

    @Option(names = "--keep-daily", paramLabel = "N", defaultValue = "0", description = "Keep the newest of each of N days.")
    int daily;

    @Option(names = "--keep-weekly", paramLabel = "N", defaultValue = "0", description = "Keep the newest of each of N ISO weeks.")
    int weekly;

    @Option(names = "--keep-monthly", paramLabel = "N", defaultValue = "0", description = "Keep the newest of each of N months.")
    int monthly;

    @Option(names = "--keep-yearly", paramLabel = "N", defaultValue = "0", description = "Keep the newest of each of N years.")
    int yearly;

    @Option(names = {"-n", "--dry-run"}, description = "Delete nothing; say what would go and why the rest stays.")
    boolean dryRun;

    @Option(names = "--name", paramLabel = "NAME", description = "Only this source (default: every source).")
    String name;

    @Option(names = "--json", description = "Print the report as JSON.")
    boolean json;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        RetentionPolicy policy;
        try {
            policy = new RetentionPolicy(last, hourly, daily, weekly, monthly, yearly);
            if (name != null) {
                Repository.checkSourceName(name);
            }
        } catch (IllegalArgumentException e) {
            err.println("redback prune: " + BackupCli.message(e));
            return Main.USAGE;
        }
        try (Storage storage = repo.openStorage()) {
            Repository repository = Repository.open(storage);
            Pruner.Report report = new Pruner(repository, Clock.systemUTC()).prune(policy, name, dryRun);
            if (json) {
                out.println(Json.write(toJson(report)));
            } else {
                printHuman(out, report, repository.describe());
            }
            out.flush();
            return Main.OK;
        } catch (IOException | RuntimeException e) {
            err.println("redback prune: " + BackupCli.message(e));
            return Main.USAGE;
        }
    }

    private static Map<String, Object> toJson(Pruner.Report report) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("dryRun", report.dryRun());
        o.put("policy", report.policy().toString());
        List<Map<String, Object>> snapshots = new ArrayList<>();
        for (Pruner.SnapshotDecision d : report.snapshots()) {
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("source", d.source());
            s.put("id", d.id().toString());
            s.put("keep", d.keep());
            s.put("reasons", d.reasons());
            snapshots.add(s);
        }
        o.put("snapshots", snapshots);
        List<Map<String, Object>> removals = new ArrayList<>();
        for (Pruner.Removal r : report.removals()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("key", r.key());
            m.put("size", r.size());
            m.put("reason", r.reason());
            removals.add(m);
        }
        o.put("removals", removals);
        o.put("bytesRemoved", report.removals().stream().mapToLong(Pruner.Removal::size).sum());
        return o;
    }

    private static void printHuman(PrintWriter out, Pruner.Report report, String where) {
        String verb = report.dryRun() ? "would remove" : "removed";
        out.println((report.dryRun() ? "dry run, nothing deleted: " : "") + "policy " + report.policy() + " on " + where);
        for (Pruner.SnapshotDecision d : report.snapshots()) {
            out.println("  " + (d.keep() ? "keep   " : "forget ") + d.source() + "/" + d.id()
                    + (d.keep() ? "  (" + String.join(", ", d.reasons()) + ")" : ""));
        }
        long bytes = 0;
        for (Pruner.Removal r : report.removals()) {
            bytes += r.size();
            out.println("  " + verb + " " + r.key() + " (" + BackupCli.size(r.size()) + "): " + r.reason());
        }
        long kept = report.snapshots().stream().filter(Pruner.SnapshotDecision::keep).count();
        out.println(kept + " snapshot(s) kept, " + report.forgotten().size() + " forgotten; " + verb + " "
                + report.removals().size() + " object(s), " + BackupCli.size(bytes));
    }
}
