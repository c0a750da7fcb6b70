package io.redback.cli;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.redback.repo.SnapshotManifest;
import java.lang.reflect.RecordComponent;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A snapshot manifest as {@code list}, {@code show} and {@code backup} print it in JSON: field for
 * field as {@code manifest.json} holds it, times as ISO-8601 text and {@code keys} keyed by the
 * database number as text.
 */
@JsonPropertyOrder({"formatVersion", "id", "source", "sourceAddress", "redisVersion", "rdbVersion", "replicationId",
        "replicationOffset", "method", "startedAt", "finishedAt", "rawSize", "storedSize", "compression",
        "sha256Stored", "sha256Raw", "keys", "keysWithExpiry", "verdict", "object"})
record ManifestJson(int formatVersion, String id, String source, String sourceAddress, String redisVersion,
                    int rdbVersion, String replicationId, Long replicationOffset, String method, String startedAt,
                    String finishedAt, long rawSize, long storedSize, String compression, String sha256Stored,
                    String sha256Raw, Map<String, Map<String, Long>> keys, long keysWithExpiry, String verdict,
                    String object) {

    static ManifestJson of(SnapshotManifest m) {
        Map<String, Map<String, Long>> keys = new LinkedHashMap<>();
        m.keys().forEach((db, types) -> keys.put(Integer.toString(db), types));
        return new ManifestJson(m.formatVersion(), m.id().toString(), m.source(), m.sourceAddress(), m.redisVersion(),
                m.rdbVersion(), m.replicationId(), m.replicationOffset(), m.method().jsonName(), m.startedAt().toString(),
                m.finishedAt().toString(), m.rawSize(), m.storedSize(), m.compression().toString(), m.sha256Stored(),
                m.sha256Raw(), keys, m.keysWithExpiry(), m.verdict(), m.object());
    }

    /** The fields in JSON order, name to value, for the text of {@code show}. */
    Map<String, Object> fields() {
        Map<String, Object> out = new LinkedHashMap<>();
        for (RecordComponent c : ManifestJson.class.getRecordComponents()) {
            try {
                out.put(c.getName(), c.getAccessor().invoke(this));
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
        }
        return out;
    }
}
