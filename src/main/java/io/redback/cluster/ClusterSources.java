package io.redback.cluster;

import io.redback.repo.Repository;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;

/**
 * The clusters a repository knows (those with a cluster snapshot) and how their per-shard
 * sources are named ({@code <cluster>.shard-<i>}): what lets status, log, check and restore
 * take {@code --name CLUSTER}, or find the one cluster of a repository when no name is given.
 */
public final class ClusterSources {
    private static final String SHARD = ".shard-";

    private ClusterSources() {
    }

    /** The names of the clusters with at least one cluster snapshot, sorted. */
    public static List<String> names(Repository repository) throws IOException {
        TreeSet<String> names = new TreeSet<>();
        ClusterSnapshots.list(repository, null).forEach(s -> names.add(s.cluster()));
        return List.copyOf(names);
    }

    /** Whether name is a cluster of the repository (it has a cluster snapshot). */
    public static boolean isCluster(Repository repository, String name) throws IOException {
        return name != null && !ClusterSnapshots.list(repository, name).isEmpty();
    }

    /**
     * The cluster a command without {@code --name} is about: the repository's only cluster when
     * every source there is one of its shards (a repository that also holds other sources, or
     * several clusters, names none).
     */
    public static Optional<String> only(Repository repository) throws IOException {
        List<String> clusters = names(repository);
        if (clusters.size() != 1) {
            return Optional.empty();
        }
        String cluster = clusters.get(0);
        List<String> sources = repository.sources();
        boolean allShards = !sources.isEmpty() && sources.stream().allMatch(s -> shardIndex(cluster, s) >= 0);
        return allShards ? Optional.of(cluster) : Optional.empty();
    }

    /** The shard index of source in cluster ({@code <cluster>.shard-<i>}), or -1 when it is not one of its shards. */
    public static int shardIndex(String cluster, String source) {
        String prefix = cluster + SHARD;
        if (!source.startsWith(prefix) || source.length() == prefix.length() || source.length() - prefix.length() > 6) {
            return -1;
        }
        String digits = source.substring(prefix.length());
        if (!digits.chars().allMatch(c -> c >= '0' && c <= '9') || (digits.length() > 1 && digits.charAt(0) == '0')) {
            return -1;
        }
        return Integer.parseInt(digits);
    }

    /**
     * The per-shard sources of cluster the repository holds (from every cluster snapshot, and any
     * source named like one of its shards), in shard order.
     */
    public static List<String> shardSources(Repository repository, String cluster) throws IOException {
        TreeSet<Integer> indexes = new TreeSet<>();
        for (ClusterSnapshot s : ClusterSnapshots.list(repository, cluster)) {
            s.shards().forEach(shard -> indexes.add(shard.index()));
        }
        for (String source : repository.sources()) {
            int i = shardIndex(cluster, source);
            if (i >= 0) {
                indexes.add(i);
            }
        }
        return indexes.stream().map(i -> ClusterSnapshot.shardSource(cluster, i)).toList();
    }
}
