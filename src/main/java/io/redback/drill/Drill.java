package io.redback.drill;

import io.redback.aof.CutPoint;
import io.redback.pitr.Plan;
import io.redback.pitr.Planner;
import io.redback.pitr.RestoreException;
import io.redback.pitr.Window;
import io.redback.redis.LocalRedisServer;
import io.redback.redis.RedisConnection;
import io.redback.redis.RedisConnector;
import io.redback.repo.NoSingleSourceException;
import io.redback.repo.Repository;
import io.redback.repo.SnapshotManifest;
import io.redback.restore.LiveReport;
import io.redback.restore.LiveRestore;
import io.redback.restore.Phase;
import io.redback.restore.PointInTimeRestore;
import io.redback.restore.SnapshotRestore;
import io.redback.restore.WorkFolder;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;

/**
 * A restore drill: proves that a point of a source's backups restores into a working server with
 * the right data, and how long that takes. The point (a snapshot, the newest restorable point, a
 * second or offset of the log, or a uniformly random second of the recovery window) is fetched and
 * verified ({@link SnapshotRestore}) or materialised from the log ({@link PointInTimeRestore}: for
 * a point in time, fetching and verifying are part of the replay phase), loaded into a throwaway
 * redis-server on a free loopback port (stopped and its files removed at the end, also on
 * Ctrl-C, unless kept) or restored into an empty server the caller names ({@link LiveRestore}),
 * then validated ({@link Validation}). Each phase is timed; their sum is the RTO. Problems in the
 * data make a failed result; a drill that cannot run (no such source or snapshot, a point outside
 * the window, a target that is not empty, no server binary) throws {@link DrillException}.
 */
public final class Drill {
    /** Which point of the source a drill restores. */
    public sealed interface Point permits Newest, Snapshot, At, RandomSecond, Offset {
    }

    /** The newest restorable point: the end of the newest window of the log, else the newest snapshot. */
    public record Newest() implements Point {
    }

    /** A snapshot: an id, the start of one, or {@code latest}. */
    public record Snapshot(String id) implements Point {
    }

    /** The end of unix second {@code second} (as {@code restore --at}). */
    public record At(long second) implements Point {
    }

    /** A uniformly random second of the recovery window, so that over months all of it is drilled. */
    public record RandomSecond() implements Point {
    }

    /** Replication offset {@code offset} (as {@code restore --offset}). */
    public record Offset(long offset) implements Point {
    }

    /**
     * What to drill and how.
     *
     * @param source      the source (null: the repository's only one)
     * @param into        an empty server to restore into, or null for a throwaway one
     * @param redisServer the redis-server binary (for the throwaway server and for materialising a point in time)
     * @param sample      keys whose digest is compared; -1 for every key
     * @param keysFrom    keys that must be present (null: none named)
     * @param rto         the longest the drill may take, or null
     * @param keep        leave the throwaway server running (and its files) for a person to look at
     * @param reloadCheck after validating, make the throwaway server SAVE, restart it on its own RDB
     *                    and validate again (what the server writes must read back as the point)
     */
    public record Options(String source, Point point, RedisConnector into, Path redisServer, int sample,
                          Set<ByteBuffer> keysFrom, List<Assertion> asserts, Duration rto, boolean keep,
                          boolean reloadCheck) {
        public static final int DEFAULT_SAMPLE = 1000;

        public Options {
            Objects.requireNonNull(point, "point");
            Objects.requireNonNull(redisServer, "redisServer");
            asserts = List.copyOf(asserts);
            keysFrom = keysFrom == null ? null : Set.copyOf(keysFrom);
        }

        /** Without the reload check. */
        public Options(String source, Point point, RedisConnector into, Path redisServer, int sample,
                       Set<ByteBuffer> keysFrom, List<Assertion> asserts, Duration rto, boolean keep) {
            this(source, point, into, redisServer, sample, keysFrom, asserts, rto, keep, false);
        }
    }

    /** Told as a drill goes: phases starting (with the bytes they will read, when known) and ending. */
    public interface Listener {
        Listener NONE = new Listener() { };

