package io.redback.check;

import io.redback.log.Damage;
import io.redback.log.SegmentReader;
import io.redback.rdb.ChecksumStatus;
import io.redback.rdb.RdbException;
import io.redback.rdb.RdbReader;
import io.redback.rdb.RdbVisitor;
import io.redback.repo.Repository;
import io.redback.repo.RepositoryException;
import io.redback.repo.SegmentManifest;
import io.redback.repo.SkippedDocument;
import io.redback.repo.SnapshotManifest;
import io.redback.storage.Storage;
import io.redback.repo.Timeline;
import io.redback.repo.Timelines;
import io.redback.repo.VerifiedObject;
import io.redback.check.RepositoryCheckReport.Kind;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Checks a repository the way a restore would use it, source by source: every snapshot's data
 * object is there with its stored size; every timeline has the snapshot its restores start from
 * (its base, or after a prune its oldest kept one) and segments that continue each other from
 * where its log starts, each present with its size; no segment manifest lies where no
 * {@code timeline.json} is. With {@code readData}, every object is also read: SHA-256s and sizes
 * against the manifests, each RDB read whole (every structure, CRC64), each segment parsed as a
 * command log whose command bytes add up to its offsets and whose {@code #TS} times lie within its
 * arrival times. Problems are collected into the {@link RepositoryCheckReport}, never thrown;
 * nothing is written. {@code redback check --repo} runs it, and so can a scheduled job: each
 * {@link #run} reads the repository afresh, so one instance can run again and again.
 */
public final class RepositoryCheck {
    private final Repository repository;
    private final Clock clock;

    /** A check of repository; clock dates the report and judges locks stale. */
    public RepositoryCheck(Repository repository, Clock clock) {
        this.repository = repository;
        this.clock = clock;
    }

    /**
     * Checks source (every source with snapshots or timelines when null); with readData, reads
     * every object too, not only its presence and size.
     *
     * @throws RepositoryException when source is given but has no snapshots and no timelines
     * @throws IllegalArgumentException when source is not a valid source name
     * @throws IOException when the repository itself cannot be read (listings, a storage error)
     */
    public RepositoryCheckReport run(String source, boolean readData) throws IOException {
        return run(source, readData ? ReadData.ALL : ReadData.NONE);
    }

    /** As {@link #run(String, boolean)}, reading the objects readData selects (a scheduled check reads a share). */
    public RepositoryCheckReport run(String source, ReadData readData) throws IOException {
        long started = System.nanoTime();
        Pass pass = new Pass(readData);
        Repository r = pass.repository;
        List<RepositoryCheckReport.SourceResult> results = new ArrayList<>();
        for (String s : r.sources(source)) {
            results.add(pass.checkSource(s));
        }
        if (source != null && results.get(0).snapshots() == 0 && results.get(0).timelines().isEmpty()
                && results.get(0).problems().isEmpty()) {
            throw new RepositoryException("source " + source + " has no snapshots and no timelines in "
                    + r.describe() + " (sources there: " + String.join(", ", r.sources()) + ")");
        }
        return new RepositoryCheckReport(r.describe(), readData.percent() > 0, results, r.locks(), clock.instant(), pass.bytesRead,
                (System.nanoTime() - started) / 1_000_000);
    }

    /**
     * Which data objects a run reads whole: none, all, or a rotating share. An object's place in
     * 0..99 comes from its key; round r reads the places from {@code r * percent} (mod 100) on, so
     * consecutive rounds read consecutive shares and every object is read once in
     * {@code ceil(100 / percent)} rounds (restic's {@code --read-data-subset}, rotating by itself).
     */
    public record ReadData(int percent, long round) {
        /** Presence and sizes only. */
        public static final ReadData NONE = new ReadData(0, 0);
        /** Every object read. */
        public static final ReadData ALL = new ReadData(100, 0);

        public ReadData {
            if (percent < 0 || percent > 100) {
                throw new IllegalArgumentException("a share of the data to read is 0% to 100%, not " + percent + "%");
            }
        }

        /** Whether this run reads the object stored under key. */
        public boolean reads(String key) {
            if (percent == 0 || percent == 100) {
                return percent == 100;
            }
            int start = (int) Math.floorMod(round * percent, 100L);
            return Math.floorMod(place(key) - start, 100) < percent;
        }

        private static int place(String key) {
            int h = key.hashCode() * 0x9E3779B1; // spread: neighbouring keys land far apart
            return Math.floorMod(h ^ (h >>> 16), 100);
        }
    }

    /** One run: what it reads and what it has read so far. */
    private final class Pass {
        // Opened afresh: a Repository remembers the documents its readers skipped, and a run reports
        // those it meets, so a document repaired since an earlier run must not be reported again.
        private final Repository repository;
        private final Storage storage;
        private final ReadData readData;
        private long bytesRead;
        private Map<String, Long> objects; // key -> size, from one listing of the source being checked

        Pass(ReadData readData) throws IOException {
            this.repository = Repository.open(RepositoryCheck.this.repository.storage());
            this.storage = repository.storage();
            this.readData = readData;
        }

        RepositoryCheckReport.SourceResult checkSource(String source) throws IOException {
            Problems p = new Problems(source);
            objects = new HashMap<>();
            for (Storage.ObjectInfo o : repository.objectsOf(source)) {
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
                    p.add(Kind.DAMAGED, d.key(), null, d.problem() + " (skipped: nothing it describes is used)");
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
                checkTimeline(t, snapshotIds.contains(start) || damagedDocuments.contains(repository.manifestKey(
                        source, t.start().snapshot())), p);
            }
            checkStrays(p, notes);
            return new RepositoryCheckReport.SourceResult(source, snapshots.size(), timelines, segments, p.list, notes);
        }

        // -------------------------------------------------------------------------- snapshots

        private void checkSnapshot(SnapshotManifest m, Problems p, List<String> notes) throws IOException {
            String where = "snapshot " + m.id();
            if (!present(m.object(), m.storedSize(), where, null, p)) {
                return;
            }
            if (!readData.reads(m.object())) {
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
                p.add(Kind.MISSING, m.object(), null, m.object() + " (" + where + ") disappeared while being checked");
                return;
            }
            if (problem != null) {
                p.add(Kind.DAMAGED, m.object(), null, problem);
            } else if (rdbError != null) {
                p.add(Kind.DAMAGED, m.object(), null, "the RDB in " + m.object() + " (" + where + ") matches its "
                        + "SHA-256 but does not read: " + rdbError.getMessage());
            } else if (checksum != ChecksumStatus.VERIFIED) {
                notes.add(where + ": every key read, " + checksum.phrase());
            }
        }

        // -------------------------------------------------------------------------- timelines

        private void checkTimeline(Timeline t, boolean hasStart, Problems p) throws IOException {
            String id = t.id().toString();
            if (!hasStart) {
                p.add(Kind.MISSING, null, id, "timeline " + id + ": " + (t.isTrimmed() ? "snapshot "
                        + t.start().snapshot() + ", where its restores start since prune trimmed it,"
                        : "its base snapshot " + id)
                        + " is not in the repository (no manifest): nothing of this timeline can be restored");
            }
            for (Timeline.Gap g : t.gaps()) {
                p.add(g.bytes() == 0 ? Kind.OVERLAP : Kind.GAP, null, id, "timeline " + id + ": " + t.describe(g)
                        + (g.bytes() == 0 ? "" : "; restores of this timeline stop at offset " + t.restorableOffset()));
            }
            for (SegmentManifest s : t.segments()) {
                String where = "timeline " + id + " offsets " + s.startOffset() + ".." + s.endOffset();
                if (present(s.object(), s.storedSize(), where, id, p) && readData.reads(s.object())) {
                    readSegment(s, id, p);
                }
            }
        }

        /**
         * Reads and verifies one segment as it streams by (a segment of any size needs a buffer of
         * memory). When both the object and its command log are wrong, the object's damage is the
         * better explanation.
         */
        private void readSegment(SegmentManifest s, String timeline, Problems p) throws IOException {
            String problem;
            String logProblem;
            try (VerifiedObject r = VerifiedObject.open(storage, VerifiedObject.Expected.of(s))) {
                try {
                    logProblem = commands(new SegmentReader(r.raw(), s), s);
                } catch (Damage e) {
                    logProblem = e.getMessage();
                }
                problem = r.problem();
                bytesRead += r.storedBytes();
            } catch (NoSuchFileException e) {
                p.add(Kind.MISSING, s.object(), timeline, s.object() + " disappeared while being checked");
                return;
            }
            if (problem != null || logProblem != null) {
                p.add(Kind.DAMAGED, s.object(), timeline, problem != null ? problem : logProblem);
            }
        }

        /** Whether the object is there with the size its manifest says; a problem noted when not. */
        private boolean present(String key, long size, String where, String timeline, Problems p) throws IOException {
            Long found = objects.get(key);
            if (found == null) {
                // Listings can lag behind writes on some object stores: ask for the object itself before reporting it.
                found = storage.stat(key).map(Storage.ObjectInfo::size).orElse(null);
            }
            if (found == null) {
                p.add(Kind.MISSING, key, timeline, key + " (" + where + ") is missing although its manifest names it");
                return false;
            }
            if (found != size) {
                p.add(Kind.DAMAGED, key, timeline, key + " (" + where + ") is " + found + " bytes, its manifest says "
                        + size + ": it was cut short or overwritten");
                return false;
            }
            return true;
        }

        /**
         * Segment manifests in a timeline folder without {@code timeline.json} (no reader uses them:
         * a problem), and segment data without a manifest (an interrupted upload, or one under way: a
         * note). A timeline prune is removing still has its timeline.json: its segments are not orphans.
         */
        private void checkStrays(Problems p, List<String> notes) {
            Timelines.Strays strays = Timelines.strays(objects.keySet());
            for (Timelines.Orphans o : strays.orphans()) {
                p.add(Kind.ORPHAN, null, o.timeline().toString(), o.manifests() + " segment manifest(s) under "
                        + o.folder() + " but no usable timeline.json there: no restore can use them (restore "
                        + "timeline.json from a copy of the repository)");
            }
            if (strays.dataWithoutManifest() > 0) {
                notes.add(strays.dataWithoutManifest() + " segment data object(s) without a manifest: an interrupted "
                        + "upload, or one under way (no reader uses them)");
            }
        }
    }

    /**
     * Reads every command of a segment, checking its {@code #TS} times; the problem, or null when
     * the log is sound (SegmentReader checks at its end that the bytes and commands add up).
     */
    private static String commands(SegmentReader reader, SegmentManifest s) throws IOException, Damage {
        long first = s.firstArrival().getEpochSecond();
        long last = s.lastArrival().getEpochSecond();
        long time = -1;
        while (true) {
            switch (reader.next()) {
                case COMMAND -> {
                    if (time < 0) {
                        return s.object() + ": the command ending at offset " + reader.end() + " has no #TS line "
                                + "before it (a segment starts with one)";
                    }
                    if (time < first || time > last) {
                        return s.object() + ": the command ending at offset " + reader.end() + " is annotated #TS:"
                                + time + ", outside the segment's arrival times " + second(s.firstArrival()) + ".."
                                + second(s.lastArrival());
                    }
                }
                case TIMESTAMP -> time = reader.timestamp();
                case LINE -> {
                    return "segment " + s.object() + " (offsets " + s.startOffset() + ".." + s.endOffset() + ") is not "
                            + "a valid command log at byte " + reader.fileStart() + " of its data: expected a "
                            + "'#TS:<unix seconds>' line";
                }
                case END -> {
                    return null;
                }
            }
        }
    }

    private static String second(Instant at) {
        return at.truncatedTo(ChronoUnit.SECONDS).toString();
    }

    /** The problems found in one source. */
    private static final class Problems {
        private final String source;
        final List<RepositoryCheckReport.Problem> list = new ArrayList<>();

        Problems(String source) {
            this.source = source;
        }

        void add(Kind kind, String object, String timeline, String message) {
            list.add(new RepositoryCheckReport.Problem(source, kind, object, timeline, message));
        }
    }
}
