package io.redback.cli;

import io.redback.rdb.ChecksumStatus;
import io.redback.rdb.RdbException;
import io.redback.rdb.RdbReader;
import io.redback.rdb.RdbVisitor;
import io.redback.repo.LockHolder;
import io.redback.repo.Repository;
import io.redback.repo.RepositoryException;
import io.redback.repo.SegmentManifest;
import io.redback.repo.SkippedDocument;
import io.redback.repo.SnapshotManifest;
import io.redback.storage.Storage;
import io.redback.repo.Timeline;
import io.redback.repo.VerifiedObject;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks a repository the way a restore would use it, source by source: every snapshot's data
 * object is there with its stored size; every timeline has the snapshot its restores start from
 * (its base, or after a prune its oldest kept one) and segments that continue each other from
 * where its log starts, each present with its size. With {@code readData}, every object is also
 * read: SHA-256s and sizes against the manifests, each RDB read whole (every structure, CRC64),
 * each segment parsed as a command log whose command bytes add up to its offsets. Problems are
 * collected, never thrown; an {@link IOException} means the repository itself could not be read.
 */
final class RepoCheck {
    private static final Pattern TIMELINE_KEY = Pattern.compile(
            "sources/[^/]+/timelines/([^/]+)/(timeline\\.json|segments/(\\d{20})-(\\d{20})\\.(json|aof|aof\\.zst))");

    private final Repository repository;
    private final Storage storage;
    private final boolean readData;
    private long bytesRead;
    private Map<String, Long> objects; // key -> size, from one listing of the source being checked

    private final Clock clock;

    RepoCheck(Repository repository, boolean readData, Clock clock) {
        this.repository = repository;
        this.storage = repository.storage();
        this.readData = readData;
        this.clock = clock;
    }

    /** Checks the sources ({@code name}, or all of them). */
    RepoCheckReport run(String name) throws IOException {
        long started = System.nanoTime();
        List<String> sources = RepoSources.all(repository, name);
        List<RepoCheckReport.SourceResult> results = new ArrayList<>();
        for (String source : sources) {
            results.add(checkSource(source));
        }
        if (name != null && results.get(0).snapshots() == 0 && results.get(0).timelines().isEmpty()
                && results.get(0).problems().isEmpty()) {
            throw new RepositoryException("source " + name + " has no snapshots and no timelines in "
                    + repository.describe() + " (sources there: " + String.join(", ", RepoSources.all(repository, null))
                    + ")");
        }
        // Locks are not problems: a running prune or compact holds one; a stale one is ignored by the next.
        List<LockHolder> locks = repository.locks();
        return new RepoCheckReport(repository.describe(), readData, results, locks, clock.instant(), bytesRead,
                (System.nanoTime() - started) / 1_000_000);
    }

    private RepoCheckReport.SourceResult checkSource(String source) throws IOException {
        Problems p = new Problems(source);
        objects = new HashMap<>();
        for (Storage.ObjectInfo o : storage.list("sources/" + source + "/")) {
            objects.put(o.key(), o.size());
        }
        // Documents that cannot be read are skipped by the readers, reported here as damaged, and the rest checked.
        List<SnapshotManifest> snapshots = repository.catalog().snapshots(source);
        List<String> notes = new ArrayList<>();
        for (SnapshotManifest m : snapshots) {
            checkSnapshot(m, p, notes);
        }
        List<Timeline> timelines = repository.timelines().of(source);
        repository.timelines().status(source);
        Set<String> damagedDocuments = new HashSet<>();
        for (SkippedDocument d : repository.skipped()) {
            if (source.equals(d.source()) && damagedDocuments.add(d.key())) {
                p.add("damaged", d.key(), null, d.problem() + " (skipped: nothing it describes is used)");
            }
        }
        Set<String> snapshotIds = new HashSet<>();
        snapshots.forEach(m -> snapshotIds.add(m.id().toString()));
        int segments = 0;
        for (Timeline t : timelines) {
            segments += t.segments().size();
            if (!t.superseded().isEmpty()) {
                notes.add("timeline " + t.id() + ": " + t.superseded().size() + " segment(s) that a compacted "
                        + "segment covers, left by an interrupted `redback compact` (no reader uses them; the "
                        + "next compact or prune deletes them)");
            }
            String start = t.start().snapshot().toString();
            // A start snapshot whose manifest is damaged is reported as such above, not as missing.
            checkTimeline(t, snapshotIds.contains(start) || damagedDocuments.contains(repository.manifestKey(source,
                    t.start().snapshot())), p);
        }
        checkLeftovers(source, p, notes);
        return new RepoCheckReport.SourceResult(source, snapshots.size(), timelines, segments, p.list, notes);
    }

