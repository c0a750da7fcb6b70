package io.redback.rdb;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The outcome of {@link RdbInspection}: where an RDB file's keys and bytes go. It lists the
 * biggest keys by serialized size and by element count, tallies keys and bytes per data type,
 * encoding, key prefix and database, and sorts keys by how soon they expire. Sizes are the
 * bytes the keys take in the file (name plus serialized value), not what they take in a
 * server's memory. When the file is damaged, {@link #error()} says where and every figure
 * covers the keys read before it.
 *
 * @param prefixes         keys per prefix, biggest first; may hold {@link #NO_PREFIX} and {@link #OTHER_PREFIXES}
 * @param prefixLimitReached whether distinct prefixes hit the limit, so some were folded into {@link #OTHER_PREFIXES}
 * @param keysWithIdle     keys stored with an LRU idle time (the writer ran an LRU maxmemory policy)
 * @param keysWithFreq     keys stored with an LFU counter (the writer ran an LFU maxmemory policy)
 */
public record RdbInspectionReport(
        String file,
        long size,
        RdbHeader header,
        RdbInspection.Options options,
        long nowMs,
        long keys,
        long bytes,
        long elements,
        List<BigKey> biggestByBytes,
        List<BigKey> biggestByElements,
        Map<String, Tally> types,
        Map<String, Tally> encodings,
        Map<String, Tally> prefixes,
        boolean prefixLimitReached,
        Map<Integer, Tally> databases,
        ExpiryHistogram expiry,
        long keysWithIdle,
        long keysWithFreq,
        RdbException error,
        long elapsedNanos) {

    /** The prefix group of keys that do not contain the delimiter. */
    public static final String NO_PREFIX = "(no prefix)";
    /** The prefix group of keys whose prefix arrived after the prefix limit was reached. */
    public static final String OTHER_PREFIXES = "(other)";

    /** Whether the whole file was read, and if not, why. */
    public enum Outcome {
        /** Every key was read. */
        COMPLETE,
        /** The file is damaged or truncated: the figures cover the keys before the damage. */
        DAMAGED,
        /** The file is of a newer version or holds a type this release cannot read. */
        UNSUPPORTED
    }

    public Outcome outcome() {
        if (error == null) {
            return Outcome.COMPLETE;
        }
        return switch (error.kind()) {
            case TOO_NEW, UNSUPPORTED, TOO_LARGE -> Outcome.UNSUPPORTED;
            default -> Outcome.DAMAGED;
        };
    }

    /** Throughput in MB/s (10^6 bytes per second). */
    public double megabytesPerSecond() {
        return elapsedNanos == 0 ? 0 : size / 1e6 / (elapsedNanos / 1e9);
    }

    /**
     * One key among the biggest.
     *
     * @param key       the name with non-printable bytes escaped
     * @param bytes     serialized size in the file: name plus value
     * @param expiresAt the absolute expiry, or null when the key has none
     */
    public record BigKey(int db, String key, String type, String encoding, long bytes, long elements,
                         Instant expiresAt) {
    }

    /** How many keys fall in a group, how many bytes they take in the file and how many elements they hold. */
    public record Tally(long keys, long bytes, long elements) {
    }

    /**
     * Keys by when they expire, relative to the report's {@code nowMs}. The ranges do not
     * overlap: {@code within1Day} counts keys expiring after one hour but within a day, and so on.
     */
    public record ExpiryHistogram(long noExpiry, long alreadyExpired, long within1Hour, long within1Day,
                                  long within7Days, long within30Days, long later) {
        /** Keys that have an expiry (expired or not). */
        public long withExpiry() {
            return alreadyExpired + within1Hour + within1Day + within7Days + within30Days + later;
        }
    }
}
