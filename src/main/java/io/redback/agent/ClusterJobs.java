package io.redback.agent;

import io.redback.check.RepositoryCheck;
import io.redback.check.RepositoryCheckReport;
import io.redback.cluster.ClusterBackup;
import io.redback.cluster.ClusterCheck;
import io.redback.cluster.ClusterDiscovery;
import io.redback.cluster.ClusterSnapshot;
import io.redback.cluster.ClusterSnapshots;
import io.redback.cluster.ClusterSources;
import io.redback.cluster.ClusterTopology;
import io.redback.cluster.ShardMap;
import io.redback.doctor.Check;
import io.redback.doctor.Doctor;
import io.redback.doctor.DoctorReport;
import io.redback.drill.ClusterDrill;
import io.redback.drill.Drill;
import io.redback.drill.DrillResult;
import io.redback.drill.Drills;
import io.redback.redis.RedisConnection;
import io.redback.redis.RedisConnector;
import io.redback.redis.RedisServerBinary;
import io.redback.redis.RedisUri;
import io.redback.redis.ReplicaOptions;
import io.redback.repo.Pruner;
import io.redback.repo.Repository;
import io.redback.repo.RepositoryLock;
import io.redback.repo.SnapshotManifest;
import io.redback.stream.Compactor;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * The scheduled jobs of a cluster source, each what its one-shot command does for a cluster:
 * the snapshot is {@code backup --cluster} (every shard at once, grouped by a cluster snapshot),
 * retention is {@code prune --name CLUSTER} (the cluster snapshots, then the shard sources'),
 * compact and check go over the shard sources ({@code compact} of each, {@code check --repo
 * --name CLUSTER}), the drill is {@code drill --name CLUSTER} (its newest cluster snapshot), and
 * the doctor examines each shard's primary against its shard source.
 */
final class ClusterJobs {
    private final AgentConfig.Source config;
    private final Repository repository;
    private final AgentMetrics metrics;
    private final AgentLog log;
    private final AgentState state;
    private final Clock clock;

    ClusterJobs(AgentConfig.Source config, Repository repository, AgentMetrics metrics, AgentLog log, AgentState state,
                Clock clock) {
        this.config = config;
        this.repository = repository;
        this.metrics = metrics;
        this.log = log;
        this.state = state;
        this.clock = clock;
    }

    /** How the stream's and the snapshot job's cluster snapshots are taken: backup --cluster's way. */
    private ClusterBackup.Options backupOptions() {
        return new ClusterBackup.Options(false, false, config.compression(), ReplicaOptions.defaults(),
                config.snapshotMethod() instanceof AgentConfig.SnapshotMethod.Scan scan ? scan.options() : null);
    }

    String snapshot() throws Exception {
        ClusterTopology topology = ClusterDiscovery.discover(config.redis());
        ClusterBackup.Taken taken = ClusterBackup.take(repository, config.name(), topology, config.redis(),
                backupOptions(), clock);
        ClusterSnapshot m = taken.manifest();
        long keys = m.shards().stream().mapToLong(ClusterSnapshot.ShardSnapshot::keys).sum();
        long bytes = taken.shards().stream().mapToLong(SnapshotManifest::storedSize).sum();
        return "cluster snapshot " + m.id() + " stored (" + m.shards().size() + " shards, " + keys + " keys, " + bytes
                + " bytes)" + (topology.unassignedSlots() == 0 ? "" : "; " + topology.unassignedSlots() + " of "
                + ClusterTopology.SLOTS + " slots are served by no shard: their keys, if any, are not in it");
    }

    String prune() throws IOException {
        try (RepositoryLock lock = repository.lockExclusive("prune", clock,
                notice -> log.event(config.name(), "lock", notice))) {
            List<String> sources = new ArrayList<>(List.of(config.name()));
            sources.addAll(ClusterSources.shardSources(repository, config.name()));
            // Cluster snapshots first: a kept one keeps its shards' snapshots, a forgotten one goes before them.
            ClusterSnapshots.Retained clusters = ClusterSnapshots.retention(repository, config.retention(),
                    config.name());
            ClusterSnapshots.remove(repository, clusters);
            Pruner.Report r = new Pruner(repository, clock).prune(config.retention(), sources, false,
                    clusters.pinned());
            long bytes = r.removals().stream().mapToLong(Pruner.Removal::size).sum();
            return "policy " + r.policy() + ": " + clusters.forgotten().size() + " cluster snapshot(s) and "
                    + r.forgotten().size() + " shard snapshot(s) forgotten, " + r.removals().size() + " object(s) ("
                    + bytes + " bytes) removed";
        }
    }

    String compact() throws IOException {
        try (RepositoryLock lock = repository.lockExclusive("compact", clock,
                notice -> log.event(config.name(), "lock", notice))) {
            int before = 0;
            int after = 0;
            List<String> problems = new ArrayList<>();
            for (String shard : ClusterSources.shardSources(repository, config.name())) {
                Compactor.Report r = new Compactor(repository, clock).compact(new Compactor.Options(shard,
                        config.compactOlderThan(), Compactor.DEFAULT_TARGET_SIZE, false));
                before += r.segmentsBefore();
                after += r.segmentsAfter();
                r.problems().forEach(p -> problems.add(shard + ": " + p.message()));
            }
            if (!problems.isEmpty()) {
                throw new IOException(problems.size() + " damaged run(s) left unmerged, first: " + problems.get(0));
            }
            return before + " segment(s) of the shards became " + after;
        }
    }

    String check() throws IOException {
        long round = state.count(config.name(), "check-round");
        RepositoryCheck.ReadData share = new RepositoryCheck.ReadData(config.checkReadPercent(), round);
        ClusterCheck.Result r = ClusterCheck.run(repository, new RepositoryCheck(repository, clock), config.name(),
                share);
        state.count(config.name(), "check-round", round + 1);
        String read = share.percent() == 0 ? "presence and sizes" : share.percent() + "% of the data read ("
                + r.report().bytesRead() + " bytes)";
        if (r.report().clean() && r.verdict().clean()) {
            metrics.checkLastSuccess.labelValues(config.name()).set(clock.instant().getEpochSecond());
            return "check: clean, " + r.verdict().shards().size() + " shard source(s), " + read;
        }
        String first = r.verdict().problems().isEmpty() ? firstProblem(r.report()) : r.verdict().problems().get(0);
        return "check: " + (r.report().problems().size() + r.verdict().problems().size()) + " problem(s), " + read
                + "; first: " + first;
    }

    private static String firstProblem(RepositoryCheckReport report) {
        RepositoryCheckReport.Problem p = report.problems().get(0);
        return p.message() + " (" + p.kind().advice() + ")";
    }

    String drill() throws Exception {
        if (config.drillRandom()) {
            throw new IOException("drill.at random does not go with a cluster: its drill restores the newest cluster "
                    + "snapshot (each shard has its own log); leave at out");
        }
        List<ClusterSnapshot> all = ClusterSnapshots.list(repository, config.name());
        if (all.isEmpty()) {
            throw new IOException("no cluster snapshot of " + config.name() + " yet: the drill restores the newest one");
        }
        Path server = RedisServerBinary.newest(System.getenv());
        Drill.Options options = new Drill.Options(config.name(), new Drill.Newest(), null, server,
                Drill.Options.DEFAULT_SAMPLE, null, List.of(), config.objectives().get("rto"), false);
        ClusterDrill drill = new ClusterDrill(repository, all.get(all.size() - 1), options, Drill.Listener.NONE, clock,
                new SplittableRandom());
        DrillResult r = drill.run();
        for (DrillResult each : drill.perShard(r)) {
            Drills.record(repository, each);
        }
        metrics.drills.labelValues(config.name(), r.verdict()).inc();
        return "drill " + r.id() + " of " + r.point() + ": " + r.verdict() + ", RTO " + r.rtoSeconds() + " s, "
                + r.keys() + " keys, " + r.sampled() + " sampled" + (r.problems().isEmpty() ? ""
                : "; first problem: " + r.problems().get(0));
    }

    /**
     * {@code doctor} against each shard's primary, its backups those of the shard's source (found
     * in the cluster's shard map by the primary's node id); each check's status becomes
     * redback_doctor_check_status of the shard source.
     */
    String doctor() throws IOException {
        ClusterTopology topology = ClusterDiscovery.discover(config.redis());
        Optional<ShardMap> map = ShardMap.newest(repository, config.name());
        Doctor doctor = new Doctor(config.doctorOptions(), clock);
        Map<Check.Status, Integer> counts = new EnumMap<>(Check.Status.class);
        Check.Status worst = Check.Status.OK;
        List<String> shards = new ArrayList<>();
        for (ClusterTopology.Shard shard : topology.shards()) {
            ClusterTopology.Node primary = shard.primary();
            String source = map.flatMap(m -> m.shards().stream()
                    .filter(s -> s.primaryId().equals(primary.id()) || s.nodeIds().contains(primary.id()))
                    .map(ShardMap.Shard::source).findFirst()).orElse(null);
            if (source == null) {
                throw new IOException("the shard of " + primary.address() + " is not in the shard map of "
                        + config.name() + " yet: the snapshot job or the stream records it first");
            }
            RedisUri uri = config.redis().atNode(primary.host(), primary.port());
            DoctorReport report;
            try (RedisConnection c = RedisConnector.of(uri).connect()) {
                report = doctor.examine(c, primary.host(), new Doctor.Backups(repository, source));
            }
            metrics.doctorChecks(source, report, counts);
            if (report.verdict().compareTo(worst) > 0 && report.verdict() != Check.Status.SKIP) {
                worst = report.verdict();
            }
            shards.add(source + " " + report.verdict().label());
        }
        StringBuilder b = new StringBuilder("doctor: ").append(worst.label()).append(" (")
                .append(String.join(", ", shards)).append(")");
        counts.forEach((status, n) -> b.append(", ").append(n).append(' ').append(status.label()));
        return b.toString();
    }
}
