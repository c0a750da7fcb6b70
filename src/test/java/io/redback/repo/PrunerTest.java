package io.redback.repo;

import static io.redback.repo.TestBytes.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.redback.repo.file.FileStorage;
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
