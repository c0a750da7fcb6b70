package io.redback.repo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

@io.redback.testsupport.Fast
class SnapshotManifestTest {
    private static final SnapshotId ID = SnapshotId.parse("20261122T031500.412Z-ab12cd");

    @Test
    void theJsonHasStableFieldNamesInAStableOrder() throws IOException {
        SnapshotManifest m = TestSnapshots.manifest("cache-1", ID, TestBytes.utf8("stored"));
        JsonNode json = new ObjectMapper().readTree(RepoJson.write(m));
        List<String> fields = new ArrayList<>();
        json.fieldNames().forEachRemaining(fields::add);
        assertThat(fields).containsExactly("formatVersion", "id", "source", "sourceAddress", "redisVersion", "rdbVersion",
                "replicationId", "replicationOffset", "method", "startedAt", "finishedAt", "rawSize", "storedSize",
                "compression", "sha256Stored", "sha256Raw", "keys", "keysWithExpiry", "verdict", "object");
        assertThat(json.get("id").textValue()).isEqualTo("20261122T031500.412Z-ab12cd");
        assertThat(json.get("method").textValue()).isEqualTo("sync");
        assertThat(json.get("compression").textValue()).isEqualTo("zstd:3");
        assertThat(json.get("startedAt").textValue()).isEqualTo("2026-11-22T03:15:00.412Z");
        assertThat(json.get("keys").toString()).isEqualTo("{\"0\":{\"hash\":1001,\"string\":7002},\"1\":{\"string\":200}}");
        assertThat(json.get("verdict").textValue()).isEqualTo("valid");
        assertThat(json.get("object").textValue()).isEqualTo("sources/cache-1/snapshots/20261122T031500.412Z-ab12cd/dump.rdb.zst");
        assertThat(m.totalKeys()).isEqualTo(8203);
    }

    @Test
    void anImportWithoutReplicationFactsRoundTrips() throws IOException {
        SnapshotManifest m = new SnapshotManifest(1, ID, "legacy", "file", null, 9, null, null,
                SnapshotManifest.Method.IMPORT, Instant.parse("2026-11-22T03:15:00Z"), Instant.parse("2026-11-22T03:15:01Z"),
                10, 10, Compression.NONE, "0".repeat(64), "0".repeat(64), Map.of(), 0, "valid",
                "sources/legacy/snapshots/20261122T031500.412Z-ab12cd/dump.rdb");
        String json = new String(RepoJson.write(m), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(json).contains("\"replicationOffset\" : null", "\"method\" : \"import\"", "\"compression\" : \"none\"");
        assertThat(new ObjectMapper().readTree(json).size()).isEqualTo(20);
    }

    @Test
    void aManifestNeverHoldsAPasswordOrNonsense() {
        assertThatThrownBy(() -> withAddress("redis://:hunter2@10.0.0.5:6379")).hasMessageContaining("never a URI");
        assertThatThrownBy(() -> withAddress("default:hunter2@10.0.0.5:6379")).hasMessageContaining("never a URI");
        assertThatThrownBy(() -> new SnapshotManifest(1, ID, "cache-1", "h:1", null, 11, null, null,
                SnapshotManifest.Method.SYNC, Instant.EPOCH, Instant.EPOCH, 1, 1, Compression.DEFAULT, "ABC", "0".repeat(64),
                Map.of(), 0, "valid", "k")).hasMessageContaining("sha256Stored must be 64 lowercase hex digits");
    }

    private static SnapshotManifest withAddress(String address) {
        SnapshotManifest m = TestSnapshots.manifest("cache-1", ID, new byte[1]);
        return new SnapshotManifest(m.formatVersion(), m.id(), m.source(), address, m.redisVersion(), m.rdbVersion(),
                m.replicationId(), m.replicationOffset(), m.method(), m.startedAt(), m.finishedAt(), m.rawSize(),
                m.storedSize(), m.compression(), m.sha256Stored(), m.sha256Raw(), m.keys(), m.keysWithExpiry(), m.verdict(),
                m.object());
    }

    @Test
    void snapshotIdsAreUtcMillisecondsWithARandomSuffixAndSortInTimeOrder() {
        SnapshotId id = SnapshotId.at(Instant.parse("2026-11-22T03:15:00.412999Z"), new Random(1));
        assertThat(id.toString()).matches("20261122T031500\\.412Z-[0-9a-f]{6}");
        assertThat(SnapshotId.parse(id.toString())).isEqualTo(id);
        assertThat(id.time()).isEqualTo(Instant.parse("2026-11-22T03:15:00.412Z"));
        assertThat(SnapshotId.at(Instant.parse("2026-11-22T03:15:00Z"), new Random(1)).toString())
                .as("always 3 digits of milliseconds").startsWith("20261122T031500.000Z-");
        assertThat(SnapshotId.parse("20261122T031500.412Z-ffffff")).isGreaterThan(SnapshotId.parse("20261122T031500.412Z-000000"))
                .isLessThan(SnapshotId.parse("20261122T031500.413Z-000000"));
        assertThat(SnapshotId.parse("20261122T031500.999Z-ffffff")).isLessThan(SnapshotId.parse("20261122T031501.000Z-000000"));
        for (String bad : new String[] {"20261122T031500.412Z", "20261122T031500.412Z-ABCDEF", "20261322T031500.412Z-abcdef",
                "20260230T031500.412Z-abcdef", "2026-11-22T03:15:00.412Z-abcdef", "20261122T031500.412Z-abcdef/x",
                "20261122T031500Z-abcdef", "20261122T031500.41Z-abcdef", "20261122T031500.4120Z-abcdef"}) {
            assertThat(SnapshotId.isId(bad)).as(bad).isFalse();
        }
    }

    @Test
    void compressionNamesItsDataObject() {
        assertThat(Compression.parse("zstd:3")).isEqualTo(Compression.DEFAULT).hasToString("zstd:3");
        assertThat(Compression.parse("zstd")).isEqualTo(Compression.zstd(3));
        assertThat(Compression.parse("none").fileName()).isEqualTo("dump.rdb");
        assertThat(Compression.zstd(19).fileName()).isEqualTo("dump.rdb.zst");
        assertThatThrownBy(() -> Compression.parse("gzip")).hasMessageContaining("use zstd:<level> or none");
    }
}
