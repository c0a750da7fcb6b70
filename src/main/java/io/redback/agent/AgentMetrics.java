package io.redback.agent;

import io.prometheus.metrics.core.metrics.Info;
import io.redback.cluster.ClusterSnapshot;
import io.redback.cluster.ClusterSnapshots;
import io.redback.doctor.Check;
import io.redback.doctor.DoctorReport;
import io.redback.drill.DrillResult;
import io.redback.drill.Drills;
import io.redback.metrics.Metrics;
import io.redback.repo.Repository;
import io.redback.repo.SnapshotManifest;
import io.redback.storage.Storage;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The agent's metrics: redback's {@link Metrics} and {@code redback_build_info}, which only a
 * running process reports. Drill metrics are declared for the drill job to come and report
 * nothing until it runs.
 */
final class AgentMetrics extends Metrics {
    /** Per cluster, its newest cluster snapshot as last read, and the listing it was read from. */
    private final Map<String, Newest> newest = new ConcurrentHashMap<>();

    /** A cluster's newest cluster snapshot, the stored size of its shards' snapshots, the listing it is from. */
    private record Newest(List<String> listed, ClusterSnapshot snapshot, long size) {
    }

    AgentMetrics(String version) {
        Info info = Info.builder().name("redback_build_info").help("The running redback").labelNames("version")
                .register(registry);
        info.addLabelValues(version);
    }

    /**
     * What the repository says of a cluster: each shard source as any source (its stream, its
     * recovery window, its snapshots; with the rpo objective, so that the RPO alert judges each
     * shard), and under the cluster's name what is of the whole: its newest cluster snapshot
     * (when, and the stored size of its shards' snapshots) and its last drill (every shard's
     * record of it).
     */
    void refreshCluster(Repository repository, String cluster, List<String> shards, Duration rpo) throws IOException {
        for (String shard : shards) {
            refresh(repository, shard);
            if (rpo != null) {
                objective.labelValues(shard, "rpo").set(rpo.toSeconds());
            }
        }
        Newest newest = newestSnapshot(repository, cluster);
        if (newest != null) {
            snapshotLastSuccess.labelValues(cluster).set(seconds(Instant.parse(newest.snapshot().finishedAt())));
            snapshotLastSize.labelValues(cluster).set(newest.size());
        }
        // A cluster drill is recorded under each shard's source: the cluster's is the oldest of theirs.
        Double passed = null;
        Double rto = null;
        for (String shard : shards) {
            Optional<DrillResult> d = Drills.latest(repository, shard);
            if (d.isEmpty()) {
                return;
            }
            rto = rto == null ? d.get().rtoSeconds() : Math.max(rto, d.get().rtoSeconds());
            if (d.get().passed()) {
                double at = seconds(Instant.parse(d.get().startedAt())) + d.get().rtoSeconds();
                passed = passed == null ? at : Math.min(passed, at);
            }
        }
        if (rto != null) {
            drillLastRto.labelValues(cluster).set(rto);
        }
        if (passed != null) {
            drillLastSuccess.labelValues(cluster).set(passed);
        }
    }

    /**
     * The newest cluster snapshot of cluster (null when none): read again only when the listing
     * of its cluster snapshots changed, since a cluster snapshot, once written, never does (and
     * reading them all every few seconds would cost a request each on S3).
     */
    private Newest newestSnapshot(Repository repository, String cluster) throws IOException {
        List<String> listed = repository.storage().list(repository.clusterSnapshotsPrefix(cluster)).stream()
                .map(Storage.ObjectInfo::key).sorted().toList();
        Newest known = newest.get(cluster);
        if (known != null && known.listed().equals(listed)) {
            return known;
        }
        List<ClusterSnapshot> all = ClusterSnapshots.list(repository, cluster);
        if (all.isEmpty()) {
            newest.remove(cluster);
            return null;
        }
        ClusterSnapshot last = all.get(all.size() - 1);
        long size = 0;
        for (ClusterSnapshot.ShardSnapshot s : last.shards()) {
            size += repository.catalog().snapshots(s.source()).stream()
                    .filter(m -> m.id().toString().equals(s.snapshot())).mapToLong(SnapshotManifest::storedSize).sum();
        }
        Newest read = new Newest(listed, last, size);
        newest.put(cluster, read);
        return read;
    }

    /**
     * Each check of report as redback_doctor_check_status of source (1 ok, 0.5 warn, 0 fail; a
     * skipped check has no series), counted by status into counts.
     */
    void doctorChecks(String source, DoctorReport report,
                      Map<Check.Status, Integer> counts) {
        for (Check check : report.checks()) {
            counts.merge(check.status(), 1, Integer::sum);
            switch (check.status()) {
                case OK -> doctorStatus.labelValues(source, check.id()).set(1);
                case WARN -> doctorStatus.labelValues(source, check.id()).set(0.5);
                case FAIL -> doctorStatus.labelValues(source, check.id()).set(0);
                case SKIP -> doctorStatus.remove(source, check.id());
            }
        }
    }
}
