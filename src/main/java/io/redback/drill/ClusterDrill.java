package io.redback.drill;

import io.redback.cluster.ClusterDiscovery;
import io.redback.cluster.ClusterRestore;
import io.redback.cluster.ClusterSlot;
import io.redback.cluster.ClusterSnapshot;
import io.redback.cluster.ClusterTopology;
import io.redback.pitr.RestoreException;
import io.redback.rdb.RdbException;
import io.redback.rdb.RdbReader;
import io.redback.redis.LocalRedisServer;
import io.redback.redis.RedisConnection;
import io.redback.redis.RedisConnector;
import io.redback.redis.RedisErrorReply;
import io.redback.redis.RedisUri;
import io.redback.repo.Repository;
import io.redback.restore.KeyDigest;
import io.redback.restore.LiveReport;
import io.redback.restore.LiveRestore;
import io.redback.restore.Phase;
import io.redback.restore.ServedDigest;
import io.redback.restore.Throttle;
import io.redback.restore.WorkFolder;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;

/**
 * A restore drill of a cluster snapshot: every shard's snapshot fetched and verified, then all of
 * them restored ({@link ClusterRestore}) into one throwaway standalone redis-server (database 0;
 * stopped and removed at the end unless kept) or into the empty server or cluster named with
 * {@code --into}, and validated: each shard's RDB holds the key count the cluster snapshot
 * recorded for it, the keys served in total are the sum of those counts (less keys expired by
 * now: a range), every function library is on every primary, the {@code --keys-from} keys are
 * there, the {@code --assert}s hold and a sample of keys has the value of the snapshot (digests;
 * each of these reads goes to the primary serving its key's slot, and follows MOVED when the slot
 * moved after the topology was read). With the reload check the
 * throwaway server then SAVEs, is restarted on its RDB and validated again, as in {@link Drill}.
 * The result is recorded under every shard's source
 * ({@code sources/<cluster>.shard-<i>/drills/<id>.json}), so that {@code status} of each shard
 * shows the drill that covered it; its point names the cluster snapshot.
 */
public final class ClusterDrill {
    /** Keys due to expire this soon are not sampled: they may be gone before they are compared. */
    private final Repository repository;
    private final ClusterSnapshot snapshot;
    private final Drill.Options options;
    private final Drill.Listener listener;
    private final Clock clock;
    private final RandomGenerator random;

    /** Tests' hooks, given what was restored into: once validation has connected; before the reload check's SAVE. */
    private Consumer<RedisUri> beforeValidate = uri -> { };
    private Consumer<RedisUri> beforeReload = uri -> { };

    public ClusterDrill(Repository repository, ClusterSnapshot snapshot, Drill.Options options, Drill.Listener listener,
                        Clock clock, RandomGenerator random) {
        this.repository = Objects.requireNonNull(repository, "repository");
        this.snapshot = Objects.requireNonNull(snapshot, "snapshot");
        this.options = Objects.requireNonNull(options, "options");
        this.listener = Objects.requireNonNull(listener, "listener");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.random = Objects.requireNonNull(random, "random");
    }

    /** For tests: changes the served data (or the cluster's topology) once validation has connected. */
    ClusterDrill beforeValidate(Consumer<RedisUri> hook) {
        this.beforeValidate = Objects.requireNonNull(hook, "hook");
        return this;
    }

    /** For tests: changes the served data between validating and the reload check's SAVE. */
    ClusterDrill beforeReload(Consumer<RedisUri> hook) {
        this.beforeReload = Objects.requireNonNull(hook, "hook");
        return this;
    }

