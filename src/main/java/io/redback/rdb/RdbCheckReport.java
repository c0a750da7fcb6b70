package io.redback.rdb;

import java.util.List;
import java.util.Map;

/**
 * The outcome of {@link RdbCheck}: the verdict and everything learned about the file. When the
 * file is damaged, {@link #error()} says where and the counts cover the keys read before it.
 * {@code trailingBytes} counts bytes after the RDB's end (an AOF with an RDB preamble has its
 * commands there).
 */
public record RdbCheckReport(
        String file,
        long size,
        RdbHeader header,
        Map<String, String> aux,
        long keys,
        long elements,
        Map<Integer, Map<String, Long>> keysPerDbAndType,
        Map<String, Long> keysPerEncoding,
        long keysWithExpiry,
        long keysAlreadyExpired,
        List<String> functions,
        Map<String, Long> modules,
        ChecksumStatus checksum,
        long storedCrc,
        long computedCrc,
        RdbException error,
        List<String> warnings,
        long trailingBytes,
        long elapsedNanos) {

    /** What a user does next depends on this. */
    public enum Verdict {
        /** Every byte was read and verified. */
        VALID,
        /** The file is damaged or truncated. */
        DAMAGED,
        /** The file is of a newer version, holds a type this release cannot read, or a structure too large for the heap. */
        UNSUPPORTED
    }

    public Verdict verdict() {
        if (error == null) {
            return Verdict.VALID;
        }
        return switch (error.kind()) {
            case TOO_NEW, UNSUPPORTED, TOO_LARGE -> Verdict.UNSUPPORTED;
            default -> Verdict.DAMAGED;
        };
    }

    /** Throughput in MB/s (10^6 bytes per second). */
    public double megabytesPerSecond() {
        return elapsedNanos == 0 ? 0 : size / 1e6 / (elapsedNanos / 1e9);
    }
}
