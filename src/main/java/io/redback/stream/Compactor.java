package io.redback.stream;

import io.redback.repo.Repository;
import io.redback.repo.SegmentManifest;
import io.redback.repo.SegmentManifest.IndexEntry;
import io.redback.repo.SnapshotId;
import io.redback.storage.Storage;
import io.redback.repo.Timeline;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Merges runs of a timeline's committed segments into fewer, larger ones, so that reading a
 * timeline costs a few manifests instead of one per second of history. A run is contiguous
 * segments of one timeline with one replication id and one compression, each of whose last
 * write arrived before the age limit (a running stream only appends after its newest segment,
 * so it never races a merge), merged up to a target of raw bytes. The merged segment is
 * written by the shipper's own {@link SegmentWriter}: the sources' AOF bytes in order, verified
 * segment by segment as they are read (a damaged one abandons that merge and is reported), and
 * a manifest with their offsets, arrival times and indexes. Commit order: merged data, merged
 * manifest, then the old manifests, then the old data objects; readers treat a segment within
 * another's offsets as superseded, so a crash anywhere leaves a valid repository, and the next
 * compaction (or prune) deletes what one interrupted left.
 */
public final class Compactor {
    /** How old a segment's last write must be before it is merged, unless told otherwise. */
    public static final Duration DEFAULT_OLDER_THAN = Duration.ofHours(1);
    /** Raw bytes a merged segment holds at most, unless told otherwise. */
    public static final long DEFAULT_TARGET_SIZE = 64L << 20;

    private final Repository repository;
    private final Clock clock;

