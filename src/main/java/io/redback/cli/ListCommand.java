package io.redback.cli;

import io.redback.repo.Repository;
import io.redback.repo.SnapshotManifest;
import io.redback.repo.Storage;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code redback list}: the snapshots in the repository, newest first. */
@Command(name = "list", mixinStandardHelpOptions = true,
        description = {"List the snapshots in the repository, newest first.",
                "",
                "Shows id, time (UTC), source, stored size, keys, verdict and method."},
        footerHeading = "%nExamples:%n",
        footer = {"  redback list --repo /backups/redis",
                "  redback list --name cache-1 --json | jq '.[0].id'",
                "",
                "Exit codes: 0 listed, 2 no repository there or it could not be read."})
public final class ListCommand implements Callable<Integer> {
    @Mixin
    RepoOptions repo;

    @Option(names = "--name", paramLabel = "NAME", description = "Only this source's snapshots.")
    String name;

    @Option(names = "--json", description = "Print a JSON array of manifests instead of a table.")
    boolean json;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try (Storage storage = repo.openStorage()) {
            Repository repository = Repository.open(storage);
            List<SnapshotManifest> all = name == null ? repository.catalog().snapshots()
                    : repository.catalog().snapshots(Repository.checkSourceName(name));
            if (json) {
                List<Map<String, Object>> list = new ArrayList<>();
                for (SnapshotManifest m : all) {
                    Map<String, Object> o = new LinkedHashMap<>(BackupCli.manifest(m));
                    o.put("keysTotal", m.totalKeys());
                    list.add(o);
                }
                out.println(Json.write(list));
            } else if (all.isEmpty()) {
                out.println("no snapshots" + (name == null ? "" : " of " + name) + " in " + repository.describe());
            } else {
                String format = "%-23s  %-20s  %-20s  %10s  %12s  %-7s  %s%n";
                out.printf(Locale.ROOT, format, "ID", "TIME (UTC)", "SOURCE", "SIZE", "KEYS", "VERDICT", "METHOD");
                long stored = 0;
                for (SnapshotManifest m : all) {
                    stored += m.storedSize();
                    out.printf(Locale.ROOT, format, m.id(), m.id().time().toString(), m.source(),
                            BackupCli.size(m.storedSize()), BackupCli.count(m.totalKeys()), m.verdict(),
                            m.method().jsonName());
                }
                out.println(all.size() + " snapshot(s), " + BackupCli.size(stored) + " stored");
            }
            out.flush();
            return Main.OK;
        } catch (IOException | RuntimeException e) {
            err.println("redback list: " + BackupCli.message(e));
            return Main.USAGE;
        }
    }
}
