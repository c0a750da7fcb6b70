package io.redback.cluster;

import io.redback.pitr.RestoreException;
import io.redback.redis.RedisConnection;
import io.redback.redis.RedisConnector;
import io.redback.redis.RedisErrorReply;
import io.redback.redis.RedisUri;
import io.redback.repo.Repository;
import io.redback.repo.SnapshotManifest;
import io.redback.restore.LiveReport;
import io.redback.restore.LiveRestore;
import io.redback.restore.OnConflict;
import io.redback.restore.PhaseListener;
import io.redback.restore.SnapshotRestore;
import io.redback.restore.Throttle;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Restores RDB files into a running server that is a Redis Cluster (any node named; every key to
 * the primary serving its slot) or a standalone server (then several files, e.g. the shards of a
 * cluster snapshot, go into its database 0 one after the other). The source is a list of RDB files
 * and a {@link Functions} policy, so that a standalone snapshot, a cluster snapshot's shards or a
 * point in time of a cluster as per-shard RDBs all come in the same way, into a cluster of any
 * number of primaries.
 *
 * <p>How: one {@link LiveRestore} run per file and primary, each with a slot filter
 * ({@link LiveRestore.Route}): the run connects to that primary and writes only the keys of the
 * slots it was given, so {@code LiveRestore}'s pre-scan, conflict policies, big keys, throttles,
 * memory watch and retries all work per node unchanged. The slots of a file are handed out from
 * the newest topology before each run (a slot goes to exactly one run, so each key is written
 * once); a slot that moves while its run writes answers MOVED (the topology is read again and the
 * command sent to the new owner) or ASK ({@code ASKING}, then the command, on the importing node),
 * followed reply by reply inside the run's pipeline. The primaries are written in parallel (each
 * takes its runs in order); with {@code --rate} or {@code --max-bandwidth} the runs go one at a
 * time, so that the limits hold for the whole restore. The report is the sum of theirs.
 * This reads a file twice per primary it has keys for (values only for the keys a run writes:
 * every primary, unless the caller says which slots each file holds, as a cluster snapshot's
 * manifest does); it was chosen over one pass with a pipeline per node because it needs no change
 * to how a run writes.
 *
 * <p>With more than one run, a dry run of all of them comes first: a damaged file, a key of a
 * database other than 0, lossy or unreadable types, and with {@link OnConflict#FAIL} a key that
 * already exists on its node stop the restore there, before anything is written anywhere. Function
 * libraries go to every primary (the first file's; a later file's where its slots go).
 */
public final class ClusterRestore {
    /** Which files' function libraries go to the target (to every primary of a cluster). */
    public enum Functions {
        /** None. */
        NONE,
        /** The first file's (a standalone source; one shard of a cluster whose primaries hold the same libraries). */
        FIRST_FILE,
        /** Every file's (a cluster snapshot: libraries of the same name and code are loaded once). */
        EVERY_FILE
    }

    /** One run: which file, into which node, how many slots it was given (16384 into a standalone server), what it did. */
    public record Part(Path file, String node, int slots, LiveReport report) {
    }

    /**
     * The whole restore: the sum of the parts ({@code target} says what the target is), whether
     * the target is a cluster, its primaries when it started, the parts, and how many commands
     * followed a MOVED or ASK reply and how often the topology was read again.
     */
    public record Result(LiveReport total, boolean cluster, int primaries, List<Part> parts, long redirects,
                         long refreshes) {
        public Result {
            parts = List.copyOf(parts);
        }
    }

    private final RedisUri template;
    private final boolean cluster;
    private final LiveRestore.Options options;
    private final AtomicLong done = new AtomicLong();
    private final Set<AtomicLong> running = ConcurrentHashMap.newKeySet();
    // Read again (on a MOVED to an unexpected owner) by any run, each primary's on its own thread.
    private volatile ClusterTopology topology;
    private final AtomicLong redirects = new AtomicLong();
    private final AtomicLong refreshes = new AtomicLong();

    private ClusterRestore(RedisUri template, boolean cluster, LiveRestore.Options options, ClusterTopology topology) {
        this.template = template;
        this.cluster = cluster;
        this.options = options;
        this.topology = topology;
    }

    /**
     * A restore into the server at node: a cluster when it says {@code cluster_enabled:1} (or when
     * asked with cluster), whose topology is read now; else a standalone server.
     *
     * @throws ClusterException when cluster is asked and the node is not a cluster node, or the
     *                          cluster does not serve every slot
     */
    public static ClusterRestore open(RedisUri node, boolean cluster, LiveRestore.Options options) throws IOException {
        boolean enabled = ClusterDiscovery.enabled(node);
        if (cluster && !enabled) {
            throw new ClusterException("--cluster: " + node.address() + " is not a cluster node (INFO cluster does not "
                    + "say cluster_enabled:1)");
        }
        ClusterTopology t = enabled ? checked(ClusterDiscovery.discover(node), node) : null;
        return new ClusterRestore(node, enabled, options, t);
    }

    private static ClusterTopology checked(ClusterTopology t, RedisUri node) {
        if (t.shards().isEmpty() || t.unassignedSlots() > 0) {
            throw new ClusterException("the cluster at " + node.address() + " does not serve every slot ("
                    + t.unassignedSlots() + " of " + ClusterTopology.SLOTS + " have no primary): a key of those slots "
                    + "could not be written; fix the cluster first (cluster_state must be ok)");
        }
        return t;
    }

    /** Whether the target is a cluster. */
    public boolean cluster() {
        return cluster;
    }

    /** The target's primaries when it was opened (1 for a standalone server). */
    public int primaries() {
        return cluster ? topology.shards().size() : 1;
    }

    /**
     * About the bytes the restore reads from the files (for a progress bar of {@link #progress}),
     * slotsHeld as for {@link #run(List, List, Functions, long)}.
     */
    public long expectedBytes(List<Path> rdbs, List<BitSet> slotsHeld) throws IOException {
        long bytes = 0;
        int runs = 0;
        for (int i = 0; i < rdbs.size(); i++) {
            int n = 1;
            if (cluster && i > 0 && slotsHeld != null && slotsHeld.get(i) != null) {
                BitSet held = slotsHeld.get(i);
                n = Math.max(1, (int) topology.shards().stream().filter(s -> slotsOf(s).intersects(held)).count());
            } else if (cluster) {
                n = primaries();
            }
            runs += n;
            bytes += Files.size(rdbs.get(i)) * n;
        }
        return options.dryRun() ? bytes : bytes * (runs > 1 ? 3 : 2);
    }

    /** Bytes of the files read so far, over every run. */
    public long progress() {
        long n = done.get();
        for (AtomicLong r : running) {
            n += r.get();
        }
        return n;
    }

    /**
     * Restores rdbs, in order, as of nowMs (keys expiring at or before it stay dead); functions
     * under policy (and only when the options take functions at all).
     *
     * @throws ClusterException when the cluster's slots cannot all be placed
     * @throws IOException when a node cannot be reached or a file read
     */
    public Result run(List<Path> rdbs, Functions policy, long nowMs) throws IOException {
        return run(rdbs, null, policy, nowMs);
    }

    /**
     * As {@link #run(List, Functions, long)}, knowing which slots each file's keys are in
     * (slotsHeld, in file order; null, or a null entry: any): a file then gets runs only on the
     * primaries serving its slots (a cluster snapshot's shards: not every file on every primary).
     * A key outside its file's slots is still written: the file's first run takes those slots too
     * and its commands follow MOVED to their owners. The first file's function libraries go to
     * every primary, a later file's to the primaries its slots went to.
     */
    public Result run(List<Path> rdbs, List<BitSet> slotsHeld, Functions policy, long nowMs) throws IOException {
        long started = System.nanoTime();
        int primaries = primaries();
        boolean several = primaries * rdbs.size() > 1;
        if (several && !options.dryRun()) {
            Pass plan = pass(rdbs, slotsHeld, policy, nowMs, options.withDryRun(true), started);
            LiveReport p = plan.total;
            if (p.outcome() != LiveReport.Outcome.PLANNED) {
                return new Result(p, cluster, primaries, plan.parts, redirects.get(), refreshes.get());
            }
            if (options.onConflict() == OnConflict.FAIL && p.conflicts() > 0) {
                LiveReport refused = with(p, LiveReport.Outcome.REFUSED, p.conflicts() + " key(s) or function(s) "
                        + "already exist in the target, e.g. " + p.conflictKeys().get(0).key() + "; nothing was "
                        + "written (--on-conflict skip keeps the target's, replace overwrites them)");
                return new Result(refused, cluster, primaries, plan.parts, redirects.get(), refreshes.get());
            }
        }
        Pass done = pass(rdbs, slotsHeld, policy, nowMs, options, started);
        return new Result(done.total, cluster, primaries, done.parts, redirects.get(), refreshes.get());
    }

    /**
     * The slots each shard of snapshot holds, in shard order, for {@link #run(List, List, Functions, long)};
     * null when the snapshot was taken while slots migrated (a shard may then hold keys of others).
     */
    public static List<BitSet> slotsHeld(ClusterSnapshot snapshot) {
        if (snapshot.allowedMigrating()) {
            return null;
        }
        return slotsHeldBy(snapshot.shards().stream().map(ClusterSnapshot.ShardSnapshot::slots).toList());
    }

    /** The slots each file holds, from each file's slot ranges as text ("0-5460", "7000"). */
    public static List<BitSet> slotsHeldBy(List<List<String>> ranges) {
        List<BitSet> out = new ArrayList<>();
        for (List<String> shard : ranges) {
            BitSet b = new BitSet(ClusterTopology.SLOTS);
            for (String range : shard) {
                ClusterTopology.SlotRange r = ClusterTopology.SlotRange.parse(range);
                b.set(r.first(), r.last() + 1);
            }
            out.add(b);
        }
        return out;
    }

    private record Pass(LiveReport total, List<Part> parts) {
    }

    /** One run to make: a file's keys in slots into one primary (null: the standalone target). */
    private record Run(Path rdb, ClusterTopology.Shard shard, BitSet slots, LiveRestore.Options options) {
        String node(RedisUri template) {
            return shard == null ? template.address() : shard.primary().address();
        }
    }

    /**
     * Makes the runs per file and primary (a slot to exactly one run per file). Each primary takes
     * its runs one after the other, the primaries in parallel (each is a single-threaded server:
     * one at a time would leave the others idle; up to twice this host's cores, at least 4, at
     * once: a run mostly waits on its primary); with --rate or --max-bandwidth, one run at a time,
     * so that the limits hold for the whole restore. No run starts after one that did not end well.
     */
    private Pass pass(List<Path> rdbs, List<BitSet> slotsHeld, Functions policy, long nowMs, LiveRestore.Options opts,
                      long started) throws IOException {
        List<Run> runs = plan(rdbs, slotsHeld, policy, opts);
        Part[] parts = new Part[runs.size()];
        Map<String, List<Integer>> byNode = new LinkedHashMap<>();
        for (int i = 0; i < runs.size(); i++) {
            byNode.computeIfAbsent(runs.get(i).node(template), n -> new ArrayList<>()).add(i);
        }
        Throttle t = opts.throttle();
        int workers = t.keysPerSecond() > 0 || t.bytesPerSecond() > 0 ? 1
                : Math.min(byNode.size(), Math.max(4, 2 * Runtime.getRuntime().availableProcessors()));
        // One at a time: each run alone, in plan order; else each primary's runs in order as one task.
        List<List<Integer>> groups = new ArrayList<>();
        if (workers <= 1) {
            for (int i = 0; i < runs.size(); i++) {
                groups.add(List.of(i));
            }
        } else {
            groups.addAll(byNode.values());
        }
        List<Parallel.Task<Boolean>> tasks = new ArrayList<>();
        for (List<Integer> group : groups) {
            tasks.add(stopped -> {
                for (int i : group) {
                    if (stopped.getAsBoolean()) {
                        return true;
                    }
                    parts[i] = runPart(runs.get(i), nowMs);
                    if (!fine(parts[i])) {
                        return false;
                    }
                }
                return true;
            });
        }
        try {
            Parallel.run(tasks, workers, Boolean::booleanValue, "redback-restore", "restoring into the cluster", null);
        } catch (RestoreException e) {
            throw new IllegalStateException(e); // a run reports its outcome in its part, it throws no RestoreException
        }
        List<Part> made = new ArrayList<>();
        for (Part p : parts) {
            if (p != null) {
                made.add(p);
            }
        }
        return new Pass(sum(made, started), made);
    }

    /**
     * The runs, in order: per file, the primaries serving its slots (every slot to exactly one
     * run; a file's first run also takes the slots it should hold no key of, whose strays follow
     * MOVED), then for the first file's function libraries the primaries it reached no other way.
     */
    private List<Run> plan(List<Path> rdbs, List<BitSet> slotsHeld, Functions policy, LiveRestore.Options opts) {
        List<Run> runs = new ArrayList<>();
        BitSet all = new BitSet(ClusterTopology.SLOTS);
        all.set(0, ClusterTopology.SLOTS);
        ClusterTopology topo = topology;
        for (int i = 0; i < rdbs.size(); i++) {
            Path rdb = rdbs.get(i);
            boolean functions = opts.functions() && (policy == Functions.EVERY_FILE
                    || (policy == Functions.FIRST_FILE && i == 0));
            LiveRestore.Options o = opts.withFunctions(functions);
            if (!cluster) {
                runs.add(new Run(rdb, null, all, o));
                continue;
            }
            BitSet held = slotsHeld == null || slotsHeld.get(i) == null ? all : slotsHeld.get(i);
            BitSet covered = new BitSet(ClusterTopology.SLOTS);
            Set<String> reached = new java.util.HashSet<>();
            while (covered.cardinality() < ClusterTopology.SLOTS) {
                ClusterTopology.Shard next = null;
                BitSet slots = null;
                for (ClusterTopology.Shard s : topo.shards()) {
                    BitSet mine = slotsOf(s);
                    mine.and(held);
                    mine.andNot(covered);
                    if (!mine.isEmpty()) {
                        next = s;
                        slots = mine;
                        break;
                    }
                }
                BitSet left = (BitSet) all.clone();
                left.andNot(covered);
                if (next == null) {
                    if (left.intersects(held)) {
                        left.and(held);
                        throw new ClusterException("slot " + left.nextSetBit(0) + " (and " + (left.cardinality() - 1)
                                + " more) has no primary in the cluster's topology now: the restore stopped there");
                    }
                    next = topo.shards().get(0);
                    slots = left; // only slots the file should hold no key of: any stray one follows MOVED
                } else if (covered.isEmpty()) {
                    left.andNot(held);
                    slots.or(left); // the same, with the file's first run
                }
                runs.add(new Run(rdb, next, slots, o));
                covered.or(slots);
                reached.add(next.primary().address());
            }
            if (functions && i == 0) {
                for (ClusterTopology.Shard s : topo.shards()) {
                    if (!reached.contains(s.primary().address())) {
                        runs.add(new Run(rdb, s, new BitSet(), o)); // its function libraries only
                    }
                }
            }
        }
        return runs;
    }

    private Part runPart(Run run, long nowMs) throws IOException {
        if (run.shard() == null) {
            return new Part(run.rdb(), template.address(), ClusterTopology.SLOTS,
                    runOne(template, run.options(), run.rdb(), nowMs, null));
        }
        ClusterTopology.Shard shard = run.shard();
        RedisUri node = template.atNode(shard.primary().host(), shard.primary().port());
        try (Route route = new Route(run.slots())) {
            return new Part(run.rdb(), shard.primary().address(), run.slots().cardinality(),
                    runOne(node, run.options(), run.rdb(), nowMs, route));
        }
    }

    private LiveReport runOne(RedisUri node, LiveRestore.Options o, Path rdb, long nowMs, Route route)
            throws IOException {
        AtomicLong progress = new AtomicLong();
        running.add(progress);
        try {
            return new LiveRestore(RedisConnector.of(node), o, progress, route).run(rdb, nowMs);
        } finally {
            done.addAndGet(progress.get());
            running.remove(progress);
        }
    }

    private static boolean fine(Part p) {
        LiveReport.Outcome o = p.report().outcome();
        return o == LiveReport.Outcome.RESTORED || o == LiveReport.Outcome.PLANNED;
    }

    private synchronized void refresh() throws IOException {
        topology = checked(ClusterDiscovery.discover(template), template);
        refreshes.incrementAndGet();
    }

    /** Whether the topology held says that slot is served at address (as a MOVED reply names it). */
    private boolean ownerIs(int slot, String address) {
        return topology.shards().stream().anyMatch(s -> s.holds(slot) && s.primary().address().equals(address));
    }

    private static BitSet slotsOf(ClusterTopology.Shard s) {
        BitSet b = new BitSet(ClusterTopology.SLOTS);
        for (ClusterTopology.SlotRange r : s.slots()) {
            b.set(r.first(), r.last() + 1);
        }
        return b;
    }

    /** The parts as one report: counts added, lists joined (capped), the outcome and message of the first that failed. */
    private LiveReport sum(List<Part> parts, long startedNanos) {
        long[] n = new long[15];
        Map<Integer, Long> perDb = new TreeMap<>();
        List<List<LiveReport.KeyRef>> lists = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>(),
                new ArrayList<>(), new ArrayList<>());
        String server = null;
        for (Part p : parts) {
            LiveReport r = p.report();
            long[] add = {r.planned(), r.restored(), r.skipped(), r.failed(), r.expired(), r.filteredOut(),
                    r.conflicts(), r.lossy(), r.functionsRestored(), r.functionsSkipped(), r.valueBytes(),
                    r.sentBytes(), r.reconnects(), r.retries(), 0};
            for (int i = 0; i < add.length; i++) {
                n[i] += add[i];
            }
            r.plannedPerDb().forEach((db, k) -> perDb.merge(db, k, Long::sum));
            List<List<LiveReport.KeyRef>> from = List.of(r.skippedKeys(), r.failedKeys(), r.conflictKeys(),
                    r.lossyKeys(), r.sampleKeys());
            for (int i = 0; i < from.size(); i++) {
                for (LiveReport.KeyRef k : from.get(i)) {
                    if (lists.get(i).size() < LiveReport.LIST_LIMIT) {
                        lists.get(i).add(k);
                    }
                }
            }
            if (server == null) {
                server = r.target();
            }
        }
        // The first run (in plan order) that did not end well decides; else the last one.
        Part deciding = parts.isEmpty() ? null : parts.get(parts.size() - 1);
        for (Part p : parts) {
            if (!fine(p)) {
                deciding = p;
                break;
            }
        }
        LiveReport last = deciding == null ? null : deciding.report();
        LiveReport.Outcome outcome = last == null ? (options.dryRun() ? LiveReport.Outcome.PLANNED
                : LiveReport.Outcome.RESTORED) : last.outcome();
        String message = last == null ? null : last.message();
        if (parts.size() > 1 && outcome != LiveReport.Outcome.RESTORED && outcome != LiveReport.Outcome.PLANNED) {
            long others = n[1] - last.restored();
            message = "into " + deciding.node() + ", from " + deciding.file().getFileName() + ": " + message
                    + (others > 0 ? "; " + others + " key(s) written by the other runs (other nodes or files) stay" : "");
        }
        String target = server == null ? null : cluster ? server + ", a cluster of " + primaries() + " primaries"
                : server;
        long ms = (System.nanoTime() - startedNanos) / 1_000_000;
        return new LiveReport(outcome, message, target, n[0], n[1], n[2], n[3], n[4], n[5], n[6], n[7], n[8], n[9],
                n[10], n[11], n[12], n[13], ms, perDb, lists.get(0), lists.get(1), lists.get(2), lists.get(3),
                lists.get(4));
    }

    private static LiveReport with(LiveReport r, LiveReport.Outcome outcome, String message) {
        return new LiveReport(outcome, message, r.target(), r.planned(), r.restored(), r.skipped(), r.failed(),
                r.expired(), r.filteredOut(), r.conflicts(), r.lossy(), r.functionsRestored(), r.functionsSkipped(),
                r.valueBytes(), r.sentBytes(), r.reconnects(), r.retries(), r.elapsedMs(), r.plannedPerDb(),
                r.skippedKeys(), r.failedKeys(), r.conflictKeys(), r.lossyKeys(), r.sampleKeys());
    }

    /**
     * One run's slots, and where its MOVED and ASK replies lead: connections to the nodes they name,
     * opened on first use and closed with the run.
     */
    private final class Route implements LiveRestore.Route, AutoCloseable {
        /** A slot moving back and forth is followed this many times for one command before giving up. */
        private static final int MAX_HOPS = 16;
        private final BitSet slots;
        private final Map<String, RedisConnection> nodes = new HashMap<>();

        Route(BitSet slots) {
            this.slots = slots;
        }

        @Override
        public boolean owns(byte[] key) {
            return slots.get(ClusterSlot.of(key));
        }

        @Override
        public Object follow(RedisErrorReply redirect, byte[] command) throws IOException {
            RedisErrorReply r = redirect;
            for (int hop = 0; hop < MAX_HOPS; hop++) {
                String[] f = r.getMessage().split(" ");
                if (f.length < 3) {
                    return r;
                }
                redirects.incrementAndGet();
                boolean ask = "ASK".equals(f[0]);
                if (!ask && !ownerIs(Integer.parseInt(f[1]), f[2])) {
                    refresh(); // MOVED: the slot has a new owner; later runs place their slots on the new topology
                }
                RedisConnection c = connection(f[2]);
                if (ask) {
                    c.send("ASKING");
                }
                c.write(command, 0, command.length);
                if (ask) {
                    Object asking = c.receive();
                    if (asking instanceof RedisErrorReply e) {
                        return e;
                    }
                }
                Object reply = c.receive();
                if (reply instanceof RedisErrorReply e && ("MOVED".equals(e.code()) || "ASK".equals(e.code()))) {
                    r = e;
                    continue;
                }
                return reply;
            }
            return r;
        }

        private RedisConnection connection(String address) throws IOException {
            RedisConnection c = nodes.get(address);
            if (c == null) {
                int colon = address.lastIndexOf(':');
                String host = address.substring(0, colon);
                if (host.startsWith("[") && host.endsWith("]")) {
                    host = host.substring(1, host.length() - 1);
                }
                if (host.isEmpty()) {
                    host = template.host(); // a node that does not know its own address answers ":port"
                }
                int port = Integer.parseInt(address.substring(colon + 1).split("@")[0]);
                c = RedisConnector.of(template.atNode(host, port)).connect();
                nodes.put(address, c);
            }
            return c;
        }

        @Override
        public void close() {
            nodes.values().forEach(RedisConnection::close);
            nodes.clear();
        }
    }

    /**
     * Downloads and verifies every shard's RDB of a cluster snapshot into {@code work/shard-<i>/dump.rdb},
     * the shards in parallel ({@link Parallel#downloads}: each is its own object, so the restore's
     * time need not grow with the shard count), returned in shard order: the files for {@link #run}
     * (with {@link Functions#EVERY_FILE}); bytes counts what was downloaded, over every shard.
     * After a failure no further download starts and those running are awaited.
     *
     * @throws RestoreException DAMAGED when a shard's object does not verify (the first such shard
     *     in shard order, named)
     */
    public static List<Path> fetch(Repository repository, ClusterSnapshot snapshot, Path work, AtomicLong bytes)
            throws IOException, RestoreException {
        return fetch(repository, snapshot, work, bytes, null);
    }

    static List<Path> fetch(Repository repository, ClusterSnapshot snapshot, Path work, AtomicLong bytes,
                            Parallel.InFlight inFlight) throws IOException, RestoreException {
        List<SnapshotManifest> manifests = ClusterSnapshots.manifests(repository, snapshot);
        List<Parallel.Task<Path>> tasks = new ArrayList<>();
        for (int i = 0; i < manifests.size(); i++) {
            ClusterSnapshot.ShardSnapshot shard = snapshot.shards().get(i);
            SnapshotManifest m = manifests.get(i);
            tasks.add(stopped -> {
                Path dir = Files.createDirectories(work.resolve("shard-" + shard.index()));
                try {
                    return new SnapshotRestore(bytes, PhaseListener.NONE).fetch(
                            new SnapshotRestore.Snapshot(repository.storage(), m), dir);
                } catch (RestoreException e) {
                    throw ClusterSnapshots.ofShard(snapshot, shard, e);
                }
            });
        }
        return Parallel.run(tasks, Parallel.downloads(tasks.size()), p -> true, "redback-download",
                "downloading the shards of cluster snapshot " + snapshot.id(), inFlight);
    }

    /** The raw size of every shard's RDB of a cluster snapshot (for a download's progress bar). */
    public static long rawSize(Repository repository, ClusterSnapshot snapshot) throws IOException {
        long total = 0;
        for (ClusterSnapshot.ShardSnapshot shard : snapshot.shards()) {
            total += repository.catalog().find(shard.source(), shard.snapshot()).rawSize();
        }
        return total;
    }

    /** The per-node lines of a result, for printing: node to keys restored (in order of first appearance). */
    public static Map<String, Long> restoredPerNode(Result r) {
        Map<String, Long> out = new LinkedHashMap<>();
        for (Part p : r.parts()) {
            out.merge(p.node(), r.total().outcome() == LiveReport.Outcome.PLANNED ? p.report().planned()
                    : p.report().restored(), Long::sum);
        }
        return out;
    }
}
