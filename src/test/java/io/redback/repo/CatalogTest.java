package io.redback.repo;

import static io.redback.repo.TestBytes.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.redback.storage.Storage;
import io.redback.storage.file.FileStorage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@io.redback.testsupport.Fast
class CatalogTest {
    @TempDir
    Path temp;
    private FileStorage storage;
    private Repository repo;

    @BeforeEach
    void setUp() throws IOException {
        storage = new FileStorage(temp.resolve("repo"));
        repo = Repository.init(storage, Clock.systemUTC());
    }

    private void putText(String key, String text) throws IOException {
        byte[] b = utf8(text);
        storage.put(key, new ByteArrayInputStream(b), b.length);
    }

    @Test
    void snapshotsAreListedNewestFirstFromTheirManifestsOnly() throws IOException {
        SnapshotManifest older = TestSnapshots.commit(repo, "cache-1", "20261121T031500.000Z-aaaaaa");
        SnapshotManifest newer = TestSnapshots.commit(repo, "cache-1", "20261122T031500.000Z-bbbbbb");
        SnapshotManifest other = TestSnapshots.commit(repo, "sessions", "20261122T040000.000Z-cccccc");
        // A backup that stopped before its manifest: data only. Garbage, not a snapshot.
        putText("sources/cache-1/snapshots/20261123T000000.000Z-dddddd/dump.rdb.zst", "half an upload");
        putText("sources/half/snapshots/20261123T000000.000Z-eeeeee/dump.rdb.zst", "another");
        putText("sources/cache-1/notes.txt", "not in the layout");

        Catalog catalog = repo.catalog();
        assertThat(catalog.snapshots("cache-1")).containsExactly(newer, older);
        assertThat(catalog.snapshots()).containsExactly(other, newer, older);
        assertThat(catalog.latest("cache-1")).contains(newer);
        assertThat(catalog.latest("half")).isEmpty();
        assertThat(catalog.sources()).containsExactly("cache-1", "sessions");
        assertThat(catalog.listing("cache-1").leftovers()).extracting(Storage.ObjectInfo::key)
                .containsExactly("sources/cache-1/snapshots/20261123T000000.000Z-dddddd/dump.rdb.zst");
        assertThat(catalog.listing(null).leftovers()).extracting(Storage.ObjectInfo::key).containsExactly(
                "sources/cache-1/snapshots/20261123T000000.000Z-dddddd/dump.rdb.zst",
                "sources/half/snapshots/20261123T000000.000Z-eeeeee/dump.rdb.zst");
        assertThat(catalog.listing(null).snapshots()).containsExactly(other, newer, older);
    }

    @Test
    void snapshotsTakenMillisecondsApartInOneSecondComeOutInOrderAndLatestIsTheNewest() throws IOException {
        Clock clock = new SteppingClock(Instant.parse("2026-11-22T03:15:00.100Z"), Duration.ofMillis(3));
        List<SnapshotManifest> taken = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            SnapshotId id = repo.newSnapshotId(clock);
            taken.add(TestSnapshots.commit(repo, "cache-1", id, utf8("rdb " + i)));
        }
        assertThat(taken).allSatisfy(m -> assertThat(m.id().toString()).startsWith("20261122T031500."));
        List<SnapshotManifest> newestFirst = new ArrayList<>(taken);
        java.util.Collections.reverse(newestFirst);

