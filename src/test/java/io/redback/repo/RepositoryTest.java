package io.redback.repo;

import static io.redback.repo.TestBytes.readString;
import static io.redback.repo.TestBytes.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.redback.storage.file.FileStorage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@io.redback.testsupport.Fast
class RepositoryTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-22T03:15:00.250Z"), ZoneOffset.UTC);

    @TempDir
    Path temp;
    private FileStorage storage;

    @BeforeEach
    void setUp() {
        storage = new FileStorage(temp.resolve("repo"));
    }

    private void putText(String key, String text) throws IOException {
        byte[] b = utf8(text);
        storage.put(key, new ByteArrayInputStream(b), b.length);
    }

    @Test
    void initWritesConfigWithFormatVersionIdAndTimeAndOpenReadsItBack() throws IOException {
        Repository created = Repository.init(storage, CLOCK);
        JsonNode config = new ObjectMapper().readTree(readString(storage.get("config.json")));
        assertThat(config.get("formatVersion").intValue()).isEqualTo(1);
        assertThat(config.get("id").textValue()).matches("[0-9a-f]{32}");
        assertThat(config.get("created").textValue()).isEqualTo("2026-11-22T03:15:00Z");
        assertThat(Repository.open(storage).config()).isEqualTo(created.config());
        assertThat(Repository.init(new FileStorage(temp.resolve("other")), CLOCK).config().id())
                .isNotEqualTo(created.config().id());
    }

    @Test
    void openRefusesALocationWithoutARepository() {
        assertThatThrownBy(() -> Repository.open(storage)).isInstanceOf(RepositoryException.class)
                .hasMessage("no redback repository at " + storage.describe()
                        + " (no config.json): check the repository URL, or create one with `redback init`");
    }

    @Test
    void aFirstBackupMayCreateTheRepositoryAndSaysSo() throws IOException {
        List<String> notices = new ArrayList<>();
        Repository first = Repository.openOrInit(storage, CLOCK, notices::add);
        assertThat(notices).singleElement().asString().startsWith("created a new repository at " + storage.describe()
                + " (id " + first.config().id() + ", format 1)");
        Repository second = Repository.openOrInit(storage, CLOCK, notices::add);
        assertThat(second.config()).isEqualTo(first.config());
        assertThat(notices).hasSize(1);
    }

    @Test
    void initRefusesAnExistingRepositoryAndSomeoneElsesFolder() throws IOException {
        Repository.init(storage, CLOCK);
        assertThatThrownBy(() -> Repository.init(storage, CLOCK)).hasMessageContaining("a repository already exists");

        FileStorage occupied = new FileStorage(temp.resolve("photos"));
        occupied.put("holiday.jpg", new ByteArrayInputStream(new byte[3]), 3);
        assertThatThrownBy(() -> Repository.init(occupied, CLOCK)).hasMessageContaining("is not empty and has no config.json");
        assertThatThrownBy(() -> Repository.openOrInit(occupied, CLOCK, n -> { })).hasMessageContaining("is not empty");
    }

    @Test
    void aNewerFormatIsRefusedWithAdvice() throws IOException {
        putText("config.json", "{\"formatVersion\": 2, \"id\": \"x\", \"created\": \"2030-01-01T00:00:00Z\", \"shards\": 4}");
        assertThatThrownBy(() -> Repository.open(storage)).isInstanceOf(RepositoryException.class)
                .hasMessage("config.json in " + storage.describe()
                        + " has format version 2 but this redback reads versions up to 1: upgrade redback");
    }

    @Test
    void aDamagedConfigIsNamed() throws IOException {
        putText("config.json", "{\"formatVersion\": 1, \"id\": ");
        assertThatThrownBy(() -> Repository.open(storage)).hasMessageStartingWith("config.json in " + storage.describe()
                + " is not valid JSON");
        putText("config.json", "[1, 2]");
        assertThatThrownBy(() -> Repository.open(storage)).hasMessageContaining("has no valid formatVersion");
        putText("config.json", "{\"formatVersion\": 1, \"id\": \"abc\"}");
        assertThatThrownBy(() -> Repository.open(storage)).hasMessageContaining("is not a valid RepositoryConfig")
                .hasMessageContaining("created");
        putText("config.json", "{\"formatVersion\": 1, \"id\": \"abc\", \"created\": \"yesterday\"}");
        assertThatThrownBy(() -> Repository.open(storage)).hasMessageContaining("not an ISO-8601 UTC time");
    }

    @Test
    void aCommitWritesTheManifestOnlyAfterCheckingTheDataObject() throws IOException {
        Repository repo = Repository.init(storage, CLOCK);
        SnapshotId id = repo.newSnapshotId(CLOCK);
        assertThat(id.toString()).matches("20261122T031500.250Z-[0-9a-f]{6}");
        byte[] data = utf8("compressed rdb");
        SnapshotManifest manifest = TestSnapshots.manifest("cache-1", id, data);

        assertThatThrownBy(() -> repo.commit(manifest)).isInstanceOf(RepositoryException.class)
                .hasMessageContaining("its data object sources/cache-1/snapshots/" + id + "/dump.rdb.zst is not in");
        storage.put(repo.dataKey("cache-1", id, Compression.DEFAULT), new ByteArrayInputStream(data, 0, 5), 5);
        assertThatThrownBy(() -> repo.commit(manifest)).hasMessageContaining("has 5 bytes, the manifest says 14");
        assertThat(storage.stat("sources/cache-1/snapshots/" + id + "/manifest.json")).isEmpty();

        storage.put(repo.dataKey("cache-1", id, Compression.DEFAULT), new ByteArrayInputStream(data), data.length);
        repo.commit(manifest);
        assertThat(repo.catalog().snapshots("cache-1")).containsExactly(manifest);
    }

    @Test
    void theLayoutPutsEverySourceInItsOwnFolder() {
        SnapshotId id = SnapshotId.parse("20261122T031500.000Z-ab12cd");
        assertThat(Layout.dataKey("cache-1", id, Compression.DEFAULT)).isEqualTo("sources/cache-1/snapshots/20261122T031500.000Z-ab12cd/dump.rdb.zst");
        assertThat(Layout.dataKey("cache-1", id, Compression.NONE)).isEqualTo("sources/cache-1/snapshots/20261122T031500.000Z-ab12cd/dump.rdb");
        assertThat(Layout.manifestKey("cache-1", id)).isEqualTo("sources/cache-1/snapshots/20261122T031500.000Z-ab12cd/manifest.json");
        for (String bad : new String[] {"", "a/b", "..", ".hidden", "-x", "with space", "x".repeat(65)}) {
            assertThatThrownBy(() -> Repository.checkSourceName(bad)).as(bad).hasMessageContaining("is not valid");
        }
        assertThat(Repository.checkSourceName("cache-1.eu_west")).isEqualTo("cache-1.eu_west");
    }
}
