package io.redback.cluster;

import io.redback.rdb.RdbException;
import io.redback.redis.RedisConnection;
import io.redback.redis.RedisConnector;
import io.redback.redis.RedisUri;
import io.redback.repo.Repository;
import io.redback.stream.StreamEvent;
import io.redback.stream.StreamFailedException;
import io.redback.stream.Streamer;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * Continuous log shipping for a Redis Cluster in one process: one {@link Streamer} per shard,
 * each shipping into its shard's source ({@code <cluster>.shard-<index>}, with its own spool
 * under the spool folder) exactly as a standalone stream does. A shard's link always connects to
 * the shard's primary as the cluster says now (the topology is read again from any live node
 * before each connection), so after a failover it continues with PSYNC on the promoted replica:
 * a new replication id on the same timeline. Every few seconds the topology is read again and
 * matched with the cluster's {@link ShardMap}: a change is recorded; a new shard gets a link of
 * its own and a removed one's link stops once it has received its last writes; when slots
 * changed hands, a new cluster snapshot is taken ({@link ClusterBackup}) as soon as no slot is
 * migrating. One shard failing does not stop the others: it is reported and started again
 * after a pause, and {@link #run()} says so when it returns.
 */
public final class ClusterStream {
    private static final Duration DISCOVERY_CONNECT = Duration.ofSeconds(3);
    private static final long FIRST_RESTART_MS = 5_000;
    private static final long MAX_RESTART_MS = 300_000;
    /** How long a removed shard's link may take to receive what its node sent before the slots left. */
    private static final long REMOVED_CATCH_UP_MS = 10_000;

    /**
     * @param cluster        the cluster's name: its shards' sources are {@code <cluster>.shard-<index>}
     * @param shard          every shard's stream options; the source and spool are replaced by the
     *                       shard's ({@code <spool>/<source>}); its snapshotEvery is the cluster's
     * @param topologyEvery  how often the topology is read again
     * @param snapshot       how cluster snapshots are taken (after a change of slots, and every snapshotEvery)
     */
    public record Options(String cluster, Streamer.Options shard, Duration topologyEvery,
                          ClusterBackup.Options snapshot) {
        public Options {
            Repository.checkSourceName(ClusterSnapshot.shardSource(cluster, 0));
            Objects.requireNonNull(shard, "shard");
            Objects.requireNonNull(topologyEvery, "topologyEvery");
            Objects.requireNonNull(snapshot, "snapshot");
        }

        /** Shard index's stream options: its source, its spool folder, no periodic snapshots of its own. */
        Streamer.Options forShard(int index) {
            String source = ClusterSnapshot.shardSource(cluster, index);
            Streamer.Options t = shard;
            return new Streamer.Options(source, t.spool().resolve(source), t.flushInterval(), t.segmentSize(),
                    t.maxSpool(), null, t.compression(), t.drainFor(), t.link(), t.durableAt(), t.ackWhen());
        }
    }

    /** What a cluster stream has to tell its operator: its shards' events and its own. */
    public sealed interface Event {
    }

    /** An event of shard index's stream, connected to address (the shard's primary). */
    public record ShardEvent(int index, String source, String address, StreamEvent event) implements Event {
    }

    /** A link for shard index started (at start, or for a new shard). */
    public record ShardStarted(int index, String source, String address, Path spool) implements Event {
    }

    /**
     * Shard index's stream stopped by itself (a thread died, or it could not start: spool in use,
     * repository refusing): the other shards go on; this one starts again after retryIn.
     */
    public record ShardFailed(int index, String source, String reason, Duration retryIn) implements Event {
    }

    /** Shard index serves no slot any more (removed, or emptied by a resharding): its link stopped. */
    public record ShardRemoved(int index, String source) implements Event {
    }

    /** A new record of the cluster's shard map was written: what changed is in its changes. */
    public record TopologyRecorded(ShardMap map) implements Event {
    }

    /** No known node answered for the topology; links keep their nodes and it is read again later. */
    public record TopologyUnreadable(String reason) implements Event {
    }

    /** Slots are migrating: the cluster snapshot the change needs waits for the resharding to end. */
    public record SnapshotDeferred(List<String> migrating) implements Event {
    }

    /** A cluster snapshot was committed (after a change of slots, or periodic). */
    public record SnapshotTaken(ClusterSnapshot snapshot) implements Event {
    }

    /** A cluster snapshot failed; it is tried again at the next reading of the topology. */
    public record SnapshotFailed(String reason) implements Event {
    }

    /** The cluster stream stopped; failedShards names every shard that failed while it ran. */
    public record Stopped(int shards, List<String> failedShards) implements Event {
        public Stopped {
            failedShards = List.copyOf(failedShards);
        }
    }

    private final RedisUri seed;
    private final Repository repository;
    private final Options options;
    private final Consumer<Event> events;
    private final Clock clock;
    private final Map<Integer, Link> links = new ConcurrentHashMap<>();
    /** Links of removed shards, still receiving their last writes: a stop waits for them too. */
    private final List<Link> retiring = new CopyOnWriteArrayList<>();
    private final List<String> failures = new CopyOnWriteArrayList<>();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final Object wake = new Object();
    private volatile boolean stopping;
    private final AtomicBoolean snapshotRunning = new AtomicBoolean();
    private final AtomicBoolean snapshotFailed = new AtomicBoolean();
    private volatile ShardMap map;
    private volatile Thread snapshotThread;
    private volatile ClusterTopology topology;
    private boolean woken; // guarded by wake

    public ClusterStream(RedisUri seed, Repository repository, Options options, Consumer<Event> events, Clock clock) {
        this.seed = Objects.requireNonNull(seed, "seed");
        this.repository = Objects.requireNonNull(repository, "repository");
        this.options = Objects.requireNonNull(options, "options");
        this.events = Objects.requireNonNull(events, "events");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * Streams every shard until {@link #stop()}, then stops every link (each spools its open
     * segment and drains its spool) and returns the shards that failed meanwhile (empty when
     * none did). Throws only when it cannot start: no node answers for the topology, or the
     * repository refuses the shard map.
     */
    public List<String> run() throws IOException {
        try {
            ClusterTopology first = ClusterDiscovery.discover(seed);
            if (first.shards().isEmpty()) {
                throw new ClusterException("the cluster at " + seed.address() + " has no shard serving slots");
            }
            boolean pendingSnapshot = react(first) || snapshotBehind();
            long every = options.topologyEvery().toMillis();
            List<String> deferredFor = List.of();
            Duration snapshotEvery = options.shard().snapshotEvery();
            long nextPeriodic = snapshotEvery == null ? Long.MAX_VALUE : System.currentTimeMillis() + snapshotEvery.toMillis();
            while (!stopping) {
                if (snapshotFailed.getAndSet(false)) {
                    pendingSnapshot = true; // tried again at this reading
                }
                boolean due = pendingSnapshot || System.currentTimeMillis() >= nextPeriodic;
                if (due && !snapshotRunning.get()) {
                    ClusterTopology now = topology;
                    if (!now.migrations().isEmpty()) {
                        List<String> migrating = now.migrations().stream().map(ClusterTopology.Migration::toString)
                                .toList();
                        if (!migrating.equals(deferredFor)) {
                            deferredFor = migrating; // said once per set of migrating slots, not at every reading
                            events.accept(new SnapshotDeferred(migrating));
                        }
                    } else {
                        deferredFor = List.of();
                        pendingSnapshot = false;
                        if (snapshotEvery != null) {
                            nextPeriodic = System.currentTimeMillis() + snapshotEvery.toMillis();
                        }
                        // On a thread of its own: a big cluster's snapshot takes minutes, during which
                        // new shards must still get their links.
                        snapshotRunning.set(true);
                        Thread t = new Thread(() -> {
                            try {
                                if (!snapshot(now)) {
                                    snapshotFailed.set(true);
                                }
                            } finally {
                                snapshotRunning.set(false);
                            }
                        }, "redback-cluster-snapshot");
                        t.setDaemon(true);
                        snapshotThread = t;
                        t.start();
                    }
                }
                if (!pause(every)) {
                    break;
                }
                ClusterTopology now;
                try {
                    now = read();
                } catch (IOException | RuntimeException e) {
                    events.accept(new TopologyUnreadable(message(e)));
                    continue;
                }
                try {
                    pendingSnapshot |= react(now);
                } catch (IOException | RuntimeException e) {
                    events.accept(new TopologyUnreadable("the shard map could not be recorded: " + message(e)));
                }
            }
        } finally {
            stopping = true;
            List<Link> all = new ArrayList<>(links.values());
            all.addAll(retiring);
            all.forEach(Link::stop);
            for (Link l : all) {
                l.join();
            }
            Thread snapshotting = snapshotThread;
            if (snapshotting != null) {
                try {
                    // A cluster snapshot under way may finish; one that takes longer is left (its shards'
                    // snapshots are ordinary ones, and without its manifest no cluster snapshot names them).
                    snapshotting.join(options.shard().drainFor().toMillis());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            events.accept(new Stopped(all.size(), failures));
            stopped.countDown();
        }
        return List.copyOf(failures);
    }

    /** Asks the stream to stop; {@link #awaitStopped} waits for it. Safe from any thread (a signal handler). */
    public void stop() {
        stopping = true;
        synchronized (wake) {
            woken = true;
            wake.notifyAll();
        }
        links.values().forEach(Link::stop);
    }

    public boolean awaitStopped(Duration timeout) throws InterruptedException {
        return stopped.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The stream of shard index, or null when it has none (for tests and status). */
    public Streamer shard(int index) {
        Link l = links.get(index);
        return l == null ? null : l.streamer;
    }

    /** The shard map this stream works with now (null before it started). */
    public ShardMap shardMap() {
        return map;
    }

    /** Reads the topology again soon (a link broke: a failover, or slots moved). */
    private void poke() {
        synchronized (wake) {
            woken = true;
            wake.notifyAll();
        }
    }

    /** Waits up to ms or until poked; false when stopping. */
    private boolean pause(long ms) {
        long deadline = System.currentTimeMillis() + ms;
        synchronized (wake) {
            while (!woken && !stopping) {
                long left = deadline - System.currentTimeMillis();
                if (left <= 0) {
                    break;
                }
                try {
                    wake.wait(left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
            woken = false;
        }
        return !stopping;
    }

    /**
     * Records the topology in the shard map when it changed, starts links for shards that have
     * none and stops those of shards that are gone; true when slots changed hands.
     */
    private boolean react(ClusterTopology now) throws IOException {
        ShardMap known = map;
        if (known != null && !ShardMap.assign(known, options.cluster(), now, "", "").recorded()) {
            topology = now;
            return false; // nothing to record: no need to read the repository's newest record again
        }
        ShardMap.Update u = ShardMap.record(repository, options.cluster(), now, clock);
        topology = now;
        map = u.map();
        if (u.recorded()) {
            events.accept(new TopologyRecorded(u.map()));
        }
        for (int p = 0; p < now.shards().size(); p++) {
            int index = u.indexOf(p);
            ClusterTopology.Shard s = now.shards().get(p);
            Link existing = links.get(index);
            if (existing == null && !stopping) {
                Link l = new Link(index, uri(s.primary()));
                links.put(index, l);
                l.start();
            } else if (existing != null && !uri(s.primary()).equals(existing.primary)) {
                existing.primary = uri(s.primary());
                Streamer st = existing.streamer;
                if (st != null) {
                    st.retryNow(); // a failover: connect to the new primary now, not after the backoff
                }
            }
        }
        for (Link l : new ArrayList<>(links.values())) {
            if (u.positionOf(l.index) < 0) {
                links.remove(l.index);
                retiring.add(l);
                l.retire();
            }
        }
        return u.slotsChanged();
    }

    /** Whether the newest cluster snapshot groups the shards otherwise than the shard map does now. */
    private boolean snapshotBehind() throws IOException {
        List<ClusterSnapshot> all = ClusterSnapshots.list(repository, options.cluster());
        if (all.isEmpty()) {
            return false; // nothing to be behind: each shard's timeline starts with its own base snapshot
        }
        ClusterSnapshot newest = all.get(all.size() - 1);
        Map<Integer, List<String>> had = new java.util.HashMap<>();
        newest.shards().forEach(s -> had.put(s.index(), s.slots()));
        Map<Integer, List<String>> has = new java.util.HashMap<>();
        map.shards().forEach(s -> has.put(s.index(), s.slots()));
        return !had.equals(has);
    }

    private boolean snapshot(ClusterTopology now) {
        try {
            ClusterBackup.Taken taken = ClusterBackup.take(repository, options.cluster(), now, seedFor(now),
                    options.snapshot(), clock);
            events.accept(new SnapshotTaken(taken.manifest()));
            return true;
        } catch (IOException | RdbException | RuntimeException e) {
            if (!stopping) {
                events.accept(new SnapshotFailed(message(e))); // once stopping, the stop is the reason
            }
            return false;
        }
    }

    /** A live node to take a snapshot's second reading of the topology from. */
    private RedisUri seedFor(ClusterTopology now) {
        return now.shards().isEmpty() ? seed : uri(now.shards().get(0).primary());
    }

    /** The topology from the first known node that answers: the last topology's primaries, its replicas, the seed. */
    private ClusterTopology read() throws IOException {
        Set<RedisUri> tried = new LinkedHashSet<>();
        ClusterTopology last = topology;
        if (last != null) {
            last.shards().forEach(s -> tried.add(uri(s.primary())));
            last.shards().forEach(s -> s.replicas().forEach(r -> tried.add(uri(r))));
        }
        tried.add(seed);
        IOException failed = null;
        for (RedisUri u : tried) {
            try {
                return ClusterDiscovery.discover(quick(u));
            } catch (IOException e) {
                failed = e;
            } catch (ClusterException e) {
                failed = new IOException(u.address() + ": " + e.getMessage(), e);
            }
        }
        throw new IOException("no node of the cluster answered (" + tried.size() + " tried, the last: "
                + (failed == null ? "?" : message(failed)) + ")", failed);
    }

    private static RedisUri quick(RedisUri u) {
        return u.atNode(u.host(), u.port()).withConnectTimeout(DISCOVERY_CONNECT);
    }

    /** A node's URI with the seed's user, password and TLS settings. */
    private RedisUri uri(ClusterTopology.Node node) {
        return seed.atNode(node.host(), node.port());
    }

    private static String message(Throwable e) {
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
    }

    /** One shard's link: its Streamer on its own thread, started again when it fails. */
    private final class Link {
        final int index;
        final String source;
        volatile RedisUri primary;
        volatile Streamer streamer;
        volatile boolean retired;
        private volatile Streamer stoppedStreamer;
        private final Thread thread;

        Link(int index, RedisUri primary) {
            this.index = index;
            this.source = ClusterSnapshot.shardSource(options.cluster(), index);
            this.primary = primary;
            this.thread = new Thread(this::loop, "redback-shard-" + index);
            this.thread.setDaemon(true);
        }

        void start() {
            thread.start();
        }

        private boolean over() {
            return stopping || retired;
        }

        private void loop() {
            Streamer.Options shardOptions = options.forShard(index);
            events.accept(new ShardStarted(index, source, primary.address(), shardOptions.spool()));
            long pauseMs = FIRST_RESTART_MS;
            while (!over()) {
                Streamer s = new Streamer(this::next, primary, repository, shardOptions, this::report, clock);
                streamer = s;
                if (over()) {
                    break;
                }
                String reason;
                try {
                    s.run();
                    if (over()) {
                        break;
                    }
                    reason = "its stream stopped by itself";
                } catch (StreamFailedException e) {
                    reason = e.getMessage();
                } catch (IOException | RuntimeException e) {
                    // A file system error's message is often the path alone: say what happened to it.
                    reason = "it could not start: " + (e instanceof java.nio.file.FileSystemException
                            ? e.getClass().getSimpleName() + " " : "") + message(e);
                } catch (Error e) {
                    reason = "it failed: " + e;
                }
                if (over()) {
                    break;
                }
                String failure = "shard " + index + " (" + source + "): " + reason;
                if (!failures.contains(failure)) {
                    failures.add(failure); // each different failure once in the summary; every one is an event
                }
                events.accept(new ShardFailed(index, source, reason, Duration.ofMillis(pauseMs)));
                long until = System.currentTimeMillis() + pauseMs;
                while (!over() && System.currentTimeMillis() < until) {
                    try {
                        Thread.sleep(100); // short naps: a stop is seen at once, without interrupting a drain
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
                pauseMs = Math.min(pauseMs * 2, MAX_RESTART_MS);
            }
        }

        private void report(StreamEvent e) {
            if (e instanceof StreamEvent.Disconnected && !stopping) {
                poke(); // a broken link is the first sign of a failover or a resharding
            }
            events.accept(new ShardEvent(index, source, primary.address(), e));
        }

        /** Where the link connects next: the shard's primary as a live node sees it now, else the last one. */
        private RedisUri next() throws IOException {
            ClusterTopology now;
            try {
                now = read();
            } catch (IOException e) {
                return primary; // the attempt itself reports the node it cannot reach
            }
            ShardMap known = map;
            ShardMap.Update u = ShardMap.assign(known, options.cluster(), now, "", "");
            int p = u.positionOf(index);
            if (p >= 0) {
                primary = uri(now.shards().get(p).primary());
            }
            return primary;
        }

        /** Stops the link's stream (the link then stops); once, since the stream's own stop is not repeatable. */
        synchronized void stop() {
            Streamer s = streamer;
            if (s != null && stoppedStreamer != s) {
                stoppedStreamer = s;
                s.stop();
            }
        }

        /** The shard is gone: its link receives what its node already sent, then stops, on a thread of its own. */
        void retire() {
            Thread t = new Thread(() -> {
                long target = -1;
                try (RedisConnection c = RedisConnector.of(quick(primary)).connect()) {
                    target = Long.parseLong(c.info("replication").getOrDefault("master_repl_offset", "-1"));
                } catch (IOException | RuntimeException e) {
                    // Gone with its node: what it sent is what the link received.
                }
                long deadline = System.currentTimeMillis() + REMOVED_CATCH_UP_MS;
                Streamer s = streamer;
                while (s != null && target >= 0 && s.receivedOffset() < target && System.currentTimeMillis() < deadline
                        && !stopping) {
                    try {
                        Thread.sleep(50);
                    } catch (InterruptedException e) {
                        break;
                    }
                }
                retired = true;
                stop();
                join();
                events.accept(new ShardRemoved(index, source));
            }, "redback-retire-" + index);
            t.setDaemon(true);
            t.start();
        }

        void join() {
            try {
                thread.join(options.shard().drainFor().toMillis() + 20_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
