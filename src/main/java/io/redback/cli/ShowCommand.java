package io.redback.cli;

import io.redback.cluster.ClusterSnapshot;
import io.redback.cluster.ClusterSnapshots;
import io.redback.repo.Repository;
import io.redback.repo.SnapshotManifest;
import io.redback.storage.Storage;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code redback show ID|latest}: one snapshot's whole manifest. */
@Command(name = "show", mixinStandardHelpOptions = true,
        description = {"Show one snapshot's whole manifest.",
                "",
                "Everything a snapshot's manifest records: source, Redis and RDB version, replication "
                + "id and offset, method, times, sizes, compression, SHA-256 of the stored object and of the RDB, "
                + "keys per database and type, verdict and the data object's key."},
        footerHeading = "%nExamples:%n",
        footer = {"  redback show latest",
                "  redback show 20261122T0315 --json",
                "",
                "Exit codes: 0 shown, 2 no such snapshot, or the repository could not be read."})
public final class ShowCommand implements Callable<Integer> {
    @Parameters(paramLabel = "ID|latest", description = "A snapshot id, the start of one, or 'latest'.")
    String snapshot;

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
        try (Storage storage = repo.openStorage()) {
            Repository repository = repo.open(storage);
            java.util.Optional<ClusterSnapshot> cluster = ClusterSnapshots.exact(repository, snapshot);
            if (cluster.isEmpty() && name.given() == null && !snapshot.equals("latest")
                    && repository.catalog().snapshots().stream().noneMatch(m -> m.id().toString().startsWith(snapshot))) {
                cluster = ClusterSnapshots.find(repository, snapshot); // the start of a cluster snapshot's id
            }
            if (cluster.isPresent()) {
                out.println(output.json ? Json.write(cluster.get()) : ClusterText.describe(cluster.get()));
                out.flush();
                return Main.OK;
            }
            SnapshotManifest m = repository.catalog().find(name.given(), snapshot);
            ManifestJson view = ManifestJson.of(m);
            if (output.json) {
                out.println(Json.write(view));
            } else {
                view.fields().forEach((k, v) -> {
                    if (v instanceof ManifestJson.ScanJson scan) {
                        out.printf("%-18s %s to %s (not one point in time), %s key(s) vanished, %s named twice%n", k,
                                scan.startedAt(), scan.finishedAt(), Text.count(scan.vanishedKeys()),
                                Text.count(scan.repeatedKeys()));
                    } else if (!k.equals("keys")) {
                        out.printf("%-18s %s%n", k, v);
                    }
                });
                out.printf("%-18s %s%n", "keys", Text.count(m.totalKeys()));
                m.keys().forEach((db, types) -> {
                    StringBuilder s = new StringBuilder();
                    types.forEach((t, n) -> s.append(s.length() == 0 ? "" : ", ").append(t).append(' ').append(n));
                    out.printf("  db %-14d %s: %s%n", db, Text.count(types.values().stream()
                            .mapToLong(Long::longValue).sum()), s);
                });
            }
            out.flush();
            return Main.OK;
        } catch (IOException | RuntimeException e) {
            err.println("redback show: " + Text.message(e));
            return Main.USAGE;
        }
    }
}