        Catalog catalog = repo.catalog();
        assertThat(catalog.snapshots("cache-1")).containsExactlyElementsOf(newestFirst);
        assertThat(catalog.latest("cache-1")).contains(taken.get(taken.size() - 1));
        assertThat(Retention.apply(taken.stream().map(SnapshotManifest::id).toList(), RetentionPolicy.parse("--keep-last 1")))
                .filteredOn(Retention.Decision::keep).extracting(Retention.Decision::id)
                .containsExactly(taken.get(taken.size() - 1).id());
    }

    /** A clock that moves on by step each time it is read. */
    private static final class SteppingClock extends Clock {
        private Instant next;
        private final Duration step;

        SteppingClock(Instant first, Duration step) {
            this.next = first;
            this.step = step;
        }

        @Override
        public Instant instant() {
            Instant now = next;
            next = next.plus(step);
            return now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            throw new UnsupportedOperationException("UTC only");
        }
    }

    @Test
    void aSnapshotIsFoundByItsIdOrAUniquePrefix() throws IOException {
        SnapshotManifest a = TestSnapshots.commit(repo, "cache-1", "20261121T031500.000Z-aaaaaa");
        SnapshotManifest b = TestSnapshots.commit(repo, "cache-1", "20261122T031500.000Z-bbbbbb");
        TestSnapshots.commit(repo, "sessions", "20261122T031500.000Z-bbbbbb");
        Catalog catalog = repo.catalog();

        assertThat(catalog.find("cache-1", "20261122T031500.000Z-bbbbbb")).isEqualTo(b);
        assertThat(catalog.find("cache-1", "20261121")).isEqualTo(a);
        assertThat(catalog.find(null, "20261121T")).isEqualTo(a);
        assertThatThrownBy(() -> catalog.find(null, "20261122T031500.000Z-bbbbbb")).isInstanceOf(RepositoryException.class)
                .hasMessage("'20261122T031500.000Z-bbbbbb' matches 2 snapshots (cache-1/20261122T031500.000Z-bbbbbb, "
                        + "sessions/20261122T031500.000Z-bbbbbb): give more of the id or name the source");
        assertThatThrownBy(() -> catalog.find("cache-1", "2026112")).hasMessageStartingWith("'2026112' matches 2 snapshots of source cache-1");
        assertThatThrownBy(() -> catalog.find("cache-1", "2027")).hasMessageStartingWith(
                "no snapshot of source cache-1 has an id starting with '2027' in " + storage.describe());
    }

    @Test
    void aMisplacedOrDamagedManifestIsSkippedAndReportedByKey() throws IOException {
        SnapshotManifest m = TestSnapshots.commit(repo, "cache-1", "20261122T031500.000Z-bbbbbb");
        String elsewhere = "sources/cache-1/snapshots/20261122T031500.000Z-cccccc/manifest.json";
        storage.put(elsewhere, storage.get(Layout.manifestKey("cache-1", m.id())), -1);
        List<SkippedDocument> told = new java.util.ArrayList<>();
        repo.onSkipped(told::add);
        assertThat(repo.catalog().snapshots("cache-1")).containsExactly(m);
        assertThat(repo.catalog().snapshots()).containsExactly(m);
        assertThat(told).as("each document is told once").hasSize(1);
        assertThat(repo.skipped()).isEqualTo(told);
        assertThat(told.get(0).key()).isEqualTo(elsewhere);
        assertThat(told.get(0).source()).isEqualTo("cache-1");
        assertThat(told.get(0).problem()).startsWith(elsewhere + " in " + storage.describe()
                + " describes snapshot cache-1/20261122T031500.000Z-bbbbbb");

        putText(elsewhere, "{ not json");
        Repository reopened = Repository.open(storage);
        assertThat(reopened.catalog().find("cache-1", "20261122")).isEqualTo(m);
        assertThat(reopened.skipped()).singleElement().extracting(SkippedDocument::problem).asString()
                .startsWith(elsewhere + " in " + storage.describe() + " is not valid JSON");
    }

    @Test
    void aManifestUnderAFolderNoKeyMayNameIsSkipped() throws IOException {
        SnapshotManifest m = TestSnapshots.commit(repo, "cache-1", "20261122T031500.000Z-bbbbbb");
        String odd = "sources/cache.tmp-1/snapshots/20261122T031500.000Z-bbbbbb/manifest.json";
        java.nio.file.Files.createDirectories(storage.root().resolve(odd).getParent());
        java.nio.file.Files.writeString(storage.root().resolve(odd), "{}");
        assertThat(repo.catalog().snapshots()).containsExactly(m);
        assertThat(repo.skipped()).singleElement().extracting(SkippedDocument::problem).asString()
                .startsWith(odd + " cannot be read: invalid object key");
    }

    @Test
    void aManifestOfANewerFormatIsSkippedSayingToUpgrade() throws IOException {
        putText("sources/cache-1/snapshots/20261122T031500.000Z-bbbbbb/manifest.json", "{\"formatVersion\": 2}");
        assertThat(repo.catalog().snapshots("cache-1")).isEmpty();
        assertThat(repo.skipped()).singleElement().extracting(SkippedDocument::problem).asString().endsWith(
                "has format version 2 but this redback reads versions up to 1: upgrade redback");
    }
}
