package io.redback.cli;

import io.redback.aof.AofTime;
import io.redback.aof.LogEntry;
import io.redback.aof.LogFilter;
import io.redback.pitr.DataObjects;
import io.redback.pitr.RestoreException;
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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;

/**
 * Lists the shipped commands of a source's timelines, in offset order, through a
 * {@link LogFilter}: only the segments whose arrival times overlap the filter's time range are
 * read, each one verified (size and SHA-256 against its manifest) before any of its commands is
 * listed. A damaged or missing segment, and a gap in the offsets inside the range, are recorded
 * as problems and the listing goes on after them. PING and REPLCONF, which every replication
 * stream carries, are left out unless asked for.
 */
final class RepoLog {
    private static final List<String> HINTED = List.of("FLUSHALL", "FLUSHDB");

    /** How the listing went: commands read and listed, segments read and passed over, problems found. */
    record Summary(long read, long listed, long hidden, int segmentsRead, int segmentsOutside, boolean limitReached,
                   List<String> problems) {
    }

    private final Storage storage;
    private final LogFilter filter;
    private final LogFilter.Matcher matcher;
    private final boolean showReplication;
    private final List<String> problems = new ArrayList<>();
    private long read;
    private long listed;
    private long hidden;
    private int segmentsRead;
    private int segmentsOutside;

    /** @param showReplication whether to list PING and REPLCONF too */
    RepoLog(Storage storage, LogFilter filter, boolean showReplication) {
        this.storage = storage;
        this.filter = filter;
        this.matcher = filter.matcher();
        this.showReplication = showReplication;
    }

    /**
     * Lists the commands of the timelines (oldest first) that pass the filter, handing each to
     * the sink with its timeline; an entry's {@code cutHint} holds the {@code redback restore}
     * options for the moment before a FLUSHALL or FLUSHDB.
     *
     * @throws IOException when the repository cannot be read (not when an object is damaged)
     */
    Summary scan(List<Timeline> timelines, BiConsumer<Timeline, LogEntry> sink) throws IOException {
        for (Timeline t : timelines) {
            noteGaps(t);
            if (!scan(t, sink)) {
                return summary(true);
            }
        }
        return summary(false);
    }

    private Summary summary(boolean limitReached) {
        return new Summary(read, listed, hidden, segmentsRead, segmentsOutside, limitReached, problems);
    }

    /** One timeline; false when the limit was reached. */
    private boolean scan(Timeline t, BiConsumer<Timeline, LogEntry> sink) throws IOException {
        Hints hints = new Hints();
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
                        List<String> hint = hints.hint(c);
                        if (!showReplication && replication(c.command())) {
                            hidden++;
                            continue;
                        }
                        if (!matcher.matches(c.command(), c.db(), c.time())) {
                            continue;
                        }
                        sink.accept(t, LogEntry.of(s.object(), c.start(), read, c.db(), c.time(), c.tx(), c.command(),
                                hint));
                        if (++listed == filter.limit()) {
                            return false;
                        }
                    }
                    carry = c.carry();
                } catch (SegmentCommands.Damage e) {
                    problems.add("segment " + e.getMessage());
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
            DataObjects.fetch(storage, VerifiedObject.Expected.of(s), out, new AtomicLong());
            return true;
        } catch (RestoreException e) {
            problems.add(e.getMessage() + "; its commands (offsets " + s.startOffset() + ".."
                    + s.endOffset() + ") are not listed");
            return false;
        }
    }

    /** Gaps whose time span overlaps the range listed. */
    private void noteGaps(Timeline t) {
        for (Timeline.Gap g : t.gaps()) {
            long before = TimelineText.before(t, g).getEpochSecond();
            java.time.Instant afterAt = TimelineText.after(t, g);
            long after = afterAt == null ? Long.MAX_VALUE : afterAt.getEpochSecond();
            if ((filter.until() == null || before <= filter.until()) && (filter.since() == null || after >= filter.since())) {
                problems.add("timeline " + t.id() + ": " + TimelineText.gap(t, g) + (g.bytes() == 0
                        ? "; the commands there are listed as each segment holds them"
                        : "; no segment holds those commands, so they cannot be listed"));
            }
        }
    }

    private boolean beforeRange(SegmentManifest s) {
        return filter.since() != null && s.lastArrival().getEpochSecond() < filter.since();
    }

    private boolean afterRange(SegmentManifest s) {
        return filter.until() != null && s.firstArrival().getEpochSecond() > filter.until();
    }

    private static boolean replication(RespCommand c) {
        return c.argEqualsIgnoreCase(0, "PING") || c.argEqualsIgnoreCase(0, "REPLCONF");
    }

    /** Whether the --grep patterns name PING or REPLCONF themselves (then they are listed). */
    static boolean namesReplication(List<String> grep) {
        return grep.stream().map(g -> g.strip().toUpperCase(Locale.ROOT))
                .anyMatch(g -> g.equals("PING") || g.equals("REPLCONF"));
    }

    /**
     * The {@code redback restore} options that stop just before a FLUSHALL or FLUSHDB, the
     * shortest that are exact: {@code --before NAME} for the first of its name in the timeline,
     * {@code --before NAME --after TIME} for a later one when no earlier one shares its second,
     * else {@code --offset N}, N being where the command (or the MULTI of its transaction)
     * starts. The {@code --before} forms need every segment from the timeline's start to have
     * been read (no earlier match can hide in one that was not); otherwise the offset is given.
     */
    private static final class Hints {
        private final Map<String, Long> lastTime = new HashMap<>();
        private boolean fromStart = true;

        void lostTrack() {
            fromStart = false;
        }

        List<String> hint(SegmentCommands c) {
            String name = null;
            for (String h : HINTED) {
                if (c.command().argEqualsIgnoreCase(0, h)) {
                    name = h;
                }
            }
            if (name == null) {
                return null;
            }
            Long previous = lastTime.put(name, c.time());
            if (fromStart && previous == null) {
                return List.of("--before", name);
            }
            if (fromStart && c.time() >= 0 && previous < c.time()) {
                return List.of("--before", name, "--after", AofTime.iso(c.time()));
            }
            return List.of("--offset", Long.toString(c.transactionStart()));
        }
    }
}
