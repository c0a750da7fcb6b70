package io.redback.cli;

import com.fasterxml.jackson.annotation.JsonUnwrapped;
import io.redback.cluster.ClusterSnapshot;
import io.redback.cluster.ClusterSnapshots;
import io.redback.repo.Catalog;
import io.redback.repo.Repository;
import io.redback.repo.SnapshotId;
import io.redback.repo.SnapshotManifest;
import io.redback.storage.Storage;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
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
                        + "Cluster snapshots (`backup --cluster`) follow, one line each. --json prints a JSON array "
                        + "of the manifests instead, newest first: each snapshot's with \"kind\": \"snapshot\", "
                        + "and each cluster snapshot's (as `show --json` prints it) with \"kind\": \"cluster\"."},
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
            List<ClusterSnapshot> clusters = ClusterSnapshots.list(repository, null).stream()
                    .filter(c -> only.name == null || only.name.equals(c.cluster())).toList();
            if (output.json) {
                out.println(Json.write(entries(all, clusters)));
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
                for (ClusterSnapshot c : clusters) {
                    out.println(ClusterText.line(c));
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

    /**
     * The JSON list, newest first: each snapshot ({@code kind: snapshot}) and each cluster snapshot
     * ({@code kind: cluster}, its manifest as {@code show} prints it) at its place by id.
     */
    private static List<Object> entries(List<SnapshotManifest> snapshots, List<ClusterSnapshot> clusters) {
        List<Object> out = new ArrayList<>();
        List<ClusterSnapshot> pending = new ArrayList<>(clusters);
        pending.sort(Comparator.comparing(ClusterSnapshot::id).reversed());
        int next = 0;
        for (SnapshotManifest m : snapshots) {
            while (next < pending.size() && newer(pending.get(next), m)) {
                out.add(ClusterEntry.of(pending.get(next++)));
            }
            out.add(new Entry(ManifestJson.of(m), m.totalKeys(), "snapshot"));
        }
        while (next < pending.size()) {
            out.add(ClusterEntry.of(pending.get(next++)));
        }
        return out;
    }

    private static boolean newer(ClusterSnapshot c, SnapshotManifest m) {
        return SnapshotId.isId(c.id()) ? SnapshotId.parse(c.id()).compareTo(m.id()) >= 0 : c.id().compareTo(m.id().toString()) >= 0;
    }

    /** One snapshot in the JSON list: its manifest, then its keys summed, then what it is. */
    record Entry(@JsonUnwrapped ManifestJson manifest, long keysTotal, String kind) {
    }

    /** One cluster snapshot in the JSON list: its manifest, the keys of its shards summed, and what it is. */
    record ClusterEntry(@JsonUnwrapped ClusterSnapshot manifest, long keysTotal, String kind) {
        static ClusterEntry of(ClusterSnapshot c) {
            return new ClusterEntry(c, c.shards().stream().mapToLong(ClusterSnapshot.ShardSnapshot::keys).sum(), "cluster");
        }
    }
}
