package io.redback.agent;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.redback.backup.Backup;
import io.redback.cluster.ClusterBackup;
import io.redback.backup.BgsaveSnapshot;
import io.redback.backup.ScanSnapshot;
import io.redback.check.RepositoryCheck;
import io.redback.check.RepositoryCheckReport;
import io.redback.doctor.Check;
import io.redback.doctor.Doctor;
import io.redback.doctor.DoctorReport;
import io.redback.drill.Drill;
import io.redback.drill.DrillResult;
import io.redback.drill.Drills;
import io.redback.redis.RedisConnection;
import io.redback.redis.RedisConnector;
import io.redback.redis.RedisServerBinary;
import io.redback.redis.ReplicaOptions;
import io.redback.redis.ReplicaSync;
import io.redback.cluster.ClusterDiscovery;
import io.redback.cluster.ClusterSnapshots;
import io.redback.cluster.ClusterStream;
import io.redback.cluster.ClusterStreamEvents;
import io.redback.cluster.ShardMap;
import io.redback.repo.Pruner;
import io.redback.repo.Repository;
import io.redback.repo.RepositoryLock;
import io.redback.repo.SnapshotManifest;
import io.redback.stream.Compactor;
import io.redback.stream.StreamEvent;
import io.redback.stream.StreamEvents;
import io.redback.stream.Streamer;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Everything the agent runs for one source: a job thread that runs the scheduled jobs one at a
 * time (so they never overlap for a source), and, with {@code stream: true}, a supervisor
 * thread that keeps a {@link Streamer} running and restarts it with backoff when it dies. A
 * failing job is logged, counted and retried with backoff; nothing a job throws ends the agent.
 * A Redis Cluster source (said by the configuration, or by the server at the first contact) runs
 * the cluster's jobs ({@link ClusterJobs}) and one {@link ClusterStream} (a link per shard).
 */
final class SourceRunner {
    /** The jobs the agent runs. */
    enum Job {
        SNAPSHOT, PRUNE, COMPACT, CHECK, DRILL, DOCTOR;

        String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private static final Duration FIRST_RETRY = Duration.ofSeconds(1);
    private static final Duration LAST_RETRY = Duration.ofMinutes(10);
    /** How often the cluster stream reads the topology again: stream --cluster's default. */
    private static final Duration TOPOLOGY_EVERY = Duration.ofSeconds(5);

    final AgentConfig.Source config;
    private final Repository repository;
    private final AgentMetrics metrics;
    private final AgentLog log;
    private final AgentState state;
    private final Clock clock;
    private final Duration stopTimeout;
    private final Object monitor = new Object();
    private final Map<Job, Instant> next = new EnumMap<>(Job.class);
    private final Map<Job, Integer> failures = new EnumMap<>(Job.class);
    private final Map<Job, String> lastResult = new EnumMap<>(Job.class);
    private volatile boolean stopping;
    private volatile Streamer streamer;
    private volatile boolean streamUp;
    private volatile String running;
    /** Whether the source is a cluster: the configuration's word, else the server's at the first contact. */
    private volatile Boolean cluster;
    private final Object probing = new Object();
    private final ClusterJobs clusterJobs;
    private volatile ClusterStream clusterStream;
    /** Each shard source's stream, up or not, while the cluster stream runs. */
    private final Map<String, Boolean> shardsUp = new ConcurrentHashMap<>();
    /** The cluster's shard sources as its newest shard map says (read at each refresh). */
    private volatile List<String> shardSources = List.of();
    private Thread jobs;
    private Thread supervisor;

    SourceRunner(AgentConfig.Source config, Repository repository, AgentMetrics metrics, AgentLog log,
                 AgentState state, Clock clock, Duration stopTimeout) {
        this.config = config;
        this.repository = repository;
        this.metrics = metrics;
        this.log = log;
        this.state = state;
        this.clock = clock;
        this.stopTimeout = stopTimeout;
        this.cluster = config.cluster();
        this.clusterJobs = new ClusterJobs(config, repository, metrics, log, state, clock);
    }

