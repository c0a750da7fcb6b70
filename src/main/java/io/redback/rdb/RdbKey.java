package io.redback.rdb;

import java.nio.charset.StandardCharsets;

/**
 * One key as read from an RDB: its database, name, type, expiry, LRU idle time or LFU counter,
 * and the byte offset where its record starts.
 */
public record RdbKey(int db, byte[] name, RdbType type, long expireAtMs, long idleSeconds, int lfuFreq,
                     long offset) {
    /** Value of {@link #expireAtMs()} for a key without expiry. */
    public static final long NO_EXPIRY = Long.MIN_VALUE;

    public boolean hasExpiry() {
        return expireAtMs != NO_EXPIRY;
    }

    /** The key name with non-printable bytes escaped, for messages. */
    public String printableName() {
        return Printable.escape(name, 0, name.length, 200);
    }

    /** The key name decoded as UTF-8 (lossy), for grouping and display. */
    public String nameUtf8() {
        return new String(name, StandardCharsets.UTF_8);
    }
}