    /**
     * Runs the drill; the result's source is the cluster's name, and {@link #perShard} gives the
     * records to store.
     *
     * @throws DrillException when it cannot run (a target that is not empty, an option a cluster drill does not take)
     * @throws IOException when the repository or a server cannot be read
     */
    public DrillResult run() throws DrillException, IOException {
        Instant startedAt = clock.instant().truncatedTo(ChronoUnit.MILLIS);
        String id = repository.newSnapshotId(clock).toString();
        boolean intoCluster = options.into() != null && ClusterDiscovery.enabled(options.into().uri());
        if (options.into() != null) {
            refuseUnlessEmpty(options.into().uri(), intoCluster);
        }
        EnumMap<Phase, Duration> phases = new EnumMap<>(Phase.class);
        List<String> problems = new ArrayList<>();
        String point = "cluster snapshot " + snapshot.id() + " of " + snapshot.cluster() + " (" + snapshot.shards().size()
                + " shards)";
        String target = null;
        String version = null;
        String kept = null;
        long served = 0;
        long sampled = 0;
        WorkFolder work = WorkFolder.create("redback-drill-");
        LocalRedisServer[] started = new LocalRedisServer[1];
        Thread cleanup = new Thread(() -> {
            // Ctrl-C or a kill during the drill: the throwaway server and its files go with it.
            if (!options.keep()) {
                if (started[0] != null) {
                    started[0].close();
                }
                ThrowawayServer.stopServersStartedHere(options.redisServer()); // one still loading
                work.close();
            }
        }, "redback-drill-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
        try {
            AtomicLong progress = new AtomicLong();
            listener.started(Phase.FETCH, ClusterRestore.rawSize(repository, snapshot), progress);
            long t = System.nanoTime();
            List<Path> rdbs;
            try {
                rdbs = ClusterRestore.fetch(repository, snapshot, work.path(), progress);
            } catch (RestoreException e) {
                if (!e.dataProblem()) {
                    throw new DrillException(e.getMessage(), e);
                }
                ended(phases, Phase.FETCH, t);
                problems.add("the restore failed: " + e.getMessage());
                return result(id, snapshot.cluster(), startedAt, point, target, version, phases, 0, 0, problems, null);
            }
            ended(phases, Phase.FETCH, t);

            long loadStartedMs = System.currentTimeMillis();
            listener.started(Phase.LOAD, -1, new AtomicLong());
            t = System.nanoTime();
            RedisUri uri;
            Path data = work.path().resolve("data");
            if (options.into() == null) {
                Files.createDirectories(data);
                try {
                    started[0] = ThrowawayServer.start(data, options.redisServer());
                } catch (IOException e) {
                    ended(phases, Phase.LOAD, t);
                    problems.add("redis-server (" + options.redisServer() + ") did not start: " + e.getMessage());
                    return result(id, snapshot.cluster(), startedAt, point, target, version, phases, 0, 0, problems, null);
                }
                uri = ThrowawayServer.uri(started[0]);
                target = ThrowawayServer.describe(started[0], options.redisServer());
            } else {
                uri = options.into().uri();
                target = uri.toString();
            }
            // No pause near maxmemory: a scratch target that evicts or refuses is what a drill must find.
            LiveRestore.Options live = LiveRestore.Options.defaults().withThrottle(new Throttle(0, 0, 0,
                    Duration.ofSeconds(60), Duration.ofSeconds(60)));
            ClusterRestore restore = ClusterRestore.open(uri, false, live);
            ClusterRestore.Result r = restore.run(rdbs, ClusterRestore.slotsHeld(snapshot), ClusterRestore.Functions.EVERY_FILE,
                    loadStartedMs);
            ended(phases, Phase.LOAD, t);
            LiveReport report = r.total();
            if (restore.cluster()) {
                target += " (a cluster of " + r.primaries() + " primaries)";
            }
            try (RedisConnection c = RedisConnector.of(uri).connect()) {
                version = c.info("server").get("redis_version");
            }
            if (!report.ok() || report.failed() > 0) {
                problems.add("the restore into " + target + " did not complete: " + report.failed() + " key(s) failed"
                        + (report.message() == null ? "" : "; " + report.message())
                        + report.failedKeys().stream().limit(3).map(k -> "; " + k.key() + ": " + k.reason())
                        .reduce("", String::concat));
            }

            listener.started(Phase.VALIDATE, -1, new AtomicLong());
            t = System.nanoTime();
            try (Served s = Served.open(uri, restore.cluster())) {
                beforeValidate.accept(uri);
                Validated v = validate(rdbs, s, version, loadStartedMs, problems);
                served = v.served;
                sampled = v.sampled;
            } catch (RestoreException e) {
                problems.add(e.getMessage());
            }
            ended(phases, Phase.VALIDATE, t);
            if (options.reloadCheck() && started[0] != null && problems.isEmpty()) {
                beforeReload.accept(ThrowawayServer.uri(started[0]));
                ThrowawayServer.reloadCheck(started, data, options.redisServer(), (again, v) -> {
                    List<String> found = new ArrayList<>();
                    try (Served s = Served.open(again, false)) {
                        validate(rdbs, s, v, loadStartedMs, found);
                    }
                    return found;
                }, problems);
            }
            if (options.keep() && started[0] != null) {
                kept = LocalRedisServer.HOST + ":" + started[0].port() + " (pid " + started[0].pid() + ", files in "
                        + data + ")";
            }
            return result(id, snapshot.cluster(), startedAt, point, target, version, phases, served, sampled, problems,
                    kept);
        } finally {
            if (!options.keep()) {
                if (started[0] != null) {
                    started[0].close();
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

    /** The result as recorded under each shard's source (the same drill, the shard's snapshot named). */
    public List<DrillResult> perShard(DrillResult r) {
        List<DrillResult> out = new ArrayList<>();
        for (ClusterSnapshot.ShardSnapshot s : snapshot.shards()) {
            out.add(new DrillResult(r.format(), r.id(), s.source(), r.startedAt(), r.point() + ", shard " + s.index(),
                    s.snapshot(), null, null, null, r.target(), r.serverVersion(), r.phases(), r.rtoSeconds(),
                    r.rtoLimitSeconds(), r.keys(), r.sampled(), r.problems(), r.verdict(), r.kept()));
        }
        return out;
    }

    private record Validated(long served, long sampled) {
    }

    private Validated validate(List<Path> rdbs, Served s, String version, long t0, List<String> problems)
            throws IOException, RestoreException {
        long served = s.keys();
        long t1 = System.currentTimeMillis();
        ExpectedKeys.Expected expected = new ExpectedKeys.Expected(KeyDigest.ScoreFormat.forVersion(version), options.sample(), t0, t1, random);
        List<String> shardProblems = new ArrayList<>();
        long recorded = 0;
        for (int i = 0; i < rdbs.size(); i++) {
            long before = expected.total();
            try (InputStream in = new BufferedInputStream(Files.newInputStream(rdbs.get(i)), 1 << 16)) {
                new RdbReader(in).read(expected);
            } catch (RdbException e) {
                throw new RestoreException(RestoreException.Kind.DAMAGED, rdbs.get(i) + " could not be read again: "
                        + e.getMessage());
            }
            ClusterSnapshot.ShardSnapshot shard = snapshot.shards().get(i);
            recorded += shard.keys();
            if (expected.total() - before != shard.keys()) {
                shardProblems.add("shard " + shard.index() + ": its RDB holds " + (expected.total() - before)
                        + " keys, the cluster snapshot recorded " + shard.keys());
            }
        }
        named(problems, "keys per shard differ from the cluster snapshot", shardProblems);
        long least = recorded - expected.expiredAfter();
        long most = recorded - expected.expiredBefore();
        if (served < least || served > most) {
            problems.add("keys served: " + served + ", expected " + (least == most ? Long.toString(most)
                    : least + ".." + most) + " (the shards' " + recorded + " less those expired)");
        }
        List<String> missingLibraries = new ArrayList<>();
        for (Map.Entry<String, Set<String>> e : s.libraries().entrySet()) {
            for (String lib : expected.libraries) {
                if (!e.getValue().contains(lib)) {
                    missingLibraries.add(lib + " on " + e.getKey());
                }
            }
        }
        named(problems, "function libraries missing", missingLibraries);
        if (options.keysFrom() != null) {
            List<String> absent = new ArrayList<>();
            for (java.nio.ByteBuffer k : options.keysFrom()) {
                byte[] key = new byte[k.remaining()];
                k.duplicate().get(key);
                if (!(s.call(key, "EXISTS", key) instanceof Long n && n > 0)) {
                    absent.add(io.redback.rdb.Printable.escape(key));
                }
            }
            named(problems, "--keys-from keys missing", absent);
        }
        for (Assertion a : options.asserts()) {
            a.check(s::call).ifPresent(problems::add);
        }
        ServedDigest digest = new ServedDigest(KeyDigest.ScoreFormat.forVersion(version));
        List<String> differ = new ArrayList<>();
        for (ExpectedKeys.Sampled k : expected.sample) {
            byte[] got = digest.of(command -> s.call(k.name(), command), s.forKey(k.name()).address(), k.name());
            if (!java.util.Arrays.equals(got, k.digest())) {
                differ.add("key " + io.redback.rdb.Printable.escape(k.name()) + ": " + (got == null ? "missing"
                        : "expected digest " + KeyDigest.hex(k.digest()) + ", served " + KeyDigest.hex(got)));
            }
        }
        named(problems, "sampled keys differ", differ);
        return new Validated(served, expected.sample.size());
    }

    private static void named(List<String> problems, String what, List<String> items) {
        if (items.isEmpty()) {
            return;
        }
        StringBuilder b = new StringBuilder(what).append(": ");
        for (int i = 0; i < Math.min(10, items.size()); i++) {
            b.append(i == 0 ? "" : "; ").append(items.get(i));
        }
        if (items.size() > 10) {
            b.append("; and ").append(items.size() - 10).append(" more");
        }
        problems.add(b.toString());
    }

    /** Connections to what was restored into: its primaries (by slot) or the one server. */
    private static final class Served implements AutoCloseable {
        /** A slot moving again and again is followed this many times for one read before its MOVED is the answer. */
        private static final int MAX_MOVES = 16;
        private final RedisUri uri;
        private final ClusterTopology topology;
        private final Map<String, RedisConnection> byAddress = new LinkedHashMap<>();
        /** Nodes a MOVED named that were not primaries when the topology was read. */
        private final Map<String, RedisConnection> movedTo = new HashMap<>();

        private Served(RedisUri uri, ClusterTopology topology) {
            this.uri = uri;
            this.topology = topology;
        }

        static Served open(RedisUri uri, boolean cluster) throws IOException {
            if (!cluster) {
                Served s = new Served(uri, null);
                s.byAddress.put(uri.address(), RedisConnector.of(uri).connect(Duration.ofMinutes(10)));
                return s;
            }
            Served s = new Served(uri, ClusterDiscovery.discover(uri));
            try {
                for (ClusterTopology.Shard shard : s.topology.shards()) {
                    s.byAddress.put(shard.primary().address(), s.node(shard.primary().host(), shard.primary().port()));
                }
            } catch (IOException | RuntimeException e) {
                s.close();
                throw e;
            }
            return s;
        }

        RedisConnection forKey(byte[] key) {
            if (topology == null) {
                return byAddress.values().iterator().next();
            }
            int slot = ClusterSlot.of(key);
            return topology.shards().stream().filter(s -> s.holds(slot)).findFirst()
                    .map(s -> byAddress.get(s.primary().address())).orElseThrow();
        }

        /**
         * The reply to command, a read of key, from the primary serving its slot; a slot that has
         * moved since the topology was read answers MOVED, which is followed to the node it names.
         */
        Object call(byte[] key, Object... command) throws IOException {
            RedisConnection c = forKey(key);
            for (int moves = 0; ; moves++) {
                try {
                    return c.call(command);
                } catch (RedisErrorReply e) {
                    String[] f = e.getMessage().split(" ");
                    if (topology == null || !"MOVED".equals(e.code()) || f.length < 3 || moves == MAX_MOVES) {
                        throw e;
                    }
                    c = movedTo(f[2]);
                }
            }
        }

        /** A connection to address as a MOVED names it (host:port; :port from a node not knowing its host). */
        private RedisConnection movedTo(String address) throws IOException {
            RedisConnection c = byAddress.get(address);
            if (c == null) {
                c = movedTo.get(address);
            }
            if (c == null) {
                int colon = address.lastIndexOf(':');
                String host = address.substring(0, colon);
                if (host.startsWith("[") && host.endsWith("]")) {
                    host = host.substring(1, host.length() - 1);
                }
                c = node(host.isEmpty() ? uri.host() : host, Integer.parseInt(address.substring(colon + 1)));
                movedTo.put(address, c);
            }
            return c;
        }

        /** A connection to one node, with the user, password and TLS settings of the URI given. */
        private RedisConnection node(String host, int port) throws IOException {
            return RedisConnector.of(uri.atNode(host, port)).connect(Duration.ofMinutes(10));
        }

        /** Keys in every database of every node (INFO keyspace). */
        long keys() throws IOException {
            long n = 0;
            for (RedisConnection c : byAddress.values()) {
                for (Map.Entry<String, String> db : c.info("keyspace").entrySet()) {
                    if (db.getKey().startsWith("db")) {
                        for (String field : db.getValue().split(",")) {
                            if (field.startsWith("keys=")) {
                                n += Long.parseLong(field.substring(5).strip());
                            }
                        }
                    }
                }
            }
            return n;
        }

        /** Each node's function library names. */
        Map<String, Set<String>> libraries() throws IOException {
            Map<String, Set<String>> out = new HashMap<>();
            for (Map.Entry<String, RedisConnection> e : byAddress.entrySet()) {
                Set<String> names = new TreeSet<>();
                try {
                    for (Object library : (List<?>) e.getValue().call("FUNCTION", "LIST")) {
                        List<?> fields = (List<?>) library;
                        for (int i = 0; i + 1 < fields.size(); i += 2) {
                            if (fields.get(i) instanceof byte[] b && "library_name".equals(new String(b,
                                    StandardCharsets.UTF_8))) {
                                names.add(new String((byte[]) fields.get(i + 1), StandardCharsets.UTF_8));
                            }
                        }
                    }
                } catch (RedisErrorReply ignored) {
                    // before Redis 7: no functions
                }
                out.put(e.getKey(), names);
            }
            return out;
        }

        @Override
        public void close() {
            byAddress.values().forEach(RedisConnection::close);
            movedTo.values().forEach(RedisConnection::close);
        }
    }

    /** An --into target must hold no key (on any primary of a cluster), so that what validation sees is the restore's alone. */
    private static void refuseUnlessEmpty(RedisUri uri, boolean cluster) throws DrillException, IOException {
        try (Served s = Served.open(uri, cluster)) {
            long keys = s.keys();
            if (keys > 0) {
                throw new DrillException(uri + " is not empty (" + keys + " key(s)" + (cluster ? " on its primaries" : "")
                        + "): a drill restores only into an empty server; flush it or name another");
            }
        }
    }

    private void ended(EnumMap<Phase, Duration> phases, Phase phase, long startedNanos) {
        Duration d = Duration.ofNanos(System.nanoTime() - startedNanos);
        phases.merge(phase, d, Duration::plus);
        listener.finished(phase, d);
    }

    private DrillResult result(String id, String source, Instant started, String point, String target, String version,
                               EnumMap<Phase, Duration> phases, long keys, long sampled, List<String> problems,
                               String kept) {
        Drill.Timing timing = Drill.Timing.of(phases, problems, options.rto());
        Map<String, Double> seconds = timing.seconds();
        List<String> all = timing.problems();
        Duration total = timing.total();
        return new DrillResult(DrillResult.FORMAT, id, source, started.toString(), point, snapshot.id(), null, null,
                null, target, version, seconds, total.toNanos() / 1e9,
                options.rto() == null ? null : options.rto().toNanos() / 1e9, keys, sampled, all,
                all.isEmpty() ? DrillResult.PASSED : DrillResult.FAILED, kept);
    }
}
