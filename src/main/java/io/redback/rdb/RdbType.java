package io.redback.rdb;

import static io.redback.rdb.RdbConstants.*;

/**
 * The object types an RDB file can hold, by their on-disk type byte, with the user-facing
 * data type ({@code string}, {@code list}, ...) and the encoding the writer used. The byte
 * values 22 and 23 mean different things for Redis and Valkey; {@link #of(int, RdbHeader)}
 * picks the table from the file's magic and version.
 */
public enum RdbType {
    STRING(TYPE_STRING, "string", "raw"),
    LIST(TYPE_LIST, "list", "linkedlist"),
    SET(TYPE_SET, "set", "hashtable"),
    ZSET(TYPE_ZSET, "zset", "skiplist-v1"),
    HASH(TYPE_HASH, "hash", "hashtable"),
    ZSET_2(TYPE_ZSET_2, "zset", "skiplist"),
    MODULE_PRE_GA(TYPE_MODULE_PRE_GA, "module", "module-pre-ga"),
    MODULE_2(TYPE_MODULE_2, "module", "module"),
    HASH_ZIPMAP(TYPE_HASH_ZIPMAP, "hash", "zipmap"),
    LIST_ZIPLIST(TYPE_LIST_ZIPLIST, "list", "ziplist"),
    SET_INTSET(TYPE_SET_INTSET, "set", "intset"),
    ZSET_ZIPLIST(TYPE_ZSET_ZIPLIST, "zset", "ziplist"),
    HASH_ZIPLIST(TYPE_HASH_ZIPLIST, "hash", "ziplist"),
    LIST_QUICKLIST(TYPE_LIST_QUICKLIST, "list", "quicklist"),
    STREAM_LISTPACKS(TYPE_STREAM_LISTPACKS, "stream", "stream-v1"),
    HASH_LISTPACK(TYPE_HASH_LISTPACK, "hash", "listpack"),
    ZSET_LISTPACK(TYPE_ZSET_LISTPACK, "zset", "listpack"),
    LIST_QUICKLIST_2(TYPE_LIST_QUICKLIST_2, "list", "quicklist-v2"),
    STREAM_LISTPACKS_2(TYPE_STREAM_LISTPACKS_2, "stream", "stream-v2"),
    SET_LISTPACK(TYPE_SET_LISTPACK, "set", "listpack"),
    STREAM_LISTPACKS_3(TYPE_STREAM_LISTPACKS_3, "stream", "stream-v3"),
    HASH_METADATA_PRE_GA(TYPE_HASH_METADATA_PRE_GA, "hash", "hashtable-ttl-pre-ga"),
    HASH_LISTPACK_EX_PRE_GA(TYPE_HASH_LISTPACK_EX_PRE_GA, "hash", "listpack-ttl-pre-ga"),
    HASH_METADATA(TYPE_HASH_METADATA, "hash", "hashtable-ttl"),
    HASH_LISTPACK_EX(TYPE_HASH_LISTPACK_EX, "hash", "listpack-ttl"),
    VALKEY_HASH_2(TYPE_VALKEY_HASH_2, "hash", "hashtable-ttl-valkey");

    private static final RdbType[] REDIS = new RdbType[TYPE_HASH_LISTPACK_EX + 1];

    static {
        for (RdbType t : values()) {
            if (t != VALKEY_HASH_2) {
                REDIS[t.code] = t;
            }
        }
    }

    private final int code;
    private final String dataType;
    private final String encoding;

    RdbType(int code, String dataType, String encoding) {
        this.code = code;
        this.dataType = dataType;
        this.encoding = encoding;
    }

    /** The type byte as stored in the file. */
    public int code() {
        return code;
    }

    /** The Redis data type a user knows: string, list, set, zset, hash, stream or module. */
    public String dataType() {
        return dataType;
    }

    /** The encoding the writer chose, e.g. {@code listpack} or {@code quicklist-v2}. */
    public String encoding() {
        return encoding;
    }

    /** The first RDB version (of Redis) that can hold this type; a file older than that is damaged. */
    public int sinceVersion() {
        return switch (code) {
            case TYPE_STRING, TYPE_LIST, TYPE_SET, TYPE_ZSET, TYPE_HASH -> 1;
            case TYPE_HASH_ZIPMAP, TYPE_LIST_ZIPLIST, TYPE_SET_INTSET, TYPE_ZSET_ZIPLIST -> 2;
            case TYPE_HASH_ZIPLIST -> 4;
            case TYPE_LIST_QUICKLIST -> 7;
            case TYPE_ZSET_2, TYPE_MODULE_PRE_GA, TYPE_MODULE_2 -> 8;
            case TYPE_STREAM_LISTPACKS -> 9;
            case TYPE_HASH_LISTPACK, TYPE_ZSET_LISTPACK, TYPE_LIST_QUICKLIST_2, TYPE_STREAM_LISTPACKS_2 -> 10;
            case TYPE_SET_LISTPACK, TYPE_STREAM_LISTPACKS_3 -> 11;
            default -> 12;
        };
    }

    /** The type for a type byte in a file with this header, or null if the byte is not a known type. */
    static RdbType of(int code, RdbHeader header) {
        return of(code, header.isValkey());
    }

    /** {@link #of(int, RdbHeader)} for a reader that knows whether its file is Valkey's. */
    static RdbType of(int code, boolean valkey) {
        if (valkey) {
            if (code == TYPE_VALKEY_HASH_2) {
                return VALKEY_HASH_2;
            }
            if (code > TYPE_STREAM_LISTPACKS_3) {
                return null;
            }
        }
        return code >= 0 && code < REDIS.length ? REDIS[code] : null;
    }
}
