package io.redback.cli;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.redback.repo.SnapshotManifest;
import java.lang.reflect.RecordComponent;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A snapshot manifest as {@code list}, {@code show} and {@code backup} print it in JSON: field for
 * field as {@code manifest.json} holds it, times as ISO-8601 text and {@code keys} keyed by the
 * database number as text; {@code scan} only for a snapshot taken by a scan.
 */
@JsonPropertyOrder({"formatVersion", "id", "source", "sourceAddress", "redisVersion", "rdbVersion", "replicationId",
        "replicationOffset", "method", "startedAt", "finishedAt", "rawSize", "storedSize", "compression",
        "sha256Stored", "sha256Raw", "keys", "keysWithExpiry", "verdict", "object", "scan"})
record ManifestJson(int formatVersion, String id, String source, String sourceAddress, String redisVersion,
                    int rdbVersion, String replicationId, Long replicationOffset, String method, String startedAt,
                    String finishedAt, long rawSize, long storedSize, String compression, String sha256Stored,
                    String sha256Raw, Map<String, Map<String, Long>> keys, long keysWithExpiry, String verdict,
                    String object, @JsonInclude(JsonInclude.Include.NON_NULL) ScanJson scan) {

    static ManifestJson of(SnapshotManifest m) {
        Map<String, Map<String, Long>> keys = new LinkedHashMap<>();
        m.keys().forEach((db, types) -> keys.put(Integer.toString(db), types));
        return new ManifestJson(m.formatVersion(), m.id().toString(), m.source(), m.sourceAddress(), m.redisVersion(),
                m.rdbVersion(), m.replicationId(), m.replicationOffset(), m.method().jsonName(), m.startedAt().toString(),
                m.finishedAt().toString(), m.rawSize(), m.storedSize(), m.compression().toString(), m.sha256Stored(),
                m.sha256Raw(), keys, m.keysWithExpiry(), m.verdict(), m.object(),
                m.scan() == null ? null : new ScanJson(m.scan().startedAt().toString(),
                        m.scan().finishedAt().toString(), m.scan().vanishedKeys(), m.scan().repeatedKeys()));
    }

    /** The fields in JSON order, name to value, for the text of {@code show}. */
    Map<String, Object> fields() {
        Map<String, Object> out = new LinkedHashMap<>();
        for (RecordComponent c : ManifestJson.class.getRecordComponents()) {
            try {
                Object v = c.getAccessor().invoke(this);
                if (v == null && c.getName().equals("scan")) {
                    continue;
                }
                out.put(c.getName(), v);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
        }
        return out;
    }

    /** How a scan read the keys: its start and end (ISO-8601), keys that vanished, keys SCAN named twice. */
    record ScanJson(String startedAt, String finishedAt, long vanishedKeys, long repeatedKeys) {
    }
}
