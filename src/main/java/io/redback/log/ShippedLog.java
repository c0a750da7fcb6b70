package io.redback.log;

import io.redback.repo.SegmentManifest;
import io.redback.storage.Storage;
import io.redback.repo.Timeline;
import io.redback.repo.VerifiedObject;
import io.redback.resp.RespCommand;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Lists the shipped commands of a source's timelines, in offset order: only the segments whose
 * arrival times overlap the query's time range are read, each one verified (size and SHA-256
 * against its manifest) before any of its commands is listed. A damaged or missing segment, and
 * a gap in the offsets inside the range, are recorded as {@link Problem}s and the listing goes
 * on after them. PING and REPLCONF, which every replication stream carries, are left out unless
 * asked for ({@link StreamCommands}). Under each FLUSHALL and FLUSHDB it gives the
 * {@code redback restore} options that stop just before it ({@link CutHints}; an offset names
 * where the command, or the MULTI of its transaction, starts).
 */
public final class ShippedLog {
    /** Whether a command is listed: its arguments, the database it applies to, its {@code #TS} second (-1 none). */
    @FunctionalInterface
    public interface Matcher {
        boolean matches(RespCommand c, int db, long time);
    }

    /**
     * What to list: arrival seconds from since to until (null: open), at most limit commands
     * (0: no limit) that the matcher takes, PING and REPLCONF only when showStreamOnly.
     */
    public record Query(Long since, Long until, long limit, Matcher matcher, boolean showStreamOnly) {
    }

    /**
     * One command listed: the segment holding it, its rank among the commands read, the
     * command and where the log stood ({@code command} is reused after the sink returns), and
     * the restore options for the moment before it (FLUSHALL, FLUSHDB) or null.
     */
    public record Entry(String segment, long index, long start, int db, long time, Tx tx, RespCommand command,
                        List<String> cutHint) {
    }

    /** Receives each command listed, with its timeline. */
    @FunctionalInterface
    public interface Sink {
        void accept(Timeline timeline, Entry entry);
    }

    /** What kept part of the range from being listed. */
    public sealed interface Problem {
        /** Offsets missing (or overlapping) in the timeline, around a time in the range. */
        record Gap(Timeline timeline, Timeline.Gap gap) implements Problem {
        }

        /** A segment missing or damaged: the message names it and says its commands are not listed. */
        record Damaged(String message) implements Problem {
        }
    }

    /** How the listing went: commands read and listed, segments read and passed over, problems found. */
    public record Summary(long read, long listed, long hidden, int segmentsRead, int segmentsOutside,
                          boolean limitReached, List<Problem> problems) {
    }

    private final Storage storage;
    private final Query query;
    private final List<Problem> problems = new ArrayList<>();
    private long read;
    private long listed;
    private long hidden;
    private int segmentsRead;
    private int segmentsOutside;

    public ShippedLog(Storage storage, Query query) {
        this.storage = storage;
        this.query = query;
    }

    /**
     * Lists the commands of the timelines (oldest first) that pass the query, handing each to
     * the sink with its timeline.
     *
     * @throws IOException when the repository cannot be read (not when an object is damaged)
     */
    public Summary scan(List<Timeline> timelines, Sink sink) throws IOException {
        for (Timeline t : timelines) {
            noteGaps(t);
            if (!scan(t, sink)) {
                return summary(true);
            }
        }
        return summary(false);
    }

    private Summary summary(boolean limitReached) {
        return new Summary(read, listed, hidden, segmentsRead, segmentsOutside, limitReached, List.copyOf(problems));
    }

    /** One timeline; false when the limit was reached. */
    private boolean scan(Timeline t, Sink sink) throws IOException {
        CutHints hints = new CutHints();
        // The timeline's own start, not its logStart: after a prune the first segment then counts as one after a
        // gap, which loses track of earlier FLUSHALLs, so hints name offsets rather than "the first FLUSHALL".
        long expected = t.manifest().startOffset();
        SegmentCommands.Carry carry = SegmentCommands.Carry.NONE;
        List<SegmentManifest> segments = t.segments();
        for (int i = 0; i < segments.size(); i++) {
            SegmentManifest s = segments.get(i);
            if (s.startOffset() != expected) {
                hints.lostTrack(); // a gap: a FLUSHALL may have been in it
                carry = SegmentCommands.Carry.NONE;
            }
            expected = s.endOffset();
            if (afterRange(s)) {
                segmentsOutside += segments.size() - i; // arrival times only grow with offsets
                break;
            }
            if (beforeRange(s)) {
                segmentsOutside++;
                hints.lostTrack();
                continue;
            }
            segmentsRead++;
            Path file = Files.createTempFile("redback-segment-", ".aof");
            try {
                if (!fetched(s, file)) {
                    hints.lostTrack();
                    carry = SegmentCommands.Carry.NONE;
                    continue;
                }
                try (InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
                    SegmentCommands c = new SegmentCommands(raw, s, carry);
                    while (c.next()) {
                        read++;
                        String hinted = CutHints.hinted(c.command());
                        List<String> hint = hinted == null ? null
                                : hints.hint(hinted, c.time(), Long.toString(c.transactionStart()));
                        if (!query.showStreamOnly() && StreamCommands.isStreamOnly(c.command())) {
                            hidden++;
                            continue;
                        }
                        if (!query.matcher().matches(c.command(), c.db(), c.time())) {
                            continue;
                        }
                        sink.accept(t, new Entry(s.object(), read, c.start(), c.db(), c.time(), c.tx(), c.command(),
                                hint));
                        if (++listed == query.limit()) {
                            return false;
                        }
                    }
                    carry = c.carry();
                } catch (Damage e) {
                    problems.add(new Problem.Damaged("segment " + e.getMessage()));
                    hints.lostTrack();
                    carry = SegmentCommands.Carry.NONE;
                }
            } finally {
                Files.deleteIfExists(file);
            }
        }
        return true;
    }

    /**
     * Brings the segment's raw AOF into file (a local temporary: a segment may be larger than
     * the heap), verified against its manifest; false (and a problem noted) when missing or damaged.
     */
    private boolean fetched(SegmentManifest s, Path file) throws IOException {
        try (OutputStream out = Files.newOutputStream(file)) {
            StoredObjects.fetch(storage, VerifiedObject.Expected.of(s), out, new AtomicLong());
            return true;
        } catch (Damage e) {
            problems.add(new Problem.Damaged(e.getMessage() + "; its commands (offsets " + s.startOffset() + ".."
                    + s.endOffset() + ") are not listed"));
            return false;
        }
    }

    /** Gaps whose time span overlaps the range listed. */
    private void noteGaps(Timeline t) {
        for (Timeline.Gap g : t.gaps()) {
            long before = t.lastArrivalBefore(g).getEpochSecond();
            Instant afterAt = t.firstArrivalAfter(g);
            long after = afterAt == null ? Long.MAX_VALUE : afterAt.getEpochSecond();
            if ((query.until() == null || before <= query.until()) && (query.since() == null || after >= query.since())) {
                problems.add(new Problem.Gap(t, g));
            }
        }
    }

    private boolean beforeRange(SegmentManifest s) {
        return query.since() != null && s.lastArrival().getEpochSecond() < query.since();
    }

    private boolean afterRange(SegmentManifest s) {
        return query.until() != null && s.firstArrival().getEpochSecond() > query.until();
    }
}
