package io.redback.rdb;

/**
 * What a complete read of an RDB established: its header, the checksum outcome, where the
 * file ended, and how many keys it held.
 */
public record RdbSummary(RdbHeader header, ChecksumStatus checksum, long storedCrc, long computedCrc,
                         long endOffset, long keys) {
}