    // ------------------------------------------------------------------------------ snapshots

    private void checkSnapshot(SnapshotManifest m, Problems p, List<String> notes) throws IOException {
        String where = "snapshot " + m.id();
        if (!present(m.object(), m.storedSize(), where, null, p)) {
            return;
        }
        if (!readData) {
            return;
        }
        RdbException rdbError = null;
        ChecksumStatus checksum = null;
        String problem;
        try (VerifiedObject r = VerifiedObject.open(storage, VerifiedObject.Expected.of(m))) {
            try {
                checksum = new RdbReader(r.raw()).read(new RdbVisitor() {
                    @Override
                    public boolean wantsValues() {
                        return false;
                    }
                }).checksum();
            } catch (RdbException e) {
                rdbError = e;
            }
            problem = r.problem();
            bytesRead += r.storedBytes();
        } catch (NoSuchFileException e) {
            p.add("missing", m.object(), null, m.object() + " (" + where + ") disappeared while being checked");
            return;
        }
        if (problem != null) {
            p.add("damaged", m.object(), null, problem);
        } else if (rdbError != null) {
            p.add("damaged", m.object(), null, "the RDB in " + m.object() + " (" + where + ") matches its SHA-256 but "
                    + "does not read: " + rdbError.getMessage());
        } else if (checksum != ChecksumStatus.VERIFIED) {
            notes.add(where + ": every key read, " + checksum.phrase());
        }
    }

    // ------------------------------------------------------------------------------ timelines

    private void checkTimeline(Timeline t, boolean hasStart, Problems p) throws IOException {
        String id = t.id().toString();
        if (!hasStart) {
            p.add("missing", null, id, "timeline " + id + ": " + (t.isTrimmed() ? "snapshot " + t.start().snapshot()
                    + ", where its restores start since prune trimmed it," : "its base snapshot " + id)
                    + " is not in the repository (no manifest): nothing of this timeline can be restored");
        }
        for (Timeline.Gap g : t.gaps()) {
            p.add(g.bytes() == 0 ? "overlap" : "gap", null, id, "timeline " + id + ": " + TimelineText.gap(t, g)
                    + (g.bytes() == 0 ? "" : "; restores of this timeline stop at offset " + t.restorableOffset()));
        }
        long expected = t.logStart();
        SegmentCommands.Carry carry = SegmentCommands.Carry.NONE;
        for (SegmentManifest s : t.segments()) {
            if (s.startOffset() != expected) {
                carry = SegmentCommands.Carry.NONE;
            }
            expected = s.endOffset();
            String where = "timeline " + id + " offsets " + s.startOffset() + ".." + s.endOffset();
            if (!present(s.object(), s.storedSize(), where, id, p)) {
                carry = SegmentCommands.Carry.NONE;
                continue;
            }
            if (readData) {
                carry = readSegment(s, carry, id, p);
            }
        }
    }

    /**
     * Reads and verifies one segment as it streams by (a segment of any size needs a buffer of
     * memory); the transaction open at its end (NONE when it could not be read). When both the
     * object and its command log are wrong, the object's damage is the better explanation.
     */
    private SegmentCommands.Carry readSegment(SegmentManifest s, SegmentCommands.Carry carry, String timeline,
                                              Problems p) throws IOException {
        String problem;
        String logProblem = null;
        SegmentCommands.Carry after = SegmentCommands.Carry.NONE;
        try (VerifiedObject r = VerifiedObject.open(storage, VerifiedObject.Expected.of(s))) {
            try {
                after = commands(new SegmentCommands(r.raw(), s, carry), s);
            } catch (SegmentCommands.Damage e) {
                logProblem = e.getMessage();
            }
            problem = r.problem();
            bytesRead += r.storedBytes();
        } catch (NoSuchFileException e) {
            p.add("missing", s.object(), timeline, s.object() + " disappeared while being checked");
            return SegmentCommands.Carry.NONE;
        }
        if (problem != null || logProblem != null) {
            p.add("damaged", s.object(), timeline, problem != null ? problem : logProblem);
            return SegmentCommands.Carry.NONE;
        }
        return after;
    }

