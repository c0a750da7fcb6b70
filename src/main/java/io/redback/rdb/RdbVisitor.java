package io.redback.rdb;

/**
 * Receives an RDB file's content as {@link RdbReader} streams through it: header, aux fields,
 * functions, databases, and each key with its elements one at a time, so no key has to fit in
 * memory. Every method has an empty default; implement what you need. Byte arrays and
 * {@link Element}s passed in are only valid during the call.
 */
public interface RdbVisitor {
    /**
     * Whether this visitor looks at the contents of values. When false, {@link #element} is
     * never called and the reader skips string contents instead of copying or decompressing
     * them (everything is still validated and counted): what check and inspect need. Key
     * names, aux fields, function code and consumer names longer than 64 KiB then arrive cut to
     * their first 64 KiB (the rest is validated as it streams by), so memory stays bounded
     * whatever a file claims.
     */
    default boolean wantsValues() {
        return true;
    }

    /**
     * Whether this visitor keeps an {@link RdbKey}'s name past {@link #endKey}. When false, the
     * reader may hand out the same name array again (refilled) for a later key of the same
     * length, so reading a file of millions of short keys copies no name into a new array.
     */
    default boolean keepsKeyNames() {
        return true;
    }

    default void header(RdbHeader header) {
    }

    default void aux(byte[] key, byte[] value) {
    }

    /** A module's auxiliary data ({@code when} 1 = before the keyspace, 2 = after). */
    default void moduleAux(String module, int encodingVersion, int when) {
    }

    /** A function library (its full source, starting with {@code #!<engine> name=<lib>}). */
    /**
     * Where the bytes of the module aux record about to be read go (everything after its opcode,
     * as the file holds them; then {@link #moduleAux} is called), or null (the default) for nowhere.
     */
    default RawValueSink moduleAuxBytes() {
        return null;
    }

    default void function(byte[] code) {
    }

    /**
     * A function as Redis 7.0's release candidates saved it
     * ({@link RdbConstants#OPCODE_FUNCTION_PRE_GA}): its name and engine apart from its code. Redis 7.0 converts it on load; 7.2 and later refuse the file. By
     * default the code goes to {@link #function}.
     */
    default void preReleaseFunction(byte[] name, byte[] engine, byte[] code) {
        function(code);
    }

    default void selectDb(int db) {
    }

    default void resizeDb(long keys, long expires) {
    }

    default void slotInfo(long slot, long keys, long expires) {
    }

    default void startKey(RdbKey key) {
    }

    /**
     * Return a sink to receive the exact serialized bytes of this key's value (what DUMP would
     * carry before its footer, without the type byte), or null (the default) for none.
     */
    default RawValueSink rawValue(RdbKey key) {
        return null;
    }

    default void element(Element element) {
    }

    /** The module that owns a module value, delivered before its {@link ElementRole#MODULE_VALUE}s. */
    default void moduleValue(String module, int encodingVersion) {
    }

    default void streamMeta(StreamMeta meta) {
    }

    default void streamGroup(StreamGroup group) {
    }

    default void streamPending(StreamPending pending) {
    }

    default void streamConsumer(StreamConsumer consumer) {
    }

    /**
     * The key is complete. {@code elements} counts logical elements (list items, members,
     * fields, stream entries; 1 for a string), {@code valueBytes} the serialized size of the
     * value in the file.
     */
    default void endKey(RdbKey key, long elements, long valueBytes) {
    }

    default void end(RdbSummary summary) {
    }

    /** Receives the raw bytes of a value, in order, in pieces. */
    @FunctionalInterface
    interface RawValueSink {
        void write(byte[] b, int off, int len);
    }

    /** A stream ID: milliseconds and sequence. */
    record StreamId(long ms, long seq) {
        @Override
        public String toString() {
            return Long.toUnsignedString(ms) + "-" + Long.toUnsignedString(seq);
        }
    }

    /** Stream-level metadata; first ID, max deleted ID and entries added are null before stream v2. */
    record StreamMeta(long length, StreamId lastId, StreamId firstId, StreamId maxDeletedId, Long entriesAdded) {
    }

    /** A consumer group; entriesRead is null before stream v2 (and -1 when unknown). */
    record StreamGroup(byte[] name, StreamId lastId, Long entriesRead, long pendingCount) {
    }

    /** One entry of a group's pending entries list. */
    record StreamPending(byte[] group, StreamId id, long deliveryTimeMs, long deliveryCount) {
    }

    /** A consumer of a group; activeTime is null before stream v3. */
    record StreamConsumer(byte[] group, byte[] name, long seenTimeMs, Long activeTimeMs, long pendingCount) {
    }
}