    public Compactor(Repository repository, Clock clock) {
        this.repository = Objects.requireNonNull(repository, "repository");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** What to compact: one source (null: every source), the age limit, the target size, whether only to plan. */
    public record Options(String source, Duration olderThan, long targetSize, boolean dryRun) {
        public Options {
            if (source != null) {
                Repository.checkSourceName(source);
            }
            if (olderThan == null || olderThan.isNegative()) {
                throw new IllegalArgumentException("--older-than must be zero or more");
            }
            if (targetSize <= 0) {
                throw new IllegalArgumentException("--target-size must be more than 0 bytes");
            }
        }
    }

    /** One merged segment (in a dry run, planned): its offsets, how many segments it replaces, its sizes. */
    public record Merge(String source, SnapshotId timeline, long startOffset, long endOffset, int segments,
                        long rawBytes, long storedBefore, long storedAfter) {
    }

    /** An object an interrupted compaction left, deleted (in a dry run, to delete): a merged segment covers it. */
    public record Leftover(String key, long size) {
    }

    /** A merge abandoned because a segment of it is damaged: what is wrong and what to do. */
    public record Problem(String source, SnapshotId timeline, long startOffset, long endOffset, String message) {
    }

    /**
     * What a compaction did: segments before and after, the merges (each replaced its segments'
     * manifests and data objects), the leftovers of an earlier one removed, and the problems.
     */
    public record Report(boolean dryRun, int segmentsBefore, int segmentsAfter, List<Merge> merges,
                         List<Leftover> leftovers, List<Problem> problems) {
        public Report {
            merges = List.copyOf(merges);
            leftovers = List.copyOf(leftovers);
            problems = List.copyOf(problems);
        }
    }

    /**
     * Compacts what options select. Damage stops only the merge it is in (see
     * {@link Report#problems()}); a storage failure is thrown, leaving a valid repository that the
     * next run finishes.
     */
    public Report compact(Options options) throws IOException {
        Instant cutoff = clock.instant().minus(options.olderThan());
        List<String> sources = options.source() != null ? List.of(options.source())
                : repository.timelines().sources();
        Tally tally = new Tally();
        for (String source : sources) {
            for (Timeline t : repository.timelines().of(source)) {
                compact(t, cutoff, options, tally);
            }
        }
        return new Report(options.dryRun(), tally.before, tally.after, tally.merges, tally.leftovers, tally.problems);
    }

    /** The report being gathered. */
    private static final class Tally {
        int before;
        int after;
        final List<Merge> merges = new ArrayList<>();
        final List<Leftover> leftovers = new ArrayList<>();
        final List<Problem> problems = new ArrayList<>();
    }

    private void compact(Timeline t, Instant cutoff, Options options, Tally tally) throws IOException {
        // First what an interrupted compaction left, so that the merges below see a clean folder.
        List<Storage.ObjectInfo> leftovers = repository.timelines().leftovers(t);
        for (Storage.ObjectInfo o : leftovers) {
            if (!options.dryRun()) {
                repository.storage().delete(o.key());
            }
            tally.leftovers.add(new Leftover(o.key(), o.size()));
        }
        tally.before += t.segments().size();
        tally.after += t.segments().size();
        for (List<SegmentManifest> run : runs(t, cutoff, options.targetSize())) {
            SegmentManifest first = run.get(0);
            SegmentManifest last = run.get(run.size() - 1);
            long raw = run.stream().mapToLong(SegmentManifest::rawSize).sum();
            long stored = run.stream().mapToLong(SegmentManifest::storedSize).sum();
            if (options.dryRun()) {
                tally.merges.add(new Merge(first.source(), t.id(), first.startOffset(), last.endOffset(), run.size(),
                        raw, stored, -1));
                tally.after -= run.size() - 1;
                continue;
            }
            MergeSources in = new MergeSources(repository.storage(), run);
            SegmentManifest merged;
            try {
                merged = new SegmentWriter(repository, first.compression()).write(header(run), in);
            } catch (IOException e) {
                if (in.damage == null) {
                    throw e;
                }
                tally.problems.add(new Problem(first.source(), t.id(), first.startOffset(), last.endOffset(),
                        in.damage));
                continue;
            } finally {
                in.close();
            }
            remove(run);
            tally.merges.add(new Merge(first.source(), t.id(), first.startOffset(), last.endOffset(), run.size(), raw,
                    stored, merged.storedSize()));
            tally.after -= run.size() - 1;
        }
    }

    /** The old segments a committed merge covers: every manifest first, then every data object. */
    private void remove(List<SegmentManifest> run) throws IOException {
        Storage storage = repository.storage();
        for (SegmentManifest s : run) {
            storage.delete(repository.segmentManifestKey(s.source(), s.timeline(), s.startOffset(), s.endOffset()));
        }
        for (SegmentManifest s : run) {
            storage.delete(s.object());
        }
    }

    /**
     * The runs worth merging, in offset order: two or more segments, each continuing the one
     * before, with its replication id and compression, older than cutoff, together at most
     * targetSize raw bytes.
     */
    static List<List<SegmentManifest>> runs(Timeline t, Instant cutoff, long targetSize) {
        List<List<SegmentManifest>> out = new ArrayList<>();
        List<SegmentManifest> run = new ArrayList<>();
        long size = 0;
        for (SegmentManifest s : t.segments()) {
            boolean eligible = !s.lastArrival().isAfter(cutoff) && s.rawSize() <= targetSize;
            if (!run.isEmpty() && !(eligible && continues(run.get(run.size() - 1), s)
                    && size + s.rawSize() <= targetSize)) {
                if (run.size() > 1) {
                    out.add(run);
                }
                run = new ArrayList<>();
                size = 0;
            }
            if (eligible) {
                run.add(s);
                size += s.rawSize();
            }
        }
        if (run.size() > 1) {
            out.add(run);
        }
        return out;
    }

    private static boolean continues(SegmentManifest previous, SegmentManifest s) {
        return s.startOffset() == previous.endOffset() && s.replicationId().equals(previous.replicationId())
                && s.compression().equals(previous.compression());
    }

    /**
     * What the stream would have said of the run's bytes had it cut them as one segment: its
     * first segment's start, replication id and database, its last one's end, the arrival times
     * at both ends, and the indexes in order (each entry stays exact).
     */
    private static SegmentWriter.Header header(List<SegmentManifest> run) {
        SegmentManifest first = run.get(0);
        SegmentManifest last = run.get(run.size() - 1);
        List<IndexEntry> index = new ArrayList<>();
        long commands = 0;
        for (SegmentManifest s : run) {
            index.addAll(s.index());
            commands += s.commands();
        }
        return new SegmentWriter.Header(first.source(), first.timeline(), first.startOffset(), last.endOffset(),
                first.replicationId(), first.selectedDb(), first.firstArrival(), last.lastArrival(), commands, index);
    }
}
