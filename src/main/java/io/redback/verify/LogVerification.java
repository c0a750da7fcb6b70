package io.redback.verify;

import io.redback.aof.CutPoint;
import io.redback.files.NewFile;
import io.redback.pitr.Plan;
import io.redback.pitr.RestoreException;
import io.redback.redis.RedisUri;
import io.redback.redis.ReplicaOptions;
import io.redback.redis.ReplicaSync;
import io.redback.repo.Repository;
import io.redback.repo.SegmentManifest;
import io.redback.repo.StreamStatus;
import io.redback.repo.Timeline;
import io.redback.restore.KeyDigest;
import io.redback.restore.PointInTimeRestore;
import io.redback.restore.WorkFolder;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Proves that the shipped log reproduces the source exactly: a fresh full sync from the live
 * source, taken as a replica takes it, arrives with the replication id and offset X of its
 * snapshot; once the stream has committed the log past X (waiting up to {@link Options#maxWait()}),
 * offset X is rebuilt from the repository (snapshot and segments, replayed by Redis's own loader
 * into one RDB) and the two RDBs are compared key by key ({@link RdbComparison}: value digests,
 * expiries, functions). Nothing is written to the repository or the source; both RDBs live in a
 * private work folder removed at the end. A repository that cannot reach X (no log, another
 * replication history, a gap, a damaged or missing segment) is an inconsistent verdict naming
 * why, as are differing keys; what keeps the comparison from running at all (the source or the
 * repository unreachable, no redis-server to replay with) is thrown.
 */
public final class LogVerification {
    /**
     * What to verify: the source's name in the repository, how long to wait for the stream to
     * commit the log past the sync's offset, the redis-server that replays the log, how many
     * differences to name, and how often to look at the repository while waiting.
     */
    public record Options(String source, Duration maxWait, Path redisServer, int maxDifferences, Duration poll) {
        public Options {
            Objects.requireNonNull(source, "source");
            Objects.requireNonNull(redisServer, "redisServer");
            if (maxWait.isNegative()) {
                throw new IllegalArgumentException("the wait cannot be negative: " + maxWait);
            }
            if (maxDifferences < 0) {
                throw new IllegalArgumentException("maxDifferences cannot be negative: " + maxDifferences);
            }
        }

        /** Twenty differences named, the repository looked at every half second. */
        public Options(String source, Duration wait, Path redisServer) {
            this(source, wait, redisServer, 20, Duration.ofMillis(500));
        }
    }

    /** Told, on the verifying thread, when a phase begins, for a progress bar. */
    @FunctionalInterface
    public interface Listener {
        Listener NONE = (phase, totalBytes, done) -> { };

        /**
         * Phase {@code sync}, {@code wait}, {@code rebuild} or {@code compare} begins; it will
         * read totalBytes (-1: unknown, 0: it reads none), done counts them.
         */
        void phase(String phase, long totalBytes, LongSupplier done);
    }

    /** The states of stream.json after which a stream commits nothing more until it is started again. */
    private static final java.util.Set<String> STOPPED = java.util.Set.of("stopped", "failed");

    private final Repository repository;
    private final Clock clock;

    public LogVerification(Repository repository, Clock clock) {
        this.repository = Objects.requireNonNull(repository, "repository");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * Verifies source at uri against the repository.
     *
     * @throws IOException when the source or the repository cannot be read, the work folder not
     *     written, or an RDB does not read (nothing could be compared)
     * @throws InterruptedException while waiting for the stream
     */
    public VerificationReport verify(RedisUri uri, ReplicaOptions replica, Options options, Listener listener)
            throws IOException, InterruptedException {
        long started = System.nanoTime();
        String source = options.source();
        if (repository.timelines().of(source).isEmpty()) {
            return new VerificationReport(VerificationReport.Verdict.INCONSISTENT, source, null, null, null, null, 0,
                    null, List.of("source " + source + " has no log in " + repository.describe()
                            + ": it is not being streamed (`redback stream` ships one)"), since(started));
        }
        try (WorkFolder work = WorkFolder.create("redback-verify-")) {
            Path sourceRdb = work.path().resolve("source.rdb");
            String replicationId;
            long offset;
            KeyDigest.ScoreFormat format;
            try (ReplicaSync sync = ReplicaSync.start(uri, replica)) {
                listener.phase("sync", sync.rdbLength(), sync::bytesReceived);
                replicationId = sync.replicationId();
                offset = sync.replicationOffset();
                String version = sync.server().version();
                format = version == null ? KeyDigest.ScoreFormat.SHORTEST : KeyDigest.ScoreFormat.forVersion(version);
                try (NewFile f = NewFile.beside(sourceRdb, NewFile.Mode.PRIVATE)) {
                    OutputStream out = Channels.newOutputStream(f.channel());
                    sync.rdb().transferTo(out);
                    f.commit();
                }
            }
            Partial at = new Partial(source, replicationId, offset, started);

            listener.phase("wait", 0, () -> 0);
            Reach reach = awaitShipped(source, replicationId, offset, options);
            if (reach.timeline == null) {
                return at.inconsistent(null, null, 0, reach.problem);
            }

            AtomicLong fetched = new AtomicLong();
            PointInTimeRestore restore = new PointInTimeRestore(repository, fetched);
            Plan plan;
            Path rebuilt;
            try {
                plan = restore.plan(source, new CutPoint.Offset(null, offset), reach.timeline.id().toString());
                if (plan.cutOffset() != offset) {
                    return at.inconsistent(plan, "the log of timeline " + plan.timeline() + " has no command "
                            + "boundary at offset " + offset + " (the cut fell at " + plan.cutOffset() + ")");
                }
                listener.phase("rebuild", PointInTimeRestore.bytes(plan), fetched::get);
                Path dir = Files.createDirectory(work.path().resolve("rebuilt"));
                rebuilt = restore.materialise(plan, dir, options.redisServer(), clock.instant()).target();
            } catch (RestoreException e) {
                if (!e.dataProblem() && e.kind() != RestoreException.Kind.OUTSIDE_WINDOW
                        && e.kind() != RestoreException.Kind.NOT_FOUND) {
                    throw new IOException(e.getMessage(), e);
                }
                return at.inconsistent(null, null, 0, "the repository cannot rebuild offset " + offset + " of timeline "
                        + reach.timeline.id() + ": " + e.getMessage());
            }

            // Keys whose deadline passed before the comparison are dead on both sides; the
            // rebuilt point was loaded after its own "now", so the later instant counts.
            long now = clock.millis();
            AtomicLong compared = new AtomicLong();
            listener.phase("compare", RdbComparison.bytes(sourceRdb, rebuilt), compared::get);
            RdbComparison.Result result = new RdbComparison(format, now, options.maxDifferences(), compared)
                    .compare(sourceRdb, rebuilt);
            List<String> problems = new ArrayList<>();
            if (!result.equal()) {
                problems.add(summary(result, offset));
            }
            return new VerificationReport(result.equal() ? VerificationReport.Verdict.CONSISTENT
                    : VerificationReport.Verdict.INCONSISTENT, source, replicationId, offset,
                    plan.timeline().toString(), plan.snapshot().id().toString(), plan.segments().size(), result,
                    problems, since(started));
        }
    }

    /** "the state rebuilt ... differs from the source at offset X: 1 missing, 2 value": the problem differences make. */
    private static String summary(RdbComparison.Result r, long offset) {
        StringBuilder sb = new StringBuilder();
        r.counts().forEach((kind, n) -> {
            if (n > 0) {
                sb.append(sb.length() == 0 ? "" : ", ").append(n).append(' ').append(kind.jsonName());
            }
        });
        return "the state rebuilt from the repository differs from the source at offset " + offset + ": " + sb;
    }

    /** The timeline that holds offset X of the history, or why none does. */
    private record Reach(Timeline timeline, String problem) {
    }

    /**
     * Waits until a timeline of the history has committed past offset; the newest of them. A
     * timeline belongs to the history when its start or one of its segments carries its
     * replication id (a failover changes the id mid-timeline).
     */
    private Reach awaitShipped(String source, String replicationId, long offset, Options options)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + options.maxWait().toNanos();
        while (true) {
            List<Timeline> history = repository.timelines().of(source).stream()
                    .filter(t -> ofHistory(t, replicationId)).toList();
            Optional<Timeline> holding = history.stream()
                    .filter(t -> t.manifest().startOffset() <= offset && offset <= t.endOffset())
                    .reduce((a, b) -> b);
            if (holding.isPresent()) {
                return new Reach(holding.get(), null);
            }
            if (System.nanoTime() >= deadline) {
                return new Reach(null, notReached(source, replicationId, offset, history, options.maxWait()));
            }
            Optional<StreamStatus> status = repository.timelines().status(source);
            if (status.isPresent() && STOPPED.contains(status.get().state())) {
                // A stream that said it stopped ships nothing more: waiting would only delay the verdict.
                return new Reach(null, "the log of source " + source + " ends before offset " + offset + " and its "
                        + "stream is not running; " + status(source));
            }
            Thread.sleep(Math.max(1, Math.min(options.poll().toMillis(),
                    (deadline - System.nanoTime()) / 1_000_000 + 1)));
        }
    }

    private static boolean ofHistory(Timeline t, String replicationId) {
        return replicationId.equals(t.manifest().replicationId())
                || t.segments().stream().map(SegmentManifest::replicationId).anyMatch(replicationId::equals);
    }

    private String notReached(String source, String replicationId, long offset, List<Timeline> history,
                              Duration wait) throws IOException {
        String waited = " (waited " + wait.toSeconds() + " s)";
        if (history.isEmpty()) {
            return "no timeline of source " + source + " in " + repository.describe() + " has replication id "
                    + replicationId + " (the source's history now): the stream is not shipping this history"
                    + waited + "; " + status(source);
        }
        Timeline newest = history.get(history.size() - 1);
        if (history.stream().allMatch(t -> offset < t.manifest().startOffset())) {
            return "the repository's log of replication id " + replicationId + " starts at offset "
                    + newest.manifest().startOffset() + ", after the offset to verify, " + offset;
        }
        return "the stream has not committed offset " + offset + ": timeline " + newest.id() + " ends at offset "
                + newest.endOffset() + waited + "; " + status(source);
    }

    private String status(String source) throws IOException {
        Optional<StreamStatus> s = repository.timelines().status(source);
        if (s.isEmpty()) {
            return "no stream of source " + source + " has reported to the repository: is `redback stream` running?";
        }
        StreamStatus st = s.get();
        return "the stream last reported at " + st.updatedAt() + ": " + st.state() + ", committed offset "
                + st.committedOffset() + (st.replicationId() == null ? "" : " of replication id " + st.replicationId());
    }

    private static Duration since(long startedNanos) {
        return Duration.ofNanos(System.nanoTime() - startedNanos);
    }

    /** What is known once the sync arrived, for the verdicts that stop before a comparison. */
    private record Partial(String source, String replicationId, long offset, long started) {
        VerificationReport inconsistent(Plan plan, String problem) {
            return new VerificationReport(VerificationReport.Verdict.INCONSISTENT, source, replicationId, offset,
                    plan == null ? null : plan.timeline().toString(),
                    plan == null ? null : plan.snapshot().id().toString(),
                    plan == null ? 0 : plan.segments().size(), null, List.of(problem), since(started));
        }

        VerificationReport inconsistent(String timeline, String snapshot, int segments, String problem) {
            return new VerificationReport(VerificationReport.Verdict.INCONSISTENT, source, replicationId, offset,
                    timeline, snapshot, segments, null, List.of(problem), since(started));
        }
    }
}
