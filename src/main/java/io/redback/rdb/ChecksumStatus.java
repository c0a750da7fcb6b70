package io.redback.rdb;

/** What the CRC64 footer of an RDB file says about the file. */
public enum ChecksumStatus {
    /** The footer matched the CRC64 of the whole file. */
    VERIFIED,
    /** The writer had {@code rdbchecksum no}: the footer is zero and nothing was checked. */
    DISABLED,
    /** The format version (below 5) has no footer. */
    ABSENT,
    /** Reading stopped before the footer. */
    NOT_REACHED
}
