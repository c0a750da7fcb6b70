package io.redback.cluster;

import io.redback.check.RepositoryCheck;
import io.redback.check.RepositoryCheckReport;
import io.redback.repo.Repository;
import io.redback.repo.SnapshotManifest;
import io.redback.storage.Storage;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code check --repo} of clusters: each shard's source checked as any source
 * ({@link RepositoryCheck}), and a verdict per cluster: its cluster snapshots whose documents
 * cannot be read, or that name a shard snapshot the repository no longer holds (a restore of them
 * is refused), and its shards with problems.
 */
public final class ClusterCheck {
    private ClusterCheck() {
    }

    /**
     * A cluster's verdict: how many cluster snapshots it has, its shard sources, and what is wrong
     * with the cluster as a whole (its cluster snapshots; shards whose sources have problems).
     */
    public record Verdict(String cluster, int snapshots, List<String> shards, List<String> problems) {
        public Verdict {
            shards = List.copyOf(shards);
            problems = List.copyOf(problems);
        }

        public boolean clean() {
            return problems.isEmpty();
        }
    }

    /** The check of one cluster: every shard source (as {@link RepositoryCheck#run}) and its verdict. */
    public record Result(RepositoryCheckReport report, Verdict verdict) {
    }

    /**
     * Checks every shard source of cluster and its cluster snapshots.
     *
     * @throws IllegalArgumentException when the repository has no cluster snapshot of cluster
     */
    public static Result run(Repository repository, RepositoryCheck check, String cluster,
                             RepositoryCheck.ReadData readData) throws IOException {
        if (!ClusterSources.isCluster(repository, cluster)) {
            throw new IllegalArgumentException(cluster + " is neither a source nor a cluster of " + repository.describe());
        }
        List<RepositoryCheckReport.SourceResult> sources = new ArrayList<>();
        RepositoryCheckReport last = null;
        long bytes = 0;
        long elapsed = 0;
        List<String> present = repository.sources();
        for (String source : ClusterSources.shardSources(repository, cluster)) {
            if (!present.contains(source)) {
                continue; // named by a cluster snapshot, but nothing of it is stored: the verdict says so
            }
            last = check.run(source, readData);
            sources.addAll(last.sources());
            bytes += last.bytesRead();
            elapsed += last.elapsedMs();
        }
        RepositoryCheckReport report = new RepositoryCheckReport(repository.describe(), readData.percent() > 0, sources,
                last == null ? repository.locks() : last.locks(),
                last == null ? java.time.Instant.now() : last.checkedAt(), bytes, elapsed);
        return new Result(report, verdict(repository, cluster, report));
    }

    /** The verdict of every cluster of the repository, given the check of its sources. */
    public static List<Verdict> verdicts(Repository repository, RepositoryCheckReport report) throws IOException {
        List<Verdict> out = new ArrayList<>();
        for (String cluster : ClusterSources.names(repository)) {
            out.add(verdict(repository, cluster, report));
        }
        return out;
    }

    static Verdict verdict(Repository repository, String cluster, RepositoryCheckReport report) throws IOException {
        List<String> problems = new ArrayList<>();
        problems.addAll(unreadable(repository, cluster));
        List<ClusterSnapshot> snapshots = ClusterSnapshots.list(repository, cluster);
        Set<String> stored = new HashSet<>();
        List<String> shards = ClusterSources.shardSources(repository, cluster);
        for (String source : shards) {
            for (SnapshotManifest m : repository.catalog().snapshots(source)) {
                stored.add(source + "/" + m.id());
            }
        }
        for (ClusterSnapshot s : snapshots) {
            for (ClusterSnapshot.ShardSnapshot shard : s.shards()) {
                if (!stored.contains(shard.source() + "/" + shard.snapshot())) {
                    problems.add("cluster snapshot " + s.id() + ": shard " + shard.index() + "'s snapshot "
                            + shard.source() + "/" + shard.snapshot() + " is not in the repository (pruned or lost), "
                            + "so the cluster snapshot cannot be restored");
                }
            }
        }
        for (RepositoryCheckReport.SourceResult r : report.sources()) {
            if (shards.contains(r.source()) && !r.problems().isEmpty()) {
                problems.add("shard " + ClusterSources.shardIndex(cluster, r.source()) + " (" + r.source() + ") has "
                        + r.problems().size() + " problem(s), listed with its source");
            }
        }
        return new Verdict(cluster, snapshots.size(), shards, problems);
    }

    /** Cluster snapshot documents that do not read as one (ClusterSnapshots.list leaves them out). */
    private static List<String> unreadable(Repository repository, String cluster) throws IOException {
        List<String> problems = new ArrayList<>();
        for (Storage.ObjectInfo o : repository.storage().list(repository.clusterSnapshotsPrefix(cluster))) {
            if (!o.key().endsWith(".json")) {
                continue;
            }
            if (o.size() > ClusterSnapshots.MAX_DOCUMENT) {
                problems.add("cluster snapshot document " + o.key() + " is " + o.size() + " bytes: not one redback wrote");
                continue;
            }
            try (InputStream in = repository.storage().get(o.key())) {
                ClusterSnapshots.READER.readValue(in.readNBytes(ClusterSnapshots.MAX_DOCUMENT), ClusterSnapshot.class);
            } catch (IOException e) {
                problems.add("cluster snapshot document " + o.key() + " cannot be read (" + e.getMessage()
                        .lines().findFirst().orElse("") + "); list and restore leave it out");
            }
        }
        return problems;
    }
}
