package io.redback.cluster;

import io.redback.aof.AofTime;
import io.redback.aof.CutPoint;
import io.redback.files.NewFile;
import io.redback.pitr.Plan;
import io.redback.pitr.Planner;
import io.redback.pitr.RestoreException;
import io.redback.pitr.RestoreResult;
import io.redback.pitr.RestoreWriter;
import io.redback.redis.HostMemory;
import io.redback.repo.Repository;
import io.redback.repo.RepositoryException;
import io.redback.repo.SegmentManifest;
import io.redback.repo.Timeline;
import io.redback.restore.PointInTimeRestore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * A point in time of a whole cluster: every shard cut on redback's own clock (the arrival
 * seconds of its shipped log), each shard's plan made by the one {@link Planner}, and the skew
 * bound between the shards' cuts. Which shards there are is what the newest cluster snapshot at
 * or before the point says (for {@code --before}, the newest one that started before the shards'
 * cuts). A shard whose log does not reach the point refuses the whole restore, naming the shard;
 * nothing is written until every shard is planned. A replication offset is one server's, so
 * {@code --offset} has no meaning across shards and is refused; a {@link ClusterMark} holds one
 * offset per shard, read at one instant, and {@link #plan(ClusterMark)} cuts every shard there.
 *
 * <p>Each shard's cut lies between two arrivals its log records: its last byte kept and the first
 * byte left out (or, where the log ends at the cut, the end of its window: nothing more arrived).
 * Throughout that span the shard's restored state was current. When one instant lies within every
 * shard's span, the restored cluster is what redback had received from every shard at that
 * instant (skew bound 0); otherwise the bound is by how much the spans miss each other.
 */
public final class ClusterPointInTime {
    /**
     * How exactly the log dates a byte: its index keeps an arrival time at most every 100 ms (the
     * latest arrival of that span), while {@code #TS} seconds are exact.
     */
    public static final long RESOLUTION_MS = 100;

    /**
     * A throwaway redis-server's memory for a shard against the raw bytes it loads (the snapshot's
     * RDB and the log replayed over it): an RDB is compact (small values packed, integers encoded,
     * no per-key overhead), and a loaded dataset commonly takes 2 to 4 times its size; the upper end
     * is taken so that the bound errs on the side of fewer servers.
     */
    static final long SERVER_MEMORY_FACTOR = 4;

    private final Repository repository;
    private final LongSupplier memAvailable;
    private final Parallel.InFlight inFlight;

    public ClusterPointInTime(Repository repository) {
        this(repository, HostMemory::available, null);
    }

    /** With what the host's available memory is taken to be, and a counter of the shards restored at once (tests). */
    ClusterPointInTime(Repository repository, LongSupplier memAvailable, Parallel.InFlight inFlight) {
        this.repository = Objects.requireNonNull(repository, "repository");
        this.memAvailable = memAvailable;
        this.inFlight = inFlight;
    }

    /**
     * One shard's cut: its part of the cluster snapshot that defines the shards, the plan of its
     * source, and the span of redback's clock during which its restored state was current: from
     * {@code lastKept} (the arrival of the last byte kept, or the snapshot's time) to
     * {@code nextArrival} (the first byte left out; when {@code logEnds}, the end of its window).
     */
    public record ShardCut(ClusterSnapshot.ShardSnapshot shard, Plan plan, Instant lastKept, Instant nextArrival,
                           boolean logEnds) {
        /** The shard's directory name under a cluster restore: {@code shard-<index>}. */
        public String dir() {
            return "shard-" + shard.index();
        }
    }

    /**
     * How far apart the shards' cuts can be on redback's clock: {@code boundMs}, 0 when
     * {@code common} (an instant within every shard's span) exists; the latest last-kept arrival
     * and the earliest next arrival and their shards; the resolution of those times.
     */
    public record Skew(long boundMs, long resolutionMs, Instant common, Instant latestKept, int latestKeptShard,
                       Instant earliestNext, int earliestNextShard) {
    }

    /**
     * The whole plan: the cluster, the point, the cluster snapshot that says which shards exist, each
     * shard's cut. For a mark ({@link #plan(ClusterMark)}) the mark says which shards exist and where
     * each is cut: {@code point} and {@code topology} are null and {@code mark} is set.
     */
    public record ClusterPlan(String cluster, CutPoint point, ClusterSnapshot topology, List<ShardCut> shards,
                              Skew skew, ClusterMark mark) {
        public ClusterPlan {
            shards = List.copyOf(shards);
        }

        public ClusterPlan(String cluster, CutPoint point, ClusterSnapshot topology, List<ShardCut> shards, Skew skew) {
            this(cluster, point, topology, shards, skew, null);
        }

        /** What the restore was asked for, for reports: "--at ...", "--before ...", "--mark NAME". */
        public String describePoint() {
            return mark != null ? "--mark " + mark.name() : point.describe();
        }

        /** The raw bytes the restore reads from the repository, over every shard. */
        public long bytes() {
            return shards.stream().mapToLong(s -> PointInTimeRestore.bytes(s.plan())).sum();
        }
    }

    /**
     * Plans the restore of every shard of cluster at point.
     *
     * @throws IllegalArgumentException for {@code --offset} (one server's offset, not a cluster's)
     * @throws RestoreException when the cluster has no cluster snapshot at or before the point, or
     *     a shard cannot be cut there (the message names the shard and says why)
     */
    public ClusterPlan plan(String cluster, CutPoint point) throws IOException, RestoreException {
        if (point instanceof CutPoint.Offset) {
            throw new IllegalArgumentException("--offset is a replication offset of one server, and each shard of "
                    + "cluster " + cluster + " has its own: cut the cluster with --at or --before, or restore one "
                    + "shard with --name " + ClusterSnapshot.shardSource(cluster, 0) + " --offset N");
        }
        List<ClusterSnapshot> snapshots = ClusterSnapshots.list(repository, cluster);
        if (snapshots.isEmpty()) {
            throw new RestoreException(RestoreException.Kind.NOT_FOUND, "cluster " + cluster + " has no cluster "
                    + "snapshot in " + repository.describe() + " to say which shards it has: `redback backup --cluster` "
                    + "takes one");
        }
        Planner planner = new Planner(repository);
        Map<String, ShardCut> cuts = new HashMap<>();
        if (point instanceof CutPoint.At at) {
            ClusterSnapshot topology = null;
            for (ClusterSnapshot s : snapshots) {
                if (Instant.parse(s.startedAt()).getEpochSecond() <= at.time()) {
                    topology = s; // oldest first: the last one is the newest at or before the point
                }
            }
            if (topology == null) {
                throw new RestoreException(RestoreException.Kind.OUTSIDE_WINDOW, "--at " + AofTime.iso(at.time())
                        + " is before the first cluster snapshot of " + cluster + " (" + snapshots.get(0).id()
                        + ", started " + snapshots.get(0).startedAt() + "), so which shards the cluster had then is not "
                        + "recorded; nothing was written");
            }
            return plan(cluster, point, topology, planner, cuts);
        }
        // --before: each shard stops at its own match; the shards are those of the newest cluster
        // snapshot that started before every shard's cut.
        RestoreException first = null;
        for (int i = snapshots.size() - 1; i >= 0; i--) {
            ClusterSnapshot topology = snapshots.get(i);
            ClusterPlan p = plan(cluster, point, topology, planner, cuts);
            long earliest = p.shards().stream().mapToLong(c -> c.nextArrival().getEpochSecond()).min().orElse(0);
            if (Instant.parse(topology.startedAt()).getEpochSecond() <= earliest) {
                return p;
            }
            if (first == null) {
                first = new RestoreException(RestoreException.Kind.OUTSIDE_WINDOW, point.describe() + " matches "
                        + "commands of " + AofTime.iso(earliest) + ", before the first cluster snapshot of " + cluster
                        + " (" + snapshots.get(0).id() + ", started " + snapshots.get(0).startedAt() + "), so which "
                        + "shards the cluster had then is not recorded; nothing was written");
            }
        }
        throw first;
    }

    /**
     * Plans the restore of every shard of a mark to exactly the offset the mark records, in the
     * timeline it names: the shards' cuts are one instant of the cluster (writes were paused on
     * every primary while the offsets were read), so the skew is 0 by construction whatever the
     * arrival times say. Each shard is planned by the one {@link Planner}, as {@code --offset}.
     *
     * @throws RestoreException when a shard's mark has no timeline, or its log does not reach the
     *     offset (the message names the shard); nothing is written
     */
    public ClusterPlan plan(ClusterMark mark) throws IOException, RestoreException {
        Planner planner = new Planner(repository);
        List<ShardCut> shards = new ArrayList<>();
        for (ClusterMark.Shard s : mark.shards()) {
            String where = "shard " + s.index() + " of cluster " + mark.cluster() + " (source " + s.source()
                    + ", slots " + String.join(",", s.slots()) + ")";
            if (s.timeline() == null) {
                throw new RestoreException(RestoreException.Kind.NOT_FOUND, where + ": mark " + mark.name()
                        + " records no timeline for it (no stream of the shard followed replication id "
                        + s.replicationId() + " when the mark was taken), so no log is known to hold its offset "
                        + s.offset() + "; nothing was written");
            }
            Plan plan;
            try {
                plan = planner.plan(s.source(), new CutPoint.Offset(null, s.offset()), s.timeline());
            } catch (RestoreException e) {
                throw new RestoreException(e.kind(), where + " at mark " + mark.name() + ": " + e.getMessage()
                        + (e.getMessage().contains("nothing was") ? "" : "; nothing was written"), e.windows(), e);
            } catch (RepositoryException e) {
                throw new RestoreException(RestoreException.Kind.NOT_FOUND, where + " at mark " + mark.name() + ": "
                        + e.getMessage() + "; nothing was written", List.of(), e);
            }
            ClusterSnapshot.ShardSnapshot shard = new ClusterSnapshot.ShardSnapshot(s.index(), s.slots(),
                    s.primaryId(), 0, s.primaryId(), s.primaryAddress(), false, s.source(),
                    plan.snapshot().id().toString(), s.replicationId(), s.offset(), plan.snapshot().totalKeys(),
                    mark.createdAt(), mark.createdAt());
            shards.add(cut(shard, plan));
        }
        // Exact: no write could fall between the shards' offsets; arrival times play no part.
        Skew skew = new Skew(0, 0, Instant.parse(mark.createdAt()), null, -1, null, -1);
        return new ClusterPlan(mark.cluster(), null, null, shards, skew, mark);
    }

    private ClusterPlan plan(String cluster, CutPoint point, ClusterSnapshot topology, Planner planner,
                             Map<String, ShardCut> cuts) throws IOException, RestoreException {
        List<ShardCut> shards = new ArrayList<>();
        for (ClusterSnapshot.ShardSnapshot shard : topology.shards()) {
            ShardCut cut = cuts.get(shard.source());
            if (cut == null) {
                Plan plan;
                try {
                    plan = planner.plan(shard.source(), point, null);
                } catch (RestoreException e) {
                    throw new RestoreException(e.kind(), "shard " + shard.index() + " of cluster " + cluster
                            + " (source " + shard.source() + ", slots " + String.join(",", shard.slots()) + "): "
                            + e.getMessage() + (e.getMessage().contains("nothing was") ? "" : "; nothing was written"),
                            e.windows(), e);
                }
                cut = cut(shard, plan);
                cuts.put(shard.source(), cut);
            }
            shards.add(new ShardCut(shard, cut.plan(), cut.lastKept(), cut.nextArrival(), cut.logEnds()));
        }
        // --at names the end of its second when every shard's span holds it
        Instant preferred = point instanceof CutPoint.At at ? Instant.ofEpochMilli((at.time() + 1) * 1000 - 1) : null;
        return new ClusterPlan(cluster, point, topology, shards, skew(shards, preferred));
    }

    /**
     * The span of redback's clock during which the shard's restored state was current, as far as
     * the log dates it: the index gives exact arrivals at most every 100 ms, so a cut between two
     * entries is placed anywhere between them (the earlier entry bounds the last byte kept, the
     * later one the first byte left out); {@code #TS} seconds narrow it where they are sharper.
     */
    private ShardCut cut(ClusterSnapshot.ShardSnapshot shard, Plan plan) throws IOException {
        long cut = plan.cutOffset();
        List<SegmentManifest> segments = repository.timelines().find(plan.source(), plan.timeline().toString())
                .segments();
        long lastKept = plan.cutTime().toEpochMilli();
        long nextArrival = -1;
        for (int i = 0; i < segments.size(); i++) {
            SegmentManifest seg = segments.get(i);
            if (seg.startOffset() < cut && cut <= seg.endOffset() && cut > plan.fromOffset()) {
                long before = seg.firstArrival().toEpochMilli();
                for (SegmentManifest.IndexEntry e : seg.index()) {
                    if (e.offset() < cut) {
                        before = e.time();
                    } else {
                        if (e.offset() == cut) {
                            lastKept = e.time(); // exact: an entry ends at the cut
                        } else {
                            lastKept = before; // the cut lies inside the entry's span
                            nextArrival = e.time();
                        }
                        break;
                    }
                }
            }
            if (nextArrival < 0 && seg.startOffset() <= cut && cut < seg.endOffset()) {
                nextArrival = seg.arrivalOf(cut + 1).toEpochMilli();
            }
        }
        boolean logEnds = nextArrival < 0;
        if (logEnds) {
            nextArrival = Math.max(lastKept, plan.window().toTime().toEpochMilli());
        }
        if (plan.point() instanceof CutPoint.At at) {
            long end = (at.time() + 1) * 1000;
            lastKept = Math.min(lastKept, end - 1);
            nextArrival = logEnds ? Math.max(nextArrival, lastKept) : Math.max(nextArrival, end);
        } else if (plan.matched() != null && plan.matched().time() >= 0 && !logEnds) {
            long second = plan.matched().time() * 1000;
            nextArrival = Math.max(second, Math.min(nextArrival, second + 999));
        }
        lastKept = Math.min(lastKept, nextArrival);
        return new ShardCut(shard, plan, Instant.ofEpochMilli(lastKept), Instant.ofEpochMilli(nextArrival), logEnds);
    }

    /**
     * The skew of the shards' spans; when one instant lies in all of them, the one nearest to
     * preferred (null: the latest last-kept arrival) is named.
     */
    static Skew skew(List<ShardCut> shards, Instant preferred) {
        ShardCut latest = null;
        ShardCut earliest = null;
        for (ShardCut c : shards) {
            if (latest == null || c.lastKept().isAfter(latest.lastKept())) {
                latest = c;
            }
            if (earliest == null || c.nextArrival().isBefore(earliest.nextArrival())) {
                earliest = c;
            }
        }
        if (latest == null) {
            return new Skew(0, RESOLUTION_MS, null, null, -1, null, -1);
        }
        long spread = latest.lastKept().toEpochMilli() - earliest.nextArrival().toEpochMilli();
        Instant common = null;
        if (spread <= 0) {
            common = latest.lastKept();
            if (preferred != null && preferred.isAfter(common)) {
                common = preferred.isBefore(earliest.nextArrival()) ? preferred : earliest.nextArrival();
            }
        }
        return new Skew(Math.max(0, spread), RESOLUTION_MS, common, latest.lastKept(), latest.shard().index(),
                earliest.nextArrival(), earliest.shard().index());
    }

    static Skew skew(List<ShardCut> shards) {
        return skew(shards, null);
    }

    /** What a restore into files wrote: the directory, each shard's directory and result, in shard order. */
    public record Restored(Path dir, List<Path> shardDirs, List<RestoreResult> results) {
    }

    /**
     * Writes every shard of plan as {@code dir/shard-<index>/appendonlydir} (or {@code dump.rdb}
     * for {@link RestoreWriter.Format#RDB}), then {@code dir/cluster.json} as a cluster snapshot
     * restore writes it, with each shard's cut and the skew bound. Every target is checked before
     * the first is written. The shards go in parallel: with {@code appendonlydir} as many as the
     * downloads' bound, with {@code dump.rdb} (a throwaway server per shard) as many as
     * {@link #serversAtOnce} says fit in memory; after a failure no further shard starts, those
     * running are awaited, and cluster.json is not written.
     *
     * @param progress advanced by the raw bytes read from the repository
     * @throws RestoreException TARGET_EXISTS (without force), or DAMAGED when an object does not verify
     */
    public Restored toDir(ClusterPlan plan, Path dir, RestoreWriter.Format format, boolean force, Path redisServer,
                          Instant now, AtomicLong progress) throws IOException, RestoreException {
        Path d = dir.toAbsolutePath().normalize();
        if (Files.exists(d) && !Files.isDirectory(d)) {
            throw new RestoreException(RestoreException.Kind.TARGET_EXISTS, d + " exists and is not a directory: "
                    + "choose another --to-dir");
        }
        for (ShardCut s : plan.shards()) {
            Path target = RestoreWriter.target(d.resolve(s.dir()), format);
            if (Files.exists(target, LinkOption.NOFOLLOW_LINKS) && !force) {
                throw new RestoreException(RestoreException.Kind.TARGET_EXISTS, target + " already exists: add "
                        + "--force to replace it, or choose another --to-dir; nothing was written");
            }
        }
        PointInTimeRestore restore = new PointInTimeRestore(repository, progress);
        List<Path> dirs = new ArrayList<>();
        List<Parallel.Task<RestoreResult>> tasks = new ArrayList<>();
        for (ShardCut s : plan.shards()) {
            Path shardDir = d.resolve(s.dir());
            dirs.add(shardDir);
            tasks.add(stopped -> named(plan, s, () -> restore.write(s.plan(), shardDir, format, force, redisServer,
                    now)));
        }
        // appendonlydir starts no server: only the downloads bound how many shards go at once
        int workers = format == RestoreWriter.Format.RDB ? serversAtOnce(plan) : Parallel.downloads(tasks.size());
        List<RestoreResult> results = Parallel.run(tasks, workers, r -> true, "redback-restore",
                "restoring the shards of cluster " + plan.cluster(), inFlight);
        NewFile.write(d.resolve("cluster.json"), ClusterBackup.JSON.writeValueAsBytes(describe(plan, results)),
                NewFile.Mode.DEFAULT);
        return new Restored(d, dirs, results);
    }

    /** One shard's data as one RDB file: what a restore into a running cluster sends. */
    public record ShardRdb(int index, List<String> slots, String source, Path rdb, RestoreResult result) {
    }

    /**
     * Materialises every shard of plan as one {@code dump.rdb} under work
     * ({@code work/shard-<index>/dump.rdb}, through Redis's own loader as
     * {@link PointInTimeRestore#materialise}), each with the slots it holds, returned in shard
     * order. The shards go in parallel, as many at once as {@link #serversAtOnce} says their
     * throwaway servers fit in memory; the first failure in shard order is thrown, after those
     * running are awaited.
     */
    public List<ShardRdb> materialise(ClusterPlan plan, Path work, Path redisServer, Instant now, AtomicLong progress)
            throws IOException, RestoreException {
        PointInTimeRestore restore = new PointInTimeRestore(repository, progress);
        List<Parallel.Task<ShardRdb>> tasks = new ArrayList<>();
        for (ShardCut s : plan.shards()) {
            tasks.add(stopped -> {
                RestoreResult r = named(plan, s, () -> restore.materialise(s.plan(), work.resolve(s.dir()),
                        redisServer, now));
                return new ShardRdb(s.shard().index(), s.shard().slots(), s.shard().source(), r.target(), r);
            });
        }
        return Parallel.run(tasks, serversAtOnce(plan), r -> true, "redback-materialise",
                "materialising the shards of cluster " + plan.cluster(), inFlight);
    }

    private interface ShardWork {
        RestoreResult run() throws IOException, RestoreException;
    }

    /** A shard's failure as the cluster's: the same kind, the shard named first. */
    private static RestoreResult named(ClusterPlan plan, ShardCut s, ShardWork work)
            throws IOException, RestoreException {
        try {
            return work.run();
        } catch (RestoreException e) {
            throw new RestoreException(e.kind(), "shard " + s.shard().index() + " of cluster " + plan.cluster()
                    + " (source " + s.shard().source() + "): " + e.getMessage(), e.windows(), e);
        }
    }

    /**
     * How many shards go at once when each needs a throwaway redis-server: a server holds its
     * shard's whole dataset in memory, so k at once need the sum of theirs. Known before any
     * starts: each shard's raw bytes ({@link PointInTimeRestore#bytes}: its snapshot's RDB and the
     * log replayed over it, which can only add to what the RDB holds) times
     * {@link #SERVER_MEMORY_FACTOR}, against half of what the host says is available (the rest for
     * everything else: the target servers, the page cache the downloads go through, this JVM). The
     * k largest shards must fit (whichever k run together), never more than the downloads' bound,
     * never fewer than 1; when the available memory is unknown (not Linux), one at a time.
     */
    int serversAtOnce(ClusterPlan plan) {
        List<Long> needs = new ArrayList<>();
        for (ShardCut s : plan.shards()) {
            needs.add(PointInTimeRestore.bytes(s.plan()) * SERVER_MEMORY_FACTOR);
        }
        return serversAtOnce(needs, memAvailable.getAsLong(), Parallel.downloads(needs.size()));
    }

    /** The most servers of these needs (bytes each) that fit in half of available (unknown: negative), 1 to cap. */
    static int serversAtOnce(List<Long> needs, long available, int cap) {
        if (available < 0) {
            return 1;
        }
        List<Long> largest = new ArrayList<>(needs);
        largest.sort(java.util.Comparator.reverseOrder());
        long budget = available / 2;
        long sum = 0;
        int k = 0;
        for (long need : largest) {
            sum += need;
            if (sum > budget || k >= cap) {
                break;
            }
            k++;
        }
        return Math.max(1, k);
    }

    /** The cluster.json document: what a cluster snapshot restore writes, with the point, each cut and the skew. */
    private static Map<String, Object> describe(ClusterPlan plan, List<RestoreResult> results) {
        List<Map<String, Object>> shards = new ArrayList<>();
        for (int i = 0; i < plan.shards().size(); i++) {
            ShardCut s = plan.shards().get(i);
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("dir", s.dir());
            entry.put("slots", s.shard().slots());
            entry.put("primaryId", s.shard().primaryId());
            entry.put("source", s.shard().source());
            entry.put("snapshot", s.plan().snapshot().id().toString());
            entry.put("keys", results.get(i).resultKeys() >= 0 ? results.get(i).resultKeys() : null);
            entry.put("timeline", s.plan().timeline().toString());
            entry.put("cutOffset", s.plan().cutOffset());
            entry.put("lastKept", s.lastKept().toString());
            entry.put("nextArrival", s.nextArrival().toString());
            entry.put("logEnds", s.logEnds());
            entry.put("target", s.dir() + "/" + results.get(i).target().getFileName());
            shards.add(entry);
        }
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("cluster", plan.cluster());
        doc.put("snapshot", plan.topology() == null ? null : plan.topology().id());
        if (plan.mark() != null) {
            doc.put("mark", plan.mark().name());
        }
        doc.put("point", plan.describePoint());
        Map<String, Object> skew = new LinkedHashMap<>();
        skew.put("boundMs", plan.skew().boundMs());
        skew.put("resolutionMs", plan.skew().resolutionMs());
        skew.put("common", plan.skew().common() == null ? null : plan.skew().common().toString());
        doc.put("skew", skew);
        doc.put("shards", shards);
        return doc;
    }
}
