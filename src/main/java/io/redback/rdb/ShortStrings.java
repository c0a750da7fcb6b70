package io.redback.rdb;

/**
 * A visitor that takes the commonest record, a string key whose name and value are both plain
 * and under 64 bytes, straight from the reader's buffer: {@link RdbReader} then builds no
 * {@link RdbKey} for it and calls {@link #shortString} in place of {@link #startKey},
 * {@link #rawValue} and {@link #endKey}. Other records come as usual. (Inspect's tallies, over
 * files of millions of such keys.)
 */
interface ShortStrings extends RdbVisitor {
    /**
     * A short string key: its name is {@code buf[nameOff, nameOff + nameLen)}, valid only during
     * the call; {@code valueBytes} as {@link RdbVisitor#endKey} counts them (its length byte included).
     */
    void shortString(int db, byte[] buf, int nameOff, int nameLen, long valueBytes, long expireAtMs,
                     long idleSeconds, int lfuFreq);
}
