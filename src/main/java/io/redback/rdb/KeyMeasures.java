package io.redback.rdb;

/**
 * A visitor that only measures keys (name, type, size, elements, expiry, idle time or LFU
 * counter): {@link RdbReader} then builds no {@link RdbKey} and calls {@link #keyMeasured} in
 * place of {@link #startKey}, {@link #rawValue} and {@link #endKey}, taking the commonest record,
 * a string key whose name and value are plain and under 64 bytes, straight from its buffer.
 * Everything is read and validated as for any other visitor. (Inspect's tallies, over files of
 * millions of small keys.)
 */
interface KeyMeasures extends RdbVisitor {
    /**
     * A key is complete: its name is {@code buf[nameOff, nameOff + nameLen)}, valid only during the
     * call; {@code valueBytes} and {@code elements} as {@link RdbVisitor#endKey} counts them.
     */
    void keyMeasured(int db, byte[] buf, int nameOff, int nameLen, RdbType type, long valueBytes, long elements,
                     long expireAtMs, long idleSeconds, int lfuFreq);
}