    /**
     * Whether the source is a Redis Cluster: as configured, else asked of the server once (as
     * backup and stream do, and never with method bgsave, which backup --cluster refuses), and
     * said in the log. An unreachable server fails the job or the stream that asked, which ask
     * again at their retry.
     */
    private boolean cluster() throws IOException {
        Boolean known = cluster;
        if (known != null) {
            return known;
        }
        synchronized (probing) {
            if (cluster == null) {
                boolean enabled = !(config.snapshotMethod() instanceof AgentConfig.SnapshotMethod.Bgsave)
                        && ClusterDiscovery.enabled(config.redis());
                if (enabled) {
                    log.event(config.name(), "cluster", config.redis().address() + " is a cluster node "
                            + "(cluster_enabled:1): protecting the whole cluster, one source per shard ("
                            + config.name() + ".shard-N)");
                }
                cluster = enabled;
            }
            return cluster;
        }
    }

    void start() {
        Instant now = clock.instant();
        for (Job job : Job.values()) {
            Schedule s = schedule(job);
            if (s != null) {
                Instant due = s.next(state.last(config.name(), job.label()), now);
                next.put(job, due.isBefore(now) ? now : due); // missed while down: once, now
            }
        }
        config.objectives().forEach((k, v) -> metrics.objective.labelValues(config.name(), k).set(v.toSeconds()));
        if (config.stream()) { // a source without a stream has no stream_up series, so "stream down" never fires for it
            metrics.streamUp.labelValues(config.name()).set(0);
        }
        jobs = new Thread(this::runJobs, "agent-jobs-" + config.name());
        jobs.setDaemon(true);
        jobs.start();
        if (config.stream()) {
            supervisor = new Thread(this::superviseStream, "agent-stream-" + config.name());
            supervisor.setDaemon(true);
            supervisor.start();
        }
    }

    private Schedule schedule(Job job) {
        return switch (job) {
            case SNAPSHOT -> config.snapshot();
            case PRUNE -> config.retention() == null ? null : config.retentionEvery();
            case COMPACT -> config.compact();
            case CHECK -> config.check();
            case DRILL -> config.drill();
            case DOCTOR -> config.doctor();
        };
    }

    /** Asks both threads to stop: the running job finishes (or is abandoned at the deadline), the stream drains. */
    void stop() {
        stopping = true;
        synchronized (monitor) {
            monitor.notifyAll();
        }
        Streamer s = streamer;
        if (s != null) {
            s.stop();
        }
        ClusterStream cs = clusterStream;
        if (cs != null) {
            cs.stop();
        }
        // No interrupt: the supervisor runs the Streamer itself, and an interrupt would fail the
        // stop's own writes (stream.json) on interruptible channels. notifyAll above ends its backoff.
    }

    /** Waits until the stream has stopped cleanly (the job thread is a daemon and may be abandoned). */
    boolean awaitStopped(Instant deadline) throws InterruptedException {
        if (supervisor != null) {
            supervisor.join(Math.max(1, Duration.between(clock.instant(), deadline).toMillis()));
            if (supervisor.isAlive()) {
                return false;
            }
        }
        if (jobs != null) {
            jobs.join(Math.max(1, Duration.between(clock.instant(), deadline).toMillis()));
        }
        return true;
    }

    // ------------------------------------------------------------------------------ jobs

    private void runJobs() {
        while (!stopping) {
            Job job;
            synchronized (monitor) {
                job = due();
                if (job == null) {
                    long wait = next.values().stream().min(Instant::compareTo)
                            .map(t -> Duration.between(clock.instant(), t).toMillis()).orElse(60_000L);
                    try {
                        monitor.wait(Math.max(1, Math.min(wait, 60_000)));
                    } catch (InterruptedException e) {
                        return;
                    }
                    continue;
                }
            }
            run(job);
        }
    }

    private Job due() {
        Instant now = clock.instant();
        Job best = null;
        for (Map.Entry<Job, Instant> e : next.entrySet()) {
            if (!e.getValue().isAfter(now) && (best == null || e.getValue().isBefore(next.get(best)))) {
                best = e.getKey();
            }
        }
        return best;
    }

