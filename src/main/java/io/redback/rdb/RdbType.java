package io.redback.rdb;

/**
 * The object types an RDB file can hold, by their on-disk type byte, with the user-facing
 * data type ({@code string}, {@code list}, ...) and the encoding the writer used. The byte
 * values 22 and 23 mean different things for Redis and Valkey; {@link #of(int, RdbHeader)}
 * picks the table from the file's magic and version.
 */
public enum RdbType {
    STRING(0, "string", "raw"),
    LIST(1, "list", "linkedlist"),
    SET(2, "set", "hashtable"),
    ZSET(3, "zset", "skiplist-v1"),
    HASH(4, "hash", "hashtable"),
    ZSET_2(5, "zset", "skiplist"),
    MODULE_PRE_GA(6, "module", "module-pre-ga"),
    MODULE_2(7, "module", "module"),
    HASH_ZIPMAP(9, "hash", "zipmap"),
    LIST_ZIPLIST(10, "list", "ziplist"),
    SET_INTSET(11, "set", "intset"),
    ZSET_ZIPLIST(12, "zset", "ziplist"),
    HASH_ZIPLIST(13, "hash", "ziplist"),
    LIST_QUICKLIST(14, "list", "quicklist"),
    STREAM_LISTPACKS(15, "stream", "stream-v1"),
    HASH_LISTPACK(16, "hash", "listpack"),
    ZSET_LISTPACK(17, "zset", "listpack"),
    LIST_QUICKLIST_2(18, "list", "quicklist-v2"),
    STREAM_LISTPACKS_2(19, "stream", "stream-v2"),
    SET_LISTPACK(20, "set", "listpack"),
    STREAM_LISTPACKS_3(21, "stream", "stream-v3"),
    HASH_METADATA_PRE_GA(22, "hash", "hashtable-ttl-pre-ga"),
    HASH_LISTPACK_EX_PRE_GA(23, "hash", "listpack-ttl-pre-ga"),
    HASH_METADATA(24, "hash", "hashtable-ttl"),
    HASH_LISTPACK_EX(25, "hash", "listpack-ttl"),
    VALKEY_HASH_2(22, "hash", "hashtable-ttl-valkey");

    private static final RdbType[] REDIS = new RdbType[26];

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
            case 0, 1, 2, 3, 4 -> 1;
            case 9, 10, 11, 12 -> 2;
            case 13 -> 4;
            case 14 -> 7;
            case 5, 6, 7 -> 8;
            case 15 -> 9;
            case 16, 17, 18, 19 -> 10;
            case 20, 21 -> 11;
            default -> 12;
        };
    }

    /** The type for a type byte in a file with this header, or null if the byte is not a known type. */
    static RdbType of(int code, RdbHeader header) {
        if (header.isValkey()) {
            if (code == 22) {
                return VALKEY_HASH_2;
            }
            if (code > 21) {
                return null;
            }
        }
        return code >= 0 && code < REDIS.length ? REDIS[code] : null;
    }
}
