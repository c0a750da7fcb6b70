package io.redback.restore;

import io.redback.aof.CutPoint;
import io.redback.pitr.Plan;
import io.redback.pitr.Planner;
import io.redback.pitr.RestoreException;
import io.redback.pitr.RestoreResult;
import io.redback.pitr.RestoreWriter;
import io.redback.repo.Repository;
import io.redback.repo.SegmentManifest;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A point-in-time restore: the plan for a source and a cut (the timeline whose recovery window
 * holds the point, the newest snapshot at or before it, the segments up to the cut), then the
 * data it describes written as a data directory ({@code appendonlydir} or {@code dump.rdb}), or
 * materialised as one RDB through Redis's own loader, which is what a restore into a running
 * server, an undo or a drill reads. The restore is planned before anything is fetched, so a
 * caller can show or refuse the plan.
 */
public final class PointInTimeRestore {
    private final Repository repository;
    private final AtomicLong progress;

    /**
     * @param progress advanced by the raw bytes read from the repository (snapshot and segments);
     *                 {@link #bytes} is the total, for a progress bar
     */
    public PointInTimeRestore(Repository repository, AtomicLong progress) {
        this.repository = Objects.requireNonNull(repository, "repository");
        this.progress = Objects.requireNonNull(progress, "progress");
    }

    /**
     * The plan for source (null: the repository's only one) at point, on timeline (an id or
     * its start; null: the newest whose window holds the point).
     *
     * @throws RestoreException when the point cannot be restored (outside every window, a gap,
     *     no matching command, no such source or timeline); its windows say what can be
     */
    public Plan plan(String source, CutPoint point, String timeline) throws IOException, RestoreException {
        Planner planner = new Planner(repository);
        return planner.plan(planner.source(source), point, timeline);
    }

    /**
     * Writes the plan into dir ({@code dir/appendonlydir}, or {@code dir/dump.rdb} loaded and
     * saved by redisServer); an existing target is replaced only with force.
     *
     * @param now the instant against which expired keys are counted
     * @throws RestoreException TARGET_EXISTS, or DAMAGED when an object does not verify
     */
    public RestoreResult write(Plan plan, Path dir, RestoreWriter.Format format, boolean force, Path redisServer,
                               Instant now) throws IOException, RestoreException {
        return new RestoreWriter(repository.storage(), progress).write(plan, dir,
                new RestoreWriter.Options(format, force, redisServer, now));
    }

    /**
     * Materialises the plan as one {@code dump.rdb} in work (a folder of the caller's): the
     * snapshot as the base of a multi-part AOF, the log up to the cut as its incr file, loaded
     * and saved by a throwaway redisServer, then checked.
     */
    public RestoreResult materialise(Plan plan, Path work, Path redisServer, Instant now)
            throws IOException, RestoreException {
        return write(plan, work, RestoreWriter.Format.RDB, false, Objects.requireNonNull(redisServer, "redisServer"),
                now);
    }

    /** The raw bytes the plan reads from the repository: the snapshot's RDB and the segments. */
    public static long bytes(Plan plan) {
        return plan.snapshot().rawSize() + plan.segments().stream().mapToLong(SegmentManifest::rawSize).sum();
    }

    /** "source S as of offset N (TIME)": what a report says was restored. */
    public static String describe(Plan plan) {
        return "source " + plan.source() + " as of offset " + plan.cutOffset() + " (" + plan.cutTime() + ")";
    }
}