    private void run(Job job) {
        Instant started = clock.instant();
        running = job.label();
        try {
            String result = switch (job) {
                case SNAPSHOT -> snapshot();
                case PRUNE -> cluster() ? clusterJobs.prune() : prune();
                case COMPACT -> cluster() ? clusterJobs.compact() : compact();
                case CHECK -> cluster() ? clusterJobs.check() : check();
                case DRILL -> cluster() ? clusterJobs.drill() : drill();
                case DOCTOR -> cluster() ? clusterJobs.doctor() : doctor();
            };
            Instant done = clock.instant();
            state.ran(config.name(), job.label(), done);
            synchronized (monitor) {
                failures.remove(job);
                lastResult.put(job, "ok");
                next.put(job, schedule(job).next(done, done));
                if (job == Job.SNAPSHOT && config.retention() != null) {
                    next.put(Job.PRUNE, done); // retention follows every snapshot
                }
            }
            log.event(config.name(), job.label(), result, new AgentLog.JobDone("ok",
                    Duration.between(started, done).toMillis() / 1000.0));
        } catch (Exception | OutOfMemoryError | StackOverflowError e) {
            String why = e.getMessage() == null ? e.toString() : e.getMessage();
            metrics.jobFailures.labelValues(config.name(), job.label()).inc();
            Duration retry;
            synchronized (monitor) {
                int n = failures.merge(job, 1, Integer::sum);
                retry = backoff(n);
                lastResult.put(job, "failed: " + why);
                next.put(job, clock.instant().plus(retry));
            }
            log.event(config.name(), job.label() + "-failed", why + "; retrying in " + retry.toSeconds() + " s",
                    new AgentLog.JobFailed("failed", retry.toSeconds()));
        } finally {
            running = null;
            refresh();
        }
    }

    static Duration backoff(int failures) {
        Duration d = FIRST_RETRY.multipliedBy(1L << Math.min(20, failures - 1));
        return d.compareTo(LAST_RETRY) > 0 ? LAST_RETRY : d;
    }

    private String snapshot() throws Exception {
        long t0 = System.nanoTime();
        try {
            String taken = cluster() ? clusterJobs.snapshot() : snapshotOne();
            metrics.snapshots.labelValues(config.name(), "ok").inc();
            metrics.snapshotLastDuration.labelValues(config.name()).set((System.nanoTime() - t0) / 1e9);
            return taken;
        } catch (Exception e) {
            metrics.snapshots.labelValues(config.name(), "failed").inc();
            throw e;
        }
    }

    /** One server's snapshot, its RDB taken as the method says (backup --method); the writer closes what it read. */
    private String snapshotOne() throws Exception {
        AgentConfig.SnapshotMethod method = config.snapshotMethod();
        Backup.Rdb rdb;
        if (method instanceof AgentConfig.SnapshotMethod.Scan scan) {
            rdb = new Backup.Scan(ScanSnapshot.start(config.redis(), scan.options()));
        } else if (method instanceof AgentConfig.SnapshotMethod.Bgsave bgsave) {
            rdb = new Backup.Bgsave(BgsaveSnapshot.take(config.redis(), bgsave.rdbFile()));
        } else {
            rdb = new Backup.FullSync(ReplicaSync.start(config.redis(), ReplicaOptions.defaults()));
        }
        SnapshotManifest m = Backup.take(repository, config.name(), config.redis(), rdb, config.compression(),
                (done, total, mbs) -> { }, clock).manifest();
        return "snapshot " + m.id() + " stored (" + m.totalKeys() + " keys, " + m.storedSize() + " bytes)";
    }

    private String prune() throws IOException {
        try (RepositoryLock lock = repository.lockExclusive("prune", clock,
                notice -> log.event(config.name(), "lock", notice))) {
            // Every shard snapshot a cluster snapshot names stays: cluster snapshots are not judged here.
            Pruner.Report r = new Pruner(repository, clock).prune(config.retention(), config.name(), false,
                    ClusterSnapshots.named(repository));
            long bytes = r.removals().stream().mapToLong(Pruner.Removal::size).sum();
            return "policy " + r.policy() + ": " + r.forgotten().size() + " snapshot(s) forgotten, "
                    + r.removals().size() + " object(s) (" + bytes + " bytes) removed";
        }
    }

