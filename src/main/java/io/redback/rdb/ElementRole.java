package io.redback.rdb;

/** What an {@link Element} delivered for a key is: a list item, a hash field, a stream value... */
public enum ElementRole {
    STRING_VALUE,
    LIST_ITEM,
    SET_MEMBER,
    ZSET_MEMBER,
    ZSET_SCORE,
    HASH_FIELD,
    HASH_VALUE,
    /** Absolute expiry (unix ms) of the hash field delivered just before it; follows its value. */
    HASH_FIELD_EXPIRY,
    STREAM_ENTRY_ID,
    STREAM_FIELD,
    STREAM_VALUE,
    /** One value of a module's serialized payload (unsigned, signed, float, double or string). */
    MODULE_VALUE;

    /** Whether this role starts a new logical element of its key (for counting). */
    public boolean startsElement() {
        return switch (this) {
            case STRING_VALUE, LIST_ITEM, SET_MEMBER, ZSET_MEMBER, HASH_FIELD, STREAM_ENTRY_ID -> true;
            default -> false;
        };
    }
}
