package io.redback.repo;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.annotation.JsonValue;
import io.redback.storage.StorageKeys;
import java.time.Instant;
import java.util.Collections;
import java.util.HexFormat;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What a snapshot is, written as {@code manifest.json} beside its data object and last, so that
 * a manifest's presence is what makes a snapshot exist. Field names are stable JSON (see
 * docs/repository-format.md); {@code sourceAddress} is host:port and never carries a password.
 * Nullable: {@code redisVersion}, {@code replicationId} and {@code replicationOffset} (an
 * imported file may not say); {@code keys} maps db number to type name to count.
 * {@code startedAt} is when taking the snapshot started: the id carries that time to the
 * millisecond (the id's time is at or just before {@code startedAt}). {@code scan} is there only
 * for a snapshot taken by {@link Method#SCAN} (added later: manifests without it read as null).
 */
@JsonPropertyOrder({"formatVersion", "id", "source", "sourceAddress", "redisVersion", "rdbVersion", "replicationId",
        "replicationOffset", "method", "startedAt", "finishedAt", "rawSize", "storedSize", "compression",
        "sha256Stored", "sha256Raw", "keys", "keysWithExpiry", "verdict", "object", "scan"})
public record SnapshotManifest(
        int formatVersion,
        SnapshotId id,
        String source,
        String sourceAddress,
        String redisVersion,
        int rdbVersion,
        String replicationId,
        Long replicationOffset,
        Method method,
        Instant startedAt,
        Instant finishedAt,
        long rawSize,
        long storedSize,
        Compression compression,
        String sha256Stored,
        String sha256Raw,
        Map<Integer, Map<String, Long>> keys,
        long keysWithExpiry,
        String verdict,
        String object,
        @JsonInclude(JsonInclude.Include.NON_NULL) Scan scan) {

    /** The manifest format this release writes and the newest it reads. */
    public static final int FORMAT_VERSION = 1;
    /** The verdict of a snapshot whose RDB was read whole and verified before it was committed. */
    public static final String VALID = "valid";

    /** Fields added after format version 1 was first written: null when a manifest lacks them. */
    static final java.util.Set<String> ADDED_FIELDS = java.util.Set.of("scan");

    /** A manifest of a snapshot not taken by a scan. */
    public SnapshotManifest(int formatVersion, SnapshotId id, String source, String sourceAddress, String redisVersion,
                            int rdbVersion, String replicationId, Long replicationOffset, Method method,
                            Instant startedAt, Instant finishedAt, long rawSize, long storedSize,
                            Compression compression, String sha256Stored, String sha256Raw,
                            Map<Integer, Map<String, Long>> keys, long keysWithExpiry, String verdict, String object) {
        this(formatVersion, id, source, sourceAddress, redisVersion, rdbVersion, replicationId, replicationOffset, method,
                startedAt, finishedAt, rawSize, storedSize, compression, sha256Stored, sha256Raw, keys, keysWithExpiry,
                verdict, object, null);
    }

    @JsonCreator
    public SnapshotManifest {
        if (formatVersion < 1) {
            throw new IllegalArgumentException("formatVersion must be 1 or more, not " + formatVersion);
        }
        Objects.requireNonNull(id, "id");
        Layout.requireSourceName(source);
        Objects.requireNonNull(sourceAddress, "sourceAddress");
        if (sourceAddress.contains("@") || sourceAddress.contains("://")) {
            throw new IllegalArgumentException("sourceAddress must be host:port, never a URI that may hold a password");
        }
        if (rdbVersion < 1) {
            throw new IllegalArgumentException("rdbVersion must be 1 or more, not " + rdbVersion);
        }
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(startedAt, "startedAt");
        Objects.requireNonNull(finishedAt, "finishedAt");
        if (finishedAt.isBefore(startedAt)) {
            throw new IllegalArgumentException("finishedAt " + finishedAt + " is before startedAt " + startedAt);
        }
        if (rawSize < 0 || storedSize < 0 || keysWithExpiry < 0) {
            throw new IllegalArgumentException("sizes and counts must not be negative");
        }
        if (replicationOffset != null && replicationOffset < 0) {
            throw new IllegalArgumentException("replicationOffset must not be negative");
        }
        Objects.requireNonNull(compression, "compression");
        requireSha256("sha256Stored", sha256Stored);
        requireSha256("sha256Raw", sha256Raw);
        keys = copy(Objects.requireNonNull(keys, "keys"));
        Objects.requireNonNull(verdict, "verdict");
        StorageKeys.requireKey(Objects.requireNonNull(object, "object"));
        if ((method == Method.SCAN) != (scan != null)) {
            throw new IllegalArgumentException("scan is given for method scan, and only then");
        }
        if (method == Method.SCAN && (replicationId != null || replicationOffset != null)) {
            throw new IllegalArgumentException("a scan snapshot lies at no replication offset");
        }
    }

    /**
     * How a {@link Method#SCAN} snapshot was read: when the scan of the keys started and ended (the
     * keys were read one after the other in between, so it is not one point in time), keys that
     * vanished between SCAN naming them and DUMP reading them, and keys SCAN named twice.
     */
    @JsonPropertyOrder({"startedAt", "finishedAt", "vanishedKeys", "repeatedKeys"})
    public record Scan(Instant startedAt, Instant finishedAt, long vanishedKeys, long repeatedKeys) {
        public Scan {
            startedAt = Objects.requireNonNull(startedAt, "startedAt").truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
            finishedAt = Objects.requireNonNull(finishedAt, "finishedAt").truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
            if (finishedAt.isBefore(startedAt) || vanishedKeys < 0 || repeatedKeys < 0) {
                throw new IllegalArgumentException("a scan ends after it starts and counts nothing negative");
            }
        }
    }

    /** How the RDB was obtained. */
    public enum Method {
        /** A full sync as a replica (REPLCONF/PSYNC). */
        SYNC,
        /** BGSAVE on the server, then its dump file read. */
        BGSAVE,
        /** An existing RDB file brought into the repository. */
        IMPORT,
        /** SCAN, then DUMP and the expiry of each key, written as an RDB (not one point in time). */
        SCAN;

        @JsonValue
        public String jsonName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        @JsonCreator
        public static Method of(String name) {
            for (Method m : values()) {
                if (m.jsonName().equals(name)) {
                    return m;
                }
            }
            throw new IllegalArgumentException("method '" + name + "' is not one of sync, bgsave, import, scan");
        }
    }

    /** Keys in every database, all types together. */
    public long totalKeys() {
        return keys.values().stream().flatMap(m -> m.values().stream()).mapToLong(Long::longValue).sum();
    }

    /** 64 lowercase hex digits, as every manifest writes its SHA-256s; IllegalArgumentException otherwise. */
    static void requireSha256(String field, String hex) {
        if (hex == null || hex.length() != 64 || !hex.chars().allMatch(HexFormat::isHexDigit)
                || !hex.equals(hex.toLowerCase(java.util.Locale.ROOT))) {
            throw new IllegalArgumentException(field + " must be 64 lowercase hex digits, not '" + hex + "'");
        }
    }

    /** A sorted, unmodifiable copy, so that equal manifests print the same JSON. */
    private static Map<Integer, Map<String, Long>> copy(Map<Integer, Map<String, Long>> keys) {
        SortedMap<Integer, Map<String, Long>> out = new TreeMap<>();
        keys.forEach((db, types) -> {
            if (db == null || db < 0) {
                throw new IllegalArgumentException("keys: db numbers must be 0 or more, not " + db);
            }
            SortedMap<String, Long> counts = new TreeMap<>();
            types.forEach((type, n) -> {
                if (type == null || n == null || n < 0) {
                    throw new IllegalArgumentException("keys: db " + db + " has a bad entry " + type + "=" + n);
                }
                counts.put(type, n);
            });
            out.put(db, Collections.unmodifiableSortedMap(counts));
        });
        return Collections.unmodifiableSortedMap(out);
    }
}