    /**
     * `redback check --repo` for this source, reading the configured share of its data objects (a
     * different share each run, so that every object is read over ceil(100 / share) runs). A
     * problem found is a result, not a job failure: it is logged, and the last-clean-check time
     * (redback_check_last_success_timestamp_seconds) stops advancing, which the alert rules watch.
     */
    private String check() throws IOException {
        long round = state.count(config.name(), "check-round");
        RepositoryCheck.ReadData share = new RepositoryCheck.ReadData(config.checkReadPercent(), round);
        RepositoryCheckReport r = new RepositoryCheck(repository, clock).run(config.name(), share);
        state.count(config.name(), "check-round", round + 1);
        String read = share.percent() == 0 ? "presence and sizes" : share.percent() + "% of the data read ("
                + r.bytesRead() + " bytes)";
        if (r.clean()) {
            metrics.checkLastSuccess.labelValues(config.name()).set(clock.instant().getEpochSecond());
            return "check: clean, " + read;
        }
        RepositoryCheckReport.Problem first = r.problems().get(0);
        return "check: " + r.problems().size() + " problem(s), " + read + "; first: " + first.message() + " ("
                + first.kind().advice() + ")";
    }

    /**
     * `redback drill` for this source: the newest point (or with {@code at: random} a random second
     * of the recovery window) restored into a throwaway redis-server on a loopback port, validated
     * and timed against the rto objective, and recorded in the repository. A failed drill is a
     * result (counted in redback_drills_total{result="failed"}, and the last-success time stays
     * where it was); a drill that cannot run at all (no redis-server, nothing to restore) is a job
     * failure, retried with backoff.
     */
    private String drill() throws Exception {
        Path server = RedisServerBinary.newest(System.getenv());
        Drill.Options options = new Drill.Options(config.name(), config.drillRandom() ? new Drill.RandomSecond()
                : new Drill.Newest(), null, server, Drill.Options.DEFAULT_SAMPLE, null, List.of(),
                config.objectives().get("rto"), false);
        DrillResult r = new Drill(repository, options, Drill.Listener.NONE, clock, new SplittableRandom()).run();
        Drills.record(repository, r);
        metrics.drills.labelValues(config.name(), r.verdict()).inc(); // the RTO and last success: refresh() reads the record
        return "drill " + r.id() + " of " + r.point() + ": " + r.verdict() + ", RTO " + r.rtoSeconds() + " s, "
                + r.keys() + " keys, " + r.sampled() + " sampled" + (r.problems().isEmpty() ? ""
                : "; first problem: " + r.problems().get(0));
    }

    /**
     * `redback doctor` against the source and its backups, judged against the rpo objective; each
     * check's status becomes redback_doctor_check_status (a finding is a result, not a job failure).
     */
    private String doctor() throws IOException {
        Doctor doctor = new Doctor(config.doctorOptions(), clock);
        DoctorReport report;
        try (RedisConnection c = RedisConnector.of(config.redis()).connect()) {
            report = doctor.examine(c, config.redis().host(), new Doctor.Backups(repository, config.name()));
        }
        Map<Check.Status, Integer> counts = new EnumMap<>(Check.Status.class);
        metrics.doctorChecks(config.name(), report, counts);
        StringBuilder b = new StringBuilder("doctor: ").append(report.verdict().label());
        counts.forEach((status, n) -> b.append(", ").append(n).append(' ').append(status.label()));
        return b.toString();
    }

    private String compact() throws IOException {
        try (RepositoryLock lock = repository.lockExclusive("compact", clock,
                notice -> log.event(config.name(), "lock", notice))) {
            Compactor.Report r = new Compactor(repository, clock).compact(new Compactor.Options(config.name(),
                    config.compactOlderThan(), Compactor.DEFAULT_TARGET_SIZE, false));
            if (!r.problems().isEmpty()) {
                throw new IOException(r.problems().size() + " damaged run(s) left unmerged, first: "
                        + r.problems().get(0).message());
            }
            return r.segmentsBefore() + " segment(s) became " + r.segmentsAfter();
        }
    }

    // ------------------------------------------------------------------------------ stream

