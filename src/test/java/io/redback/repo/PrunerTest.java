package io.redback.repo;

import static io.redback.repo.TestBytes.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.redback.storage.Storage;
import io.redback.storage.file.FileStorage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@io.redback.testsupport.Fast
class PrunerTest {
    private static final Clock NOW = Clock.systemUTC();
    private static final Clock TWO_DAYS_LATER = Clock.offset(NOW, Duration.ofDays(2));

    @TempDir
    Path temp;
    private Path root;
    private FileStorage files;
    private RecordingStorage storage;
    private Repository repo;

    @BeforeEach
    void setUp() throws IOException {
        root = temp.resolve("repo");
        files = new FileStorage(root);
        storage = new RecordingStorage(files);
        repo = Repository.init(storage, NOW);
    }

    private List<SnapshotManifest> hourly(String source, int count) throws IOException {
        List<SnapshotManifest> made = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            made.add(TestSnapshots.commit(repo, source, String.format("20261122T%02d0000.000Z-0000%02x", i, i)));
        }
        return made;
    }

    private List<String> keys() throws IOException {
        return files.list("").stream().map(Storage.ObjectInfo::key).toList();
    }

    private void age(String key, Duration by) throws IOException {
        Files.setLastModifiedTime(root.resolve(key), FileTime.from(Instant.now().minus(by)));
    }

    @Test
    void forgottenSnapshotsLoseTheirManifestFirstThenTheirData() throws IOException {
        List<SnapshotManifest> made = hourly("cache-1", 4);
        Pruner.Report report = new Pruner(repo, NOW).prune(RetentionPolicy.parse("--keep-last 2"), null, false);

        assertThat(storage.deleted).containsExactly(
                Layout.manifestKey("cache-1", made.get(1).id()), made.get(1).object(),
                Layout.manifestKey("cache-1", made.get(0).id()), made.get(0).object());
        assertThat(report.snapshots()).extracting(Pruner.SnapshotDecision::id, Pruner.SnapshotDecision::keep,
                Pruner.SnapshotDecision::reasons).containsExactly(
                org.assertj.core.groups.Tuple.tuple(made.get(3).id(), true, List.of("last 1")),
                org.assertj.core.groups.Tuple.tuple(made.get(2).id(), true, List.of("last 2")),
                org.assertj.core.groups.Tuple.tuple(made.get(1).id(), false, List.of()),
                org.assertj.core.groups.Tuple.tuple(made.get(0).id(), false, List.of()));
        assertThat(report.removals()).extracting(Pruner.Removal::reason).first().asString()
                .isEqualTo("snapshot cache-1/" + made.get(1).id() + " is forgotten: no --keep-* rule keeps it");
        assertThat(repo.catalog().snapshots("cache-1")).containsExactly(made.get(3), made.get(2));
        assertThat(keys()).containsExactly("config.json",
                made.get(2).object(), Layout.manifestKey("cache-1", made.get(2).id()),
                made.get(3).object(), Layout.manifestKey("cache-1", made.get(3).id()));
    }

    @Test
    void aDryRunDeletesNothingAndSaysWhatWouldGoAndWhyTheRestStays() throws IOException {
        List<SnapshotManifest> made = hourly("cache-1", 3);
        List<String> before = keys();
        Pruner.Report report = new Pruner(repo, NOW).prune(RetentionPolicy.parse("--keep-last 1 --keep-daily 1"), null, true);

        assertThat(report.dryRun()).isTrue();
        assertThat(storage.deleted).isEmpty();
        assertThat(keys()).isEqualTo(before);
        assertThat(report.snapshots()).filteredOn(Pruner.SnapshotDecision::keep).singleElement()
                .satisfies(d -> assertThat(d.reasons()).containsExactly("last 1", "daily 2026-11-22"));
        assertThat(report.forgotten()).hasSize(2);
        assertThat(report.removals()).extracting(Pruner.Removal::key).containsExactly(
                Layout.manifestKey("cache-1", made.get(1).id()), made.get(1).object(),
                Layout.manifestKey("cache-1", made.get(0).id()), made.get(0).object());
        assertThat(report.removals()).allSatisfy(r -> assertThat(r.size()).isPositive());
    }

    @Test
    void aCrashBetweenManifestAndDataLeavesAValidRepositoryAndTheNextPruneFinishes() throws IOException {
        List<SnapshotManifest> made = hourly("cache-1", 3);
        storage.crashAfterDeletes = 1;
        assertThatThrownBy(() -> new Pruner(repo, NOW).prune(RetentionPolicy.parse("--keep-last 1"), null, false))
                .hasMessage("simulated crash");
        storage.crashAfterDeletes = -1;

        // Valid: it opens, the kept snapshot is whole, and the half-deleted one is simply gone from the catalog.
        Repository reopened = Repository.open(files);
        assertThat(reopened.catalog().snapshots("cache-1")).containsExactly(made.get(2), made.get(0));
        assertThat(TestBytes.sha256(files.get(made.get(2).object()))).isEqualTo(made.get(2).sha256Stored());
        assertThat(files.stat(made.get(1).object())).as("its data, now garbage").isPresent();

        // Right away, the next prune forgets the rest; the leftover data is younger than a day, so it stays for now.
        Pruner.Report next = new Pruner(reopened, NOW).prune(RetentionPolicy.parse("--keep-last 1"), null, false);
        assertThat(next.removals()).extracting(Pruner.Removal::key).containsExactly(
                Layout.manifestKey("cache-1", made.get(0).id()), made.get(0).object());
        assertThat(files.stat(made.get(1).object())).isPresent();

        // A day on, it is removed as data without a manifest, and only the kept snapshot remains.
        Pruner.Report last = new Pruner(reopened, TWO_DAYS_LATER).prune(RetentionPolicy.parse("--keep-last 1"), null, false);
        assertThat(last.removals()).singleElement().satisfies(r -> {
            assertThat(r.key()).isEqualTo(made.get(1).object());
            assertThat(r.reason()).startsWith("data without a manifest (an interrupted backup or prune), last written");
        });
        assertThat(keys()).containsExactly("config.json", made.get(2).object(), Layout.manifestKey("cache-1", made.get(2).id()));
    }

    @Test
    void garbageGoesOnlyOnceItIsADayOld() throws IOException {
        SnapshotManifest kept = hourly("cache-1", 1).get(0);
        String oldTmp = repo.tmpKey("upload-1");
        String newTmp = repo.tmpKey("upload-2");
        String oldOrphan = "sources/cache-1/snapshots/20261120T000000.000Z-0000aa/dump.rdb.zst";
        String runningBackup = "sources/cache-1/snapshots/20261122T100000.000Z-0000bb/dump.rdb.zst";
        String foreign = "sources/cache-1/README";
        for (String k : List.of(oldTmp, newTmp, oldOrphan, runningBackup, foreign)) {
            storage.put(k, new ByteArrayInputStream(utf8(k)), -1);
        }
        for (String k : List.of(oldTmp, oldOrphan, foreign, kept.object())) {
            age(k, Duration.ofHours(30));
        }

        Pruner.Report report = new Pruner(repo, NOW).prune(RetentionPolicy.NONE, null, false);
        assertThat(report.removals()).extracting(Pruner.Removal::key).containsExactly(oldOrphan, oldTmp);
        assertThat(report.removals().get(1).reason()).startsWith("temporary, last written");
        assertThat(report.snapshots()).singleElement().satisfies(d -> assertThat(d.reasons()).containsExactly("no --keep-* rule given"));
        assertThat(keys()).contains(newTmp, runningBackup, foreign, kept.object()).doesNotContain(oldTmp, oldOrphan);
    }

    @Test
    void aNamedSourceIsPrunedAlone() throws IOException {
        List<SnapshotManifest> cache = hourly("cache-1", 3);
        List<SnapshotManifest> sessions = hourly("sessions", 3);
        Pruner.Report report = new Pruner(repo, NOW).prune(RetentionPolicy.parse("--keep-last 1"), "sessions", false);
        assertThat(report.snapshots()).extracting(Pruner.SnapshotDecision::source).containsOnly("sessions");
        assertThat(repo.catalog().snapshots("cache-1")).hasSize(3).containsAll(cache);
        assertThat(repo.catalog().snapshots("sessions")).containsExactly(sessions.get(2));
    }

    // ------------------------------------------------------------------------------ timelines

    private static final Instant T0 = Instant.parse("2026-11-22T10:00:00Z");

    private List<String> keysUnder(SnapshotId timeline) throws IOException {
        return files.list(Layout.timelinesPrefix("cache-1") + timeline + "/").stream().map(Storage.ObjectInfo::key)
                .toList();
    }

    private static List<String> keysOf(SegmentManifest s) {
        return List.of(Layout.segmentManifestKey(s.source(), s.timeline(), s.startOffset(), s.endOffset()), s.object());
    }

    private Pruner.TimelineDecision decision(Pruner.Report report, SnapshotId timeline) {
        return report.timelines().stream().filter(d -> d.id().equals(timeline)).findFirst().orElseThrow();
    }

    @Test
    void aTimelineStaysRestorableFromItsOldestKeptSnapshotAndLosesTheLogBeforeIt() throws IOException {
        TestTimelines t = TestTimelines.start(repo, "cache-1", T0, 1000);
        SegmentManifest s1 = t.segment(100);          // 1000..1100
        SegmentManifest s2 = t.segment(100);          // 1100..1200
        SnapshotManifest p1 = t.snapshot();           // at 1200
        SegmentManifest s3 = t.segment(100);          // 1200..1300
        SegmentManifest s4 = t.segment(100);          // 1300..1400
        SnapshotManifest p2 = t.snapshot();           // at 1400
        SegmentManifest s5 = t.segment(100);          // 1400..1500
        Instant p1State = t.read().timeOf(p1);

        // The oldest kept snapshot, p1, lies where s2 ends: s1 and s2 can never be replayed again.
        Pruner.Report report = new Pruner(repo, NOW).prune(RetentionPolicy.parse("--keep-last 2"), null, false);

        List<String> expected = new ArrayList<>(List.of(Layout.manifestKey("cache-1", t.id()), t.base().object()));
        expected.addAll(keysOf(s1));
        expected.addAll(keysOf(s2));
        assertThat(storage.deleted).containsExactlyElementsOf(expected);
        Pruner.TimelineDecision d = decision(report, t.id());
        assertThat(d.action()).isEqualTo(Pruner.TimelineAction.TRIM);
        assertThat(d.start()).isEqualTo(new Timeline.Start(p1.id(), 1200, p1State));
        assertThat(d.segmentsRemoved()).isEqualTo(2);
        assertThat(d.bytesRemoved()).isEqualTo(report.removals().stream().filter(r -> t.id().equals(r.timeline()))
                .mapToLong(Pruner.Removal::size).sum()).isGreaterThan(200);
        assertThat(d.reason()).contains("the log before offset 1200 is unreachable");

        // Read back: restorable from p1 on, the log from its offset, and no gap where the head was.
        Timeline after = t.read();
        assertThat(after.start()).isEqualTo(new Timeline.Start(p1.id(), 1200, p1State));
        assertThat(p1State).as("the state p1 holds was current when s2's last byte arrived").isEqualTo(s2.lastArrival());
        assertThat(after.logStart()).isEqualTo(1200);
        assertThat(after.segments()).containsExactly(s3, s4, s5);
        assertThat(after.gaps()).isEmpty();
        assertThat(after.contiguous()).hasSize(3);
        assertThat(after.restorableOffset()).isEqualTo(1500);
        assertThat(after.holds(p1)).isTrue();
        assertThat(after.holds(p2)).isTrue();
        assertThat(files.stat(Layout.prunedKey("cache-1", t.id()))).isPresent();

        // Pruned again to a snapshot inside a segment: that segment stays whole, the log starts where it does.
        SnapshotManifest mid = t.snapshotAt(1450);
        storage.deleted.clear();
        Pruner.Report again = new Pruner(repo, NOW).prune(RetentionPolicy.parse("--keep-last 1"), null, false);
        assertThat(decision(again, t.id()).start().snapshot()).isEqualTo(mid.id());
        assertThat(storage.deleted).containsAll(keysOf(s3)).containsAll(keysOf(s4)).doesNotContainAnyElementsOf(keysOf(s5));
        Timeline trimmed = t.read();
        assertThat(trimmed.logStart()).isEqualTo(1400);
        assertThat(trimmed.start()).isEqualTo(new Timeline.Start(mid.id(), 1450, s5.arrivalOf(1450)));
        assertThat(trimmed.segments()).containsExactly(s5);
        assertThat(trimmed.gaps()).isEmpty();
    }

    @Test
    void theCurrentTimelineKeepsItsNewestSnapshotAndAnOlderOneWithoutAKeptSnapshotGoesWhole() throws IOException {
        TestTimelines old = TestTimelines.start(repo, "cache-1", T0, 1000);
        SegmentManifest o1 = old.segment(100);
        SnapshotManifest oldSnapshot = old.snapshot();
        SegmentManifest o2 = old.segment(100);
        TestTimelines current = TestTimelines.start(repo, "cache-1", T0.plusSeconds(3600), 5000);
        SegmentManifest c1 = current.segment(100);
        SegmentManifest c2 = current.segment(100);
        SnapshotManifest newest = current.snapshot(); // at the end of the log: no segment after it yet
        // A later backup of another history (another replication id): the only snapshot the policy keeps.
        SnapshotManifest backup = TestSnapshots.commit(repo, "cache-1", "20261122T230000.000Z-0000aa");

        Pruner.Report report = new Pruner(repo, NOW).prune(RetentionPolicy.parse("--keep-last 1"), null, false);

        assertThat(report.snapshots()).extracting(Pruner.SnapshotDecision::id, Pruner.SnapshotDecision::keep,
                Pruner.SnapshotDecision::reasons).containsExactly(
                org.assertj.core.groups.Tuple.tuple(backup.id(), true, List.of("last 1")),
                org.assertj.core.groups.Tuple.tuple(newest.id(), true, List.of("base of the current timeline")),
                org.assertj.core.groups.Tuple.tuple(current.id(), false, List.of()),
                org.assertj.core.groups.Tuple.tuple(oldSnapshot.id(), false, List.of()),
                org.assertj.core.groups.Tuple.tuple(old.id(), false, List.of()));

        // The old timeline: every segment, manifest first, then timeline.json, then prune's own pruned.json.
        Pruner.TimelineDecision gone = decision(report, old.id());
        assertThat(gone.action()).isEqualTo(Pruner.TimelineAction.REMOVE);
        assertThat(gone.start()).isNull();
        assertThat(gone.from()).isEqualTo(T0);
        assertThat(gone.to()).isEqualTo(o2.lastArrival());
        assertThat(gone.segmentsRemoved()).isEqualTo(2);
        assertThat(gone.reason()).isEqualTo("no --keep-* rule keeps any of its 2 snapshot(s) and it is not the current "
                + "timeline");
        List<String> oldKeys = new ArrayList<>(keysOf(o1));
        oldKeys.addAll(keysOf(o2));
        oldKeys.add(Layout.timelineKey("cache-1", old.id()));
        oldKeys.add(Layout.prunedKey("cache-1", old.id()));
        assertThat(storage.deleted).containsSubsequence(oldKeys);
        assertThat(keysUnder(old.id())).isEmpty();

        // The current timeline: restorable from the snapshot kept for it; its last segment stays, so that a
        // stream resuming without its spool still finds where the log ends.
        Pruner.TimelineDecision trimmed = decision(report, current.id());
        assertThat(trimmed.action()).isEqualTo(Pruner.TimelineAction.TRIM);
        assertThat(trimmed.start().snapshot()).isEqualTo(newest.id());
        assertThat(storage.deleted).containsAll(keysOf(c1)).doesNotContainAnyElementsOf(keysOf(c2));
        assertThat(repo.timelines().of("cache-1")).singleElement().satisfies(t -> {
            assertThat(t.id()).isEqualTo(current.id());
            assertThat(t.segments()).containsExactly(c2);
            assertThat(t.logStart()).isEqualTo(5100);
            assertThat(t.start()).isEqualTo(new Timeline.Start(newest.id(), 5200, c2.lastArrival()));
            assertThat(t.gaps()).isEmpty();
            assertThat(t.restorableOffset()).isEqualTo(5200);
        });
        assertThat(repo.catalog().snapshots("cache-1")).containsExactly(backup, newest);

        // Pruning again changes nothing: the kept snapshot is where the timeline starts already.
        storage.deleted.clear();
        Pruner.Report again = new Pruner(repo, NOW).prune(RetentionPolicy.parse("--keep-last 1"), null, false);
        assertThat(storage.deleted).isEmpty();
        assertThat(decision(again, current.id()).action()).isEqualTo(Pruner.TimelineAction.KEEP);
    }

    @Test
    void aCrashWhileRemovingATimelineLeavesItInvisibleAndTheNextPruneFinishes() throws IOException {
        TestTimelines old = TestTimelines.start(repo, "cache-1", T0, 1000);
        SegmentManifest o1 = old.segment(100);
        SegmentManifest o2 = old.segment(100);
        TestTimelines current = TestTimelines.start(repo, "cache-1", T0.plusSeconds(3600), 5000);
        SegmentManifest c1 = current.segment(100);
        SnapshotManifest newest = current.snapshot();
        SegmentManifest c2 = current.segment(100);

        // Deletes: old base (2), current base (2), then o1's manifest; o1's data is where it stops.
        storage.crashAfterDeletes = 5;
        assertThatThrownBy(() -> new Pruner(repo, NOW).prune(RetentionPolicy.parse("--keep-last 1"), null, false))
                .hasMessage("simulated crash");
        storage.crashAfterDeletes = -1;
        assertThat(storage.deleted).endsWith(keysOf(o1).get(0));

        // Valid: the half-removed timeline is invisible, the current one starts at its kept snapshot, no gap.
        Repository reopened = Repository.open(files);
        assertThat(reopened.timelines().of("cache-1")).singleElement().satisfies(t -> {
            assertThat(t.id()).isEqualTo(current.id());
            assertThat(t.start().snapshot()).isEqualTo(newest.id());
            assertThat(t.segments()).containsExactly(c2);
            assertThat(t.gaps()).isEmpty();
        });
        assertThat(files.stat(c1.object())).as("not deleted yet, but no reader uses it").isPresent();

        // The next prune finishes; o1's data has lost its manifest and is younger than a day, so it waits.
        Pruner.Report next = new Pruner(reopened, NOW).prune(RetentionPolicy.parse("--keep-last 1"), null, false);
        assertThat(decision(next, old.id()).reason()).contains("interrupted");
        assertThat(next.removals()).extracting(Pruner.Removal::key).containsSubsequence(keysOf(o2).get(0),
                keysOf(o2).get(1), Layout.timelineKey("cache-1", old.id()), Layout.prunedKey("cache-1", old.id()))
                .containsAll(keysOf(c1)).doesNotContain(o1.object());
        assertThat(keysUnder(old.id())).containsExactly(o1.object());

        Pruner.Report last = new Pruner(reopened, TWO_DAYS_LATER).prune(RetentionPolicy.parse("--keep-last 1"), null,
                false);
        assertThat(last.removals()).singleElement().satisfies(r -> {
            assertThat(r.key()).isEqualTo(o1.object());
            assertThat(r.reason()).startsWith("segment data without a manifest");
        });
        assertThat(keysUnder(old.id())).isEmpty();
    }

    @Test
    void segmentDataWithoutAManifestGoesOnlyOnceItIsADayOld() throws IOException {
        TestTimelines t = TestTimelines.start(repo, "cache-1", T0, 1000);
        SegmentManifest s1 = t.segment(100);
        String interrupted = repo.segmentDataKey("cache-1", t.id(), 900_000, 900_100, Compression.NONE);
        String uploading = repo.segmentDataKey("cache-1", t.id(), 1100, 1200, Compression.zstd(3));
        for (String k : List.of(interrupted, uploading)) {
            storage.put(k, new ByteArrayInputStream(utf8(k)), -1);
        }
        age(interrupted, Duration.ofHours(30));
        age(s1.object(), Duration.ofHours(30));

        Pruner.Report report = new Pruner(repo, NOW).prune(RetentionPolicy.NONE, null, false);
        assertThat(report.removals()).singleElement().satisfies(r -> {
            assertThat(r.key()).isEqualTo(interrupted);
            assertThat(r.reason()).startsWith("segment data without a manifest (an interrupted upload or prune)");
        });
        assertThat(decision(report, t.id()).action()).isEqualTo(Pruner.TimelineAction.KEEP);
        assertThat(decision(report, t.id()).reason()).isEqualTo("its base snapshot is kept");
        assertThat(keysUnder(t.id())).contains(uploading, s1.object()).doesNotContain(interrupted);
    }

    @Test
    void aDryRunWritesNothingAndSaysWhatWouldHappenToEachTimeline() throws IOException {
        TestTimelines old = TestTimelines.start(repo, "cache-1", T0, 1000);
        old.segment(100);
        TestTimelines current = TestTimelines.start(repo, "cache-1", T0.plusSeconds(3600), 5000);
        current.segment(100);
        current.snapshot();
        current.segment(100);
        List<String> before = keys();

        Pruner.Report report = new Pruner(repo, NOW).prune(RetentionPolicy.parse("--keep-last 1"), null, true);
        assertThat(keys()).isEqualTo(before);
        assertThat(report.timelines()).extracting(Pruner.TimelineDecision::id, Pruner.TimelineDecision::action,
                Pruner.TimelineDecision::segmentsRemoved).containsExactly(
                org.assertj.core.groups.Tuple.tuple(old.id(), Pruner.TimelineAction.REMOVE, 1),
                org.assertj.core.groups.Tuple.tuple(current.id(), Pruner.TimelineAction.TRIM, 1));
    }

    @Test
    void aTimelineWhoseSnapshotsWereLostOutsidePruneIsLeftForCheckToReport() throws IOException {
        TestTimelines lost = TestTimelines.start(repo, "cache-1", T0, 1000);
        SegmentManifest l1 = lost.segment(100);
        files.delete(Layout.manifestKey("cache-1", lost.id()));
        TestTimelines current = TestTimelines.start(repo, "cache-1", T0.plusSeconds(3600), 5000);
        current.segment(100);

        Pruner.Report report = new Pruner(repo, NOW).prune(RetentionPolicy.parse("--keep-last 1"), null, false);
        Pruner.TimelineDecision d = decision(report, lost.id());
        assertThat(d.action()).isEqualTo(Pruner.TimelineAction.KEEP);
        assertThat(d.reason()).contains("no snapshot in the repository lies on it", "check --repo");
        assertThat(files.stat(l1.object())).isPresent();
        assertThat(decision(report, current.id()).action()).isEqualTo(Pruner.TimelineAction.KEEP);
    }

    /** Passes everything to a FileStorage, records deletes, and can "crash" after a number of them. */
    private static final class RecordingStorage implements Storage {
        private final Storage inner;
        final List<String> deleted = new ArrayList<>();
        int crashAfterDeletes = -1;

        RecordingStorage(Storage inner) {
            this.inner = inner;
        }

        @Override
        public void delete(String key) throws IOException {
            if (crashAfterDeletes >= 0 && deleted.size() >= crashAfterDeletes) {
                throw new IOException("simulated crash");
            }
            inner.delete(key);
            deleted.add(key);
        }

        @Override
        public void put(String key, InputStream data, long length) throws IOException {
            inner.put(key, data, length);
        }

        @Override
        public InputStream get(String key) throws IOException {
            return inner.get(key);
        }

        @Override
        public int removeTemporaries(java.time.Instant before) throws IOException {
            return inner.removeTemporaries(before);
        }

        @Override
        public InputStream getRange(String key, long offset, long length) throws IOException {
            return inner.getRange(key, offset, length);
        }

        @Override
        public Optional<ObjectInfo> stat(String key) throws IOException {
            return inner.stat(key);
        }

        @Override
        public List<ObjectInfo> list(String prefix) throws IOException {
            return inner.list(prefix);
        }

        @Override
        public String describe() {
            return inner.describe();
        }

        @Override
        public void close() throws IOException {
            inner.close();
        }
    }
}
