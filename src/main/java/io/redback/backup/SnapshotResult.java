package io.redback.backup;

import io.redback.repo.Compression;
import io.redback.repo.SnapshotId;
import io.redback.repo.SnapshotManifest;
import io.redback.repo.SnapshotManifest.Method;

import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * What taking one snapshot produced: the data object (its key, sizes and SHA-256 of both the
 * raw RDB and the stored bytes), what the RDB holds (format version, the Redis/Valkey version
 * that wrote it, keys per database and type, keys with an expiry, checksum outcome), where in
 * the source's history it sits (replication id and offset) and when it was taken. Everything a
 * {@link io.redback.repo.SnapshotManifest} needs; the manifest itself is the caller's to write,
 * after this returned.
 *
 * @param key                the storage key of the data object
 * @param method             how the RDB was obtained: a full sync, BGSAVE, or an imported file
 * @param compression        how the object is stored
 * @param rawSize            bytes of the RDB
 * @param storedSize         bytes of the stored object
 * @param sha256Raw          SHA-256 of the RDB, hex
 * @param sha256Stored       SHA-256 of the stored object, hex
 * @param rdbVersion         the RDB format version (10 for Redis 7.0, 11 for 7.2, ...)
 * @param rdbFormat          the header as a label, e.g. "REDIS0011" or "VALKEY080"
 * @param redisVersion       the RDB's redis-ver aux field (Valkey writes one too), or null
 * @param valkeyVersion      the RDB's valkey-ver aux field, or null
 * @param serverName         "redis" or "valkey" from the source's INFO, or null when not asked
 * @param serverVersion      the source's version from INFO, or null
 * @param keys               keys in the RDB
 * @param keysPerDbAndType   database to data type ("string", "list", "set", "zset", "hash", "stream", "module") to keys
 * @param keysWithExpiry     keys that have a TTL
 * @param checksum           "verified", "disabled" (rdbchecksum no) or "absent" (RDB before version 5)
 * @param replicationId      the replication id the RDB belongs to (from +FULLRESYNC, else the RDB's repl-id), or null
 * @param replicationOffset  the offset the RDB corresponds to, or null when unknown
 * @param startedAt          when the snapshot started (before the transfer)
 * @param finishedAt         when the data object was stored and verified
 * @param scan               how a scan read the keys ({@link Method#SCAN} only), else null
 */
public record SnapshotResult(String key, Method method, Compression compression, long rawSize, long storedSize,
                             String sha256Raw, String sha256Stored, int rdbVersion, String rdbFormat,
                             String redisVersion, String valkeyVersion, String serverName, String serverVersion,
                             long keys, Map<Integer, Map<String, Long>> keysPerDbAndType, long keysWithExpiry,
                             String checksum, String replicationId, Long replicationOffset,
                             Instant startedAt, Instant finishedAt, SnapshotManifest.Scan scan) {
    public SnapshotResult {
        keysPerDbAndType = Collections.unmodifiableMap(new TreeMap<>(keysPerDbAndType)); // sorted, for stable manifests
    }

    public Duration elapsed() {
        return Duration.between(startedAt, finishedAt);
    }

    /** Raw RDB megabytes (10^6 bytes) per second over the whole snapshot. */
    public double mbPerSecond() {
        long nanos = Math.max(1, elapsed().toNanos());
        return rawSize / 1e6 / (nanos / 1e9);
    }

    /**
     * The manifest that commits this snapshot as id of source (read from sourceAddress, host:port).
     * Its start is never before the id's time, so that the id and startedAt agree.
     */
    public SnapshotManifest manifest(SnapshotId id, String source, String sourceAddress) {
        return new SnapshotManifest(SnapshotManifest.FORMAT_VERSION, id, source, sourceAddress,
                redisVersion != null ? redisVersion : serverVersion, rdbVersion, replicationId, replicationOffset,
                method, startedAt.isBefore(id.time()) ? id.time() : startedAt, finishedAt, rawSize, storedSize,
                compression, sha256Stored, sha256Raw, keysPerDbAndType, keysWithExpiry, SnapshotManifest.VALID, key, scan);
    }
}
