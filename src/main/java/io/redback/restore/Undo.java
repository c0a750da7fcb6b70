package io.redback.restore;

import io.redback.aof.CommandPattern;
import io.redback.aof.CutPoint;
import io.redback.pitr.Plan;
import io.redback.pitr.Planner;
import io.redback.pitr.RestoreException;
import io.redback.pitr.RestoreResult;
import io.redback.redis.RedisConnector;
import io.redback.repo.Repository;
import io.redback.repo.Timeline;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Undoes an accident (a FLUSHALL, FLUSHDB or {@code DEL user:*}) on a live server: finds the
 * command in the shipped log, builds the state just before it (snapshot + log, through Redis's
 * own loader, as {@code restore --before --format rdb}), reads the log after it to learn which
 * keys were written since, and restores into the live server every key of that state that is
 * missing now and was not written since, never overwriting anything ({@link OnConflict#SKIP}).
 * Keys written since are kept as they are now, present or deleted, and listed. Without apply it
 * is a dry run: the plan, with the live server asked which keys exist.
 */
public final class Undo {
    /**
     * What to undo and where: the accident's pattern (and earliest second, or -1), keys to consider,
     * apply or plan, and what to do with keys the live server's release can only hold with a loss.
     */
    public record Request(String source, CommandPattern before, long afterSecond, String timeline, KeyFilter filter,
                          Throttle throttle, boolean apply, Path redisServer, Instant now, Lossy lossy) {}

    /** The plan of the point before the accident, what the log changed since, and the live restore's report. */
    public record Result(Plan plan, long keysWrittenSince, boolean flushedSince, long commandsSince,
                         LiveReport report) {}

    private final Repository repository;
    private final RedisConnector live;
    private final AtomicLong progress;

    public Undo(Repository repository, RedisConnector live, AtomicLong progress) {
        this.repository = repository;
        this.live = live;
        this.progress = progress;
    }

    /** Plans, and with {@code apply} restores. RestoreException when the log cannot give the point. */
    public Result run(Request r) throws IOException, RestoreException {
        Plan plan = new Planner(repository).plan(r.source(), new CutPoint.Before(r.before(), r.afterSecond()),
                r.timeline());
        Timeline timeline = repository.timelines().find(r.source(), plan.timeline().toString());
        WrittenSince since = WrittenSince.scan(repository.storage(), timeline, plan.matched());
        try (WorkFolder work = WorkFolder.create("redback-undo-")) {
            AtomicLong materialised = new AtomicLong();
            RestoreResult state = new PointInTimeRestore(repository, materialised).materialise(plan, work.path(),
                    r.redisServer(), r.now());
            LiveRestore.Options options = LiveRestore.Options.defaults().withOnConflict(OnConflict.SKIP)
                    .withFilter(r.filter()).withFunctions(false).withDryRun(!r.apply()).withLeaveAlone(since).withThrottle(r.throttle())
                    .withLossy(r.lossy());
            LiveReport report = new LiveRestore(live, options, progress).run(state.target(), r.now().toEpochMilli());
            return new Result(plan, since.size(), since.flushedSince(), since.commands, report);
        }
    }
}
