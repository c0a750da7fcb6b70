package io.redback.rdb;

/**
 * A visitor that only counts keys (by database, type and expiry): {@link RdbReader} then builds
 * no {@link RdbKey} per key and calls {@link #keyCounted} in place of {@link #startKey},
 * {@link #rawValue} and {@link #endKey}, so a check of millions of small keys makes no per-key
 * garbage. Everything is read and validated as for any other visitor.
 */
interface KeyTally extends RdbVisitor {
    /** A key is complete; {@code elements} as {@link RdbVisitor#endKey} counts them. */
    void keyCounted(int db, RdbType type, long expireAtMs, long elements);
}
