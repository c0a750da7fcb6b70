package io.redback.rdb;

/** What an {@link Element} delivered for a key is: a list item, a hash field, a stream value... */
public enum ElementRole {
    STRING_VALUE(true),
    LIST_ITEM(true),
    SET_MEMBER(true),
    ZSET_MEMBER(true),
    ZSET_SCORE(false),
    HASH_FIELD(true),
    HASH_VALUE(false),
    /** Absolute expiry (unix ms) of the hash field delivered just before it; follows its value. */
    HASH_FIELD_EXPIRY(false),
    STREAM_ENTRY_ID(true),
    STREAM_FIELD(false),
    STREAM_VALUE(false),
    /** One value of a module's serialized payload (unsigned, signed, float, double or string). */
    MODULE_VALUE(false);

    // A field, not a switch: asked for every element read, and a switch's rarely taken cases
    // cost a recompilation of the reader's hot loop when they first come.
    private final boolean startsElement;

    ElementRole(boolean startsElement) {
        this.startsElement = startsElement;
    }

    /** Whether this role starts a new logical element of its key (for counting). */
    public boolean startsElement() {
        return startsElement;
    }
}
