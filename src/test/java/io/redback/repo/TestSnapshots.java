package io.redback.repo;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.time.Instant;
import java.util.Map;

/** Synthetic snapshots: a few bytes as the data object and a manifest that describes them truthfully. */
final class TestSnapshots {
    private TestSnapshots() {
    }

    static SnapshotId id(String text) {
        return SnapshotId.parse(text);
    }

    /** Stores data as the data object of source/id, then commits its manifest. */
    static SnapshotManifest commit(Repository repo, String source, SnapshotId id, byte[] data) throws IOException {
        String key = repo.dataKey(source, id, Compression.DEFAULT);
        repo.storage().put(key, new ByteArrayInputStream(data), data.length);
        SnapshotManifest m = manifest(source, id, data);
        repo.commit(m);
        return m;
    }

    static SnapshotManifest commit(Repository repo, String source, String id) throws IOException {
        return commit(repo, source, id(id), TestBytes.utf8("rdb of " + source + " " + id));
    }

    static SnapshotManifest manifest(String source, SnapshotId id, byte[] stored) {
        return manifest(source, id, stored, "8371b4fb1155b71f4a04d3e1bc3e18c4a990aeeb", 123_456L);
    }

    /** A manifest of a snapshot taken at replicationOffset under replicationId. */
    static SnapshotManifest manifest(String source, SnapshotId id, byte[] stored, String replicationId,
                                     long replicationOffset) {
        Instant started = id.time();
        return new SnapshotManifest(SnapshotManifest.FORMAT_VERSION, id, source, "10.0.0.5:6379", "7.2.4", 11,
                replicationId, replicationOffset, SnapshotManifest.Method.SYNC, started,
                started.plusSeconds(2), stored.length * 3L, stored.length, Compression.DEFAULT, TestBytes.sha256(stored),
                TestBytes.sha256(TestBytes.utf8("raw")), Map.of(0, Map.of("string", 7002L, "hash", 1001L), 1, Map.of("string", 200L)),
                7200, SnapshotManifest.VALID, Layout.dataKey(source, id, Compression.DEFAULT));
    }
}