    private void superviseStream() {
        int failed = 0;
        while (!stopping) {
            Instant started = clock.instant();
            String why;
            try {
                Streamer.Options options = new Streamer.Options(config.name(), config.spool(), config.flushInterval(),
                        config.segmentSize(), AgentConfig.MAX_SPOOL, null, config.compression(), stopTimeout,
                        ReplicaOptions.defaults(), config.durableAt(), config.ackWhen());
                if (cluster()) {
                    why = streamCluster(options);
                    if (why == null) {
                        break;
                    }
                } else {
                    Streamer s = new Streamer(config.redis(), repository, options, this::onStreamEvent, clock);
                    streamer = s;
                    if (stopping) {
                        break;
                    }
                    log.event(config.name(), "stream-started", "streaming " + config.redis().address() + " (spool "
                            + config.spool() + ")");
                    s.run();
                    why = "the stream stopped by itself";
                }
            } catch (Exception | OutOfMemoryError | StackOverflowError e) {
                why = e.getMessage() == null ? e.toString() : e.getMessage();
            } finally {
                streamUp = false;
                metrics.streamUp.labelValues(config.name()).set(0);
                shardsUp.replaceAll((source, up) -> false);
                shardsUp.keySet().forEach(source -> metrics.streamUp.labelValues(source).set(0));
            }
            if (stopping) {
                break;
            }
            failed = Duration.between(started, clock.instant()).toMinutes() >= 1 ? 1 : failed + 1;
            Duration retry = backoff(failed);
            metrics.jobFailures.labelValues(config.name(), "stream").inc();
            metrics.reconnects.labelValues(config.name()).inc();
            log.event(config.name(), "stream-failed", why + "; restarting in " + retry.toSeconds() + " s",
                    new AgentLog.Restart(retry.toSeconds()));
            try {
                synchronized (monitor) {
                    if (!stopping) {
                        monitor.wait(retry.toMillis());
                    }
                }
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void onStreamEvent(StreamEvent event) {
        if (event instanceof StreamEvent.TimelineStarted || event instanceof StreamEvent.Continued) {
            streamUp = true;
            metrics.streamUp.labelValues(config.name()).set(1);
        } else if (event instanceof StreamEvent.Disconnected || event instanceof StreamEvent.ThreadDied
                || event instanceof StreamEvent.Stopped) {
            if (streamUp && event instanceof StreamEvent.Disconnected) {
                metrics.reconnects.labelValues(config.name()).inc();
            }
            streamUp = false;
            metrics.streamUp.labelValues(config.name()).set(0);
        }
        log.event(config.name(), "stream-" + kebab(event), StreamEvents.describe(event));
    }

    private static String kebab(Object event) {
        return event.getClass().getSimpleName().replaceAll("([a-z])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
    }

    /**
     * Runs the cluster stream ({@code stream --cluster}: a link per shard, the topology followed,
     * a failed shard started again by the cluster stream itself) until it stops; null when the
     * agent stopped it, else why it stopped by itself (the supervisor then starts it again).
     */
    private String streamCluster(Streamer.Options shard) throws IOException {
        ClusterStream cs = new ClusterStream(config.redis(), repository, new ClusterStream.Options(config.name(), shard,
                TOPOLOGY_EVERY, new ClusterBackup.Options(false, false, shard.compression(), shard.link())),
                this::onClusterEvent, clock);
        clusterStream = cs;
        if (stopping) {
            return null;
        }
        log.event(config.name(), "stream-started", "streaming the cluster at " + config.redis().address() + " as "
                + config.name() + ".shard-<N> (spools under " + config.spool() + ")");
        List<String> failed = cs.run();
        return stopping ? null : "the cluster stream stopped by itself" + (failed.isEmpty() ? ""
                : "; shards failed meanwhile: " + String.join("; ", failed));
    }

    /** A cluster stream's event: a shard's stream figures go to its shard source, the rest to the log. */
    private void onClusterEvent(ClusterStream.Event event) {
        if (event instanceof ClusterStream.ShardEvent e) {
            StreamEvent inner = e.event();
            if (inner instanceof StreamEvent.TimelineStarted || inner instanceof StreamEvent.Continued) {
                shardUp(e.source(), true);
            } else if (inner instanceof StreamEvent.Disconnected || inner instanceof StreamEvent.ThreadDied
                    || inner instanceof StreamEvent.Stopped) {
                if (Boolean.TRUE.equals(shardsUp.get(e.source())) && inner instanceof StreamEvent.Disconnected) {
                    metrics.reconnects.labelValues(e.source()).inc();
                }
                shardUp(e.source(), false);
            }
            log.event(e.source(), "stream-" + kebab(inner), ClusterStreamEvents.describe(event));
            return;
        }
        // an event of one shard is logged under the shard's source, as the shard's stream events are
        String source = config.name();
        if (event instanceof ClusterStream.ShardStarted s) {
            shardUp(s.source(), false);
            source = s.source();
        } else if (event instanceof ClusterStream.ShardFailed f) {
            shardUp(f.source(), false);
            metrics.jobFailures.labelValues(f.source(), "stream").inc();
            metrics.reconnects.labelValues(f.source()).inc();
            source = f.source();
        } else if (event instanceof ClusterStream.ShardRemoved r) {
            shardsUp.remove(r.source());
            metrics.streamUp.remove(r.source());
            clusterUp();
            source = r.source();
        }
        StreamEvents.Words words = ClusterStreamEvents.describe(event);
        log.event(source, "stream-" + words.event(), words);
    }

    private void shardUp(String source, boolean up) {
        shardsUp.put(source, up);
        metrics.streamUp.labelValues(source).set(up ? 1 : 0);
        clusterUp();
    }

    /** The cluster's stream is up while every shard's is. */
    private void clusterUp() {
        boolean all = !shardsUp.isEmpty() && shardsUp.values().stream().allMatch(Boolean::booleanValue);
        streamUp = all;
        metrics.streamUp.labelValues(config.name()).set(all ? 1 : 0);
    }

    // ------------------------------------------------------------------------------ metrics

    /** Reads what the repository says of this source into the metrics (so they match it, whoever wrote it). */
    void refresh() {
        try {
            if (Boolean.TRUE.equals(cluster)) {
                Optional<ShardMap> map = ShardMap.newest(repository, config.name());
                shardSources = map.map(m -> m.shards().stream().map(ShardMap.Shard::source).toList())
                        .orElse(List.of());
                metrics.refreshCluster(repository, config.name(), shardSources, config.objectives().get("rpo"));
            } else {
                metrics.refresh(repository, config.name());
            }
        } catch (IOException | RuntimeException e) {
            log.event(config.name(), "metrics-failed", "could not read the repository for metrics: " + e.getMessage());
        }
    }

    /** What /status shows of this source. */
    Status status() {
        Map<String, JobStatus> jobs = new LinkedHashMap<>();
        synchronized (monitor) {
            for (Map.Entry<Job, Instant> e : next.entrySet()) {
                Instant last = state.last(config.name(), e.getKey().label());
                jobs.put(e.getKey().label(), new JobStatus(schedule(e.getKey()).toString(),
                        last == null ? null : last.toString(), e.getValue().toString(), lastResult.get(e.getKey()),
                        failures.getOrDefault(e.getKey(), 0)));
            }
        }
        List<ShardStatus> shards = null;
        if (Boolean.TRUE.equals(cluster)) {
            Map<String, ShardStatus> bySource = new TreeMap<>();
            for (String source : shardSources) {
                bySource.put(source, new ShardStatus(source, config.stream() ? "down" : "off"));
            }
            shardsUp.forEach((source, up) -> bySource.put(source, new ShardStatus(source, up ? "up" : "down")));
            shards = new ArrayList<>(bySource.values());
        }
        return new Status(config.name(), config.redis().address(), config.stream() ? (streamUp ? "up" : "down") : "off",
                running, jobs, shards);
    }

    /** Forgets the metrics of this source (and of its shard sources): a reload removed or changed it. */
    void forgetMetrics() {
        metrics.forget(config.name());
        List<String> shards = new ArrayList<>(shardSources);
        shards.addAll(shardsUp.keySet());
        shards.forEach(metrics::forget);
    }

    /**
     * A source on /status: its stream (up, down, off; a cluster's is up while every shard's is),
     * the job running now (or null), each job by name, and a cluster's shard sources (absent for one server).
     */
    record Status(String source, String address, String stream, String running, Map<String, JobStatus> jobs,
                  @JsonInclude(JsonInclude.Include.NON_NULL) List<ShardStatus> shards) {
    }

    /** A cluster's shard source on /status and its stream (up, down, off). */
    record ShardStatus(String source, String stream) {
    }

    /** A job on /status: its schedule, last success (or null), next run, last result (or null), failures in a row. */
    record JobStatus(String schedule, String lastSuccess, String next, String lastResult, int failures) {
    }
}