    /** Reads every command of a segment, checking its #TS times; the transaction open at its end. */
    private static SegmentCommands.Carry commands(SegmentCommands c, SegmentManifest s)
            throws SegmentCommands.Damage, IOException {
        long first = s.firstArrival().getEpochSecond();
        long last = s.lastArrival().getEpochSecond();
        while (c.next()) {
            if (c.time() < 0) {
                throw new SegmentCommands.Damage(s.object(), s.object() + ": the command ending at offset " + c.end()
                        + " has no #TS line before it (a segment starts with one)");
            }
            if (c.time() < first || c.time() > last) {
                throw new SegmentCommands.Damage(s.object(), s.object() + ": the command ending at offset " + c.end()
                        + " is annotated #TS:" + c.time() + ", outside the segment's arrival times "
                        + TimelineText.second(s.firstArrival()) + ".." + TimelineText.second(s.lastArrival()));
            }
        }
        return c.carry();
    }

    /** Whether the object is there with the size its manifest says; a problem noted when not. */
    private boolean present(String key, long size, String where, String timeline, Problems p) throws IOException {
        Long found = objects.get(key);
        if (found == null) {
            // Listings can lag behind writes on some object stores: ask for the object itself before reporting it.
            found = storage.stat(key).map(Storage.ObjectInfo::size).orElse(null);
        }
        if (found == null) {
            p.add("missing", key, timeline, key + " (" + where + ") is missing although its manifest names it");
            return false;
        }
        if (found != size) {
            p.add("damaged", key, timeline, key + " (" + where + ") is " + found + " bytes, its manifest says "
                    + size + ": it was cut short or overwritten");
            return false;
        }
        return true;
    }

    // ------------------------------------------------------------------------------ leftovers

    /**
     * Segment manifests in a timeline folder without {@code timeline.json} (no reader uses them:
     * a problem), and segment data without a manifest (an interrupted upload, or one under way: a note).
     */
    private void checkLeftovers(String source, Problems p, List<String> notes) {
        // A timeline prune is removing still has its timeline.json: its segments are not orphans.
        Set<String> known = new HashSet<>();
        TreeMap<String, Integer> orphanManifests = new TreeMap<>();
        Set<String> segmentManifests = new HashSet<>();
        List<String> data = new ArrayList<>();
        for (String key : objects.keySet()) {
            Matcher m = TIMELINE_KEY.matcher(key);
            if (m.matches() && m.group(3) == null) {
                known.add(m.group(1));
            }
        }
        for (String key : objects.keySet()) {
            Matcher m = TIMELINE_KEY.matcher(key);
            if (!m.matches() || m.group(3) == null) {
                continue;
            }
            if (m.group(5).equals("json")) {
                segmentManifests.add(key.substring(0, key.length() - ".json".length()));
                if (!known.contains(m.group(1))) {
                    orphanManifests.merge(m.group(1), 1, Integer::sum);
                }
            } else {
                data.add(key);
            }
        }
        orphanManifests.forEach((timeline, n) -> p.add("orphan", null, timeline, n + " segment manifest(s) under "
                + "sources/" + source + "/timelines/" + timeline + "/segments/ but no usable timeline.json there: "
                + "no restore can use them (restore timeline.json from a copy of the repository)"));
        long leftovers = data.stream().filter(k -> !segmentManifests.contains(k.replaceFirst("\\.aof(\\.zst)?$", "")))
                .count();
        if (leftovers > 0) {
            notes.add(leftovers + " segment data object(s) without a manifest: an interrupted upload, or one under way "
                    + "(no reader uses them)");
        }
    }

    /** The problems found in one source. */
    private static final class Problems {
        private final String source;
        final List<RepoCheckReport.Problem> list = new ArrayList<>();

        Problems(String source) {
            this.source = source;
        }

        void add(String kind, String object, String timeline, String message) {
            list.add(new RepoCheckReport.Problem(source, kind, object, timeline, message));
        }
    }
}
