package io.redback.cli;

import com.fasterxml.jackson.annotation.JsonUnwrapped;
import io.redback.cluster.ClusterSnapshot;
import io.redback.cluster.ClusterSnapshots;
import io.redback.repo.Catalog;
import io.redback.repo.Repository;
import io.redback.repo.SnapshotManifest;
import io.redback.storage.Storage;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code redback list}: the snapshots in the repository, newest first. */
@Command(name = "list", mixinStandardHelpOptions = true,
        description = {"List the snapshots in the repository, newest first.",
                "",
                "Shows id, time (UTC, to the millisecond), source, stored size, keys, verdict and method, and "
                        + "notes objects that interrupted backups left in snapshot folders without a manifest. "
                        + "--json prints a JSON array of the manifests instead."},
        footerHeading = "%nExamples:%n",
        footer = {"  redback list --repo /backups/redis",
                "  redback list --name cache-1 --json | jq '.[0].id'",
                "",
                "Exit codes: 0 listed, 2 no repository there or it could not be read."})
public final class ListCommand implements Callable<Integer> {
    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    @Mixin
    RepoOptions repo;

    @Mixin
    SourceNameOption only;

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
            Catalog.Listing listing = repository.catalog().listing(only.checked());
            List<SnapshotManifest> all = listing.snapshots();
            if (output.json) {
                out.println(Json.write(all.stream().map(m -> new Entry(ManifestJson.of(m), m.totalKeys())).toList()));
            } else if (all.isEmpty()) {
                out.println("no snapshots" + (only.name == null ? "" : " of " + only.name) + " in " + repository.describe());
            } else {
                String format = "%-27s  %-24s  %-20s  %10s  %12s  %-7s  %s%n";
                out.printf(Locale.ROOT, format, "ID", "TIME (UTC)", "SOURCE", "SIZE", "KEYS", "VERDICT", "METHOD");
                long stored = 0;
                for (SnapshotManifest m : all) {
                    stored += m.storedSize();
                    out.printf(Locale.ROOT, format, m.id(), TIME.format(m.id().time()), m.source(),
                            Text.size(m.storedSize()), Text.count(m.totalKeys()), m.verdict(),
                            m.method().jsonName());
                }
                out.println(all.size() + " snapshot(s), " + Text.size(stored) + " stored");
            }
            if (!output.json) {
                for (ClusterSnapshot c : ClusterSnapshots.list(repository, null)) {
                    if (only.name == null || only.name.equals(c.cluster())) {
                        out.println(ClusterText.line(c));
                    }
                }
            }
            if (!output.json && !listing.leftovers().isEmpty()) {
                out.println(leftoverNote(listing.leftovers()));
            }
            out.flush();
            return Main.OK;
        } catch (IOException | RuntimeException e) {
            err.println("redback list: " + Text.message(e));
            return Main.USAGE;
        }
    }

    /** One line on what interrupted backups left, and what removes it. */
    static String leftoverNote(List<Storage.ObjectInfo> leftovers) {
        long bytes = leftovers.stream().mapToLong(Storage.ObjectInfo::size).sum();
        int n = leftovers.size();
        return "note: " + n + " leftover object" + (n == 1 ? "" : "s") + " (" + Text.size(bytes)
                + ") in snapshot folders without a manifest, from interrupted backups (or one still running); "
                + "`redback prune` removes them once they are a day old";
    }

    /** One snapshot in the JSON list: its manifest, then its keys summed. */
    record Entry(@JsonUnwrapped ManifestJson manifest, long keysTotal) {
    }
}