        /** total: bytes the phase reads, -1 when unknown; progress counts them. */
        default void started(Phase phase, long total, AtomicLong progress) {
        }

        default void finished(Phase phase, Duration took) {
        }
    }

    private final Repository repository;
    private final Options options;
    private final Listener listener;
    private final Clock clock;
    private final RandomGenerator random;
    /** A test's hook, run after loading and before validating, with a connection to the served server. */
    private Consumer<RedisConnection> beforeValidate = c -> { };

    public Drill(Repository repository, Options options, Listener listener, Clock clock, RandomGenerator random) {
        this.repository = Objects.requireNonNull(repository, "repository");
        this.options = Objects.requireNonNull(options, "options");
        this.listener = Objects.requireNonNull(listener, "listener");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.random = Objects.requireNonNull(random, "random");
    }

    /** For tests: changes the served data between loading and validating. */
    Drill beforeValidate(Consumer<RedisConnection> hook) {
        this.beforeValidate = Objects.requireNonNull(hook, "hook");
        return this;
    }

    /** What was restored: filled in as the drill learns it. */
    private static final class Restored {
        String point;
        String snapshot;
        String timeline;
        Long cutOffset;
        String cutTime;
        String target;
        String version;
        String kept;
        long keys;
        long sampled;
    }

    /**
     * Runs the drill and returns its result (not yet recorded: {@link Drills#record}).
     *
     * @throws DrillException when it cannot run
     * @throws IOException when the repository or a server cannot be read
     */
    public DrillResult run() throws DrillException, IOException {
        Instant started = clock.instant().truncatedTo(ChronoUnit.MILLIS);
        String id = repository.newSnapshotId(clock).toString();
        String source = source();
        if (options.into() != null) {
            refuseUnlessEmpty(options.into());
        }
        EnumMap<Phase, Duration> phases = new EnumMap<>(Phase.class);
        List<String> problems = new ArrayList<>();
        Restored r = new Restored();
        WorkFolder work = WorkFolder.create("redback-drill-");
        LocalRedisServer[] server = new LocalRedisServer[1];
        Thread cleanup = new Thread(() -> {
            // Ctrl-C or a kill during the drill: the throwaway server and its files go with it.
            if (!options.keep()) {
                if (server[0] != null) {
                    server[0].close();
                }
                // one still loading, or replaying a point in time
                ThrowawayServer.stopServersStartedHere(options.redisServer());
                work.close();
            }
        }, "redback-drill-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
        try {
            Path data = Files.createDirectories(work.path().resolve("data"));
            Path rdb;
            try {
                rdb = restore(source, data, phases, r);
            } catch (RestoreException e) {
                if (!e.dataProblem()) {
                    throw new DrillException(e.getMessage(), e);
                }
                problems.add("the restore failed: " + e.getMessage());
                return result(id, source, started, r, phases, problems);
            }
            // SAVE replaces dump.rdb by a new file: the link keeps the restored point to validate against.
            Path point = rdb;
            if (options.reloadCheck() && options.into() == null) {
                point = Files.createLink(work.path().resolve("point.rdb"), rdb);
            }
            long loadStartedMs = System.currentTimeMillis();
            RedisConnector served;
            listener.started(Phase.LOAD, -1, new AtomicLong());
            long t = System.nanoTime();
            if (options.into() == null) {
                try {
                    server[0] = ThrowawayServer.start(data, options.redisServer());
                } catch (IOException e) {
                    ended(phases, Phase.LOAD, t);
                    problems.add("redis-server (" + options.redisServer() + ") did not load the restored point: "
                            + e.getMessage());
                    return result(id, source, started, r, phases, problems);
                }
                served = RedisConnector.of(ThrowawayServer.uri(server[0]));
                r.version = server[0].version();
                r.target = ThrowawayServer.describe(server[0], options.redisServer());
            } else {
                served = options.into();
                r.target = served.uri().toString();
                // No pause near maxmemory: a scratch target that evicts or refuses is what a drill must find.
                LiveRestore.Options live = LiveRestore.Options.defaults().withThrottle(new io.redback.restore.Throttle(
                        0, 0, 0, Duration.ofSeconds(60), Duration.ofSeconds(60)));
                LiveReport report = new LiveRestore(served, live, new AtomicLong()).run(rdb, loadStartedMs);
                try (RedisConnection c = served.connect()) {
                    r.version = c.info("server").get("redis_version");
                }
                if (!report.ok() || report.failed() > 0) {
                    problems.add("the restore into " + r.target + " did not complete: " + report.failed()
                            + " key(s) failed" + (report.message() == null ? "" : "; " + report.message())
                            + report.failedKeys().stream().limit(3).map(k -> "; db " + k.db() + " " + k.key() + ": "
                            + k.reason()).reduce("", String::concat));
                }
            }
            ended(phases, Phase.LOAD, t);
            listener.started(Phase.VALIDATE, -1, new AtomicLong());
            try (RedisConnection c = served.connect(Duration.ofMinutes(10))) {
                beforeValidate.accept(c);
                t = System.nanoTime();
                Validation.Outcome v = Validation.run(point, c, r.version, loadStartedMs, options, random);
                ended(phases, Phase.VALIDATE, t);
                r.keys = v.keys();
                r.sampled = v.sampled();
                problems.addAll(v.problems());
            } catch (RestoreException e) {
                problems.add(e.getMessage());
            }
            if (options.reloadCheck() && server[0] != null && problems.isEmpty()) {
                Path restored = point;
                ThrowawayServer.reloadCheck(server, data, options.redisServer(), (uri, version) -> {
                    try (RedisConnection c = RedisConnector.of(uri).connect(Duration.ofMinutes(10))) {
                        return Validation.run(restored, c, version, loadStartedMs, options, random).problems();
                    }
                }, problems);
            }
            if (options.keep() && server[0] != null) {
                r.kept = LocalRedisServer.HOST + ":" + server[0].port() + " (pid " + server[0].pid() + ", files in "
                        + data + ")";
            }
            return result(id, source, started, r, phases, problems);
        } finally {
            if (!options.keep()) {
                if (server[0] != null) {
                    server[0].close();
                }
                work.close();
            }
            try {
                Runtime.getRuntime().removeShutdownHook(cleanup);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs, or has run
            }
        }
    }

    /** An --into target must hold no key, so that what validation sees is the restore's alone. */
    private static void refuseUnlessEmpty(RedisConnector into) throws DrillException, IOException {
        try (RedisConnection c = into.connect()) {
            Map<String, String> keyspace = c.info("keyspace");
            if (keyspace.keySet().stream().anyMatch(k -> k.startsWith("db"))) {
                throw new DrillException(into.uri() + " is not empty (" + keyspace + "): a drill restores only into an "
                        + "empty server; flush it or name another");
            }
        }
    }

    private String source() throws DrillException, IOException {
        try {
            return repository.onlySource(options.source(), Repository.Holding.ANYTHING);
        } catch (NoSingleSourceException | IllegalArgumentException e) {
            throw new DrillException(e.getMessage(), e);
        }
    }

    /** Brings the point out of the repository as data/dump.rdb; fetch and verify, or replay. */
    private Path restore(String source, Path data, EnumMap<Phase, Duration> phases, Restored r)
            throws DrillException, IOException, RestoreException {
        Point point = options.point();
        Planner planner = new Planner(repository);
        List<Window> windows = planner.windows(source);
        CutPoint cut = null;
        String timeline = null;
        if (point instanceof Newest && !windows.isEmpty()) {
            Window w = windows.stream().max(java.util.Comparator.comparing(Window::toTime)).orElseThrow();
            cut = new CutPoint.Offset(null, w.toOffset());
            timeline = w.timeline().toString();
        } else if (point instanceof RandomSecond) {
            if (windows.isEmpty()) {
                throw new DrillException("--at random needs a recovery window, and source " + source
                        + " has no log: `redback stream` ships one; drill a snapshot with --snapshot");
            }
            long total = windows.stream().mapToLong(Drill::seconds).sum();
            long pick = random.nextLong(total);
            for (Window w : windows) {
                if (pick < seconds(w)) {
                    cut = new CutPoint.At(w.fromTime().getEpochSecond() + pick);
                    timeline = w.timeline().toString();
                    break;
                }
                pick -= seconds(w);
            }
        } else if (point instanceof At at) {
            cut = new CutPoint.At(at.second());
        } else if (point instanceof Offset o) {
            cut = new CutPoint.Offset(null, o.offset());
        }
        if (cut == null) {
            String which = point instanceof Snapshot s ? s.id() : "latest";
            SnapshotManifest m;
            try {
                m = repository.catalog().find(source, which);
            } catch (io.redback.repo.RepositoryException | IllegalArgumentException e) {
                throw new DrillException(e.getMessage(), e); // none or several match
            }
            r.point = "snapshot " + m.id();
            r.snapshot = m.id().toString();
            AtomicLong progress = new AtomicLong();
            listener.started(Phase.FETCH, m.rawSize(), progress);
            SnapshotRestore.Result res = new SnapshotRestore(progress, (phase, took) -> {
                phases.merge(phase, took, Duration::plus);
                listener.finished(phase, took);
                if (phase == Phase.FETCH) {
                    listener.started(Phase.VERIFY, -1, new AtomicLong());
                }
            }).toDir(new SnapshotRestore.Snapshot(repository.storage(), m), data, false);
            return res.target();
        }
        AtomicLong progress = new AtomicLong();
        PointInTimeRestore pitr = new PointInTimeRestore(repository, progress);
        Plan plan = pitr.plan(source, cut, timeline);
        r.point = cut.describe() + " (offset " + plan.cutOffset() + ", " + plan.cutTime() + ")";
        r.snapshot = plan.snapshot().id().toString();
        r.timeline = plan.timeline().toString();
        r.cutOffset = plan.cutOffset();
        r.cutTime = plan.cutTime().toString();
        listener.started(Phase.REPLAY, PointInTimeRestore.bytes(plan), progress);
        long t = System.nanoTime();
        pitr.materialise(plan, data, options.redisServer(), clock.instant());
        ended(phases, Phase.REPLAY, t);
        return data.resolve("dump.rdb");
    }

    private static long seconds(Window w) {
        return w.toTime().getEpochSecond() - w.fromTime().getEpochSecond() + 1;
    }

    private void ended(EnumMap<Phase, Duration> phases, Phase phase, long startedNanos) {
        Duration d = Duration.ofNanos(System.nanoTime() - startedNanos);
        phases.merge(phase, d, Duration::plus);
        listener.finished(phase, d);
    }

    private DrillResult result(String id, String source, Instant started, Restored r, EnumMap<Phase, Duration> phases,
                               List<String> problems) {
        Timing timing = Timing.of(phases, problems, options.rto());
        Map<String, Double> seconds = timing.seconds();
        List<String> all = timing.problems();
        Duration total = timing.total();
        return new DrillResult(DrillResult.FORMAT, id, source, started.toString(), r.point, r.snapshot, r.timeline,
                r.cutOffset, r.cutTime, r.target, r.version, seconds, total.toNanos() / 1e9,
                options.rto() == null ? null : options.rto().toNanos() / 1e9, r.keys, r.sampled, all,
                all.isEmpty() ? DrillResult.PASSED : DrillResult.FAILED, r.kept);
    }

    /** Each phase's seconds, their total, and the problems with a missed RTO added. */
    record Timing(Map<String, Double> seconds, Duration total, List<String> problems) {
        static Timing of(EnumMap<Phase, Duration> phases, List<String> problems, Duration rto) {
            Map<String, Double> seconds = new LinkedHashMap<>();
            Duration total = Duration.ZERO;
            for (Map.Entry<Phase, Duration> e : phases.entrySet()) {
                seconds.put(e.getKey().jsonName(), e.getValue().toNanos() / 1e9);
                total = total.plus(e.getValue());
            }
            List<String> all = new ArrayList<>(problems);
            if (rto != null && total.compareTo(rto) > 0) {
                all.add(String.format(Locale.ROOT, "the restore took %.3f s, more than the RTO of %.3f s",
                        total.toNanos() / 1e9, rto.toNanos() / 1e9));
            }
            return new Timing(seconds, total, all);
        }
    }
}
