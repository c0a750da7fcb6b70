package io.redback.rdb;

/**
 * The byte values of the RDB format, named as Redis's {@code rdb.h} names them without its
 * {@code RDB_} prefix ({@code RDB_OPCODE_AUX} is {@link #OPCODE_AUX}): record opcodes, object
 * type bytes, the length and string encodings, module sub-opcodes and quicklist containers.
 * Where Valkey or a newer Redis gives a byte another meaning, both names are here, with the
 * release that uses them; {@link RdbType} says which table a file uses.
 */
public final class RdbConstants {
    private RdbConstants() {}

    /** The header's magic: {@code REDIS} and 4 version digits, or (Valkey 9+) {@code VALKEY} and 3. */
    public static final String MAGIC_REDIS = "REDIS";
    public static final String MAGIC_VALKEY = "VALKEY";
    /** The header's length, whichever the magic. */
    public static final int HEADER_BYTES = 9;
    /** The CRC64 footer after {@link #OPCODE_EOF}, from RDB version 5 on. */
    public static final int CRC_BYTES = 8;
    public static final int FIRST_VERSION_WITH_CRC = 5;

    // Opcodes: a record starts with one of these or with an object type byte.
    /** Redis 7.4+ cluster mode: slot id, keys in slot, expires in slot (three lengths). */
    public static final int OPCODE_SLOT_INFO = 0xF4;
    /** A function library: one string, its source. */
    public static final int OPCODE_FUNCTION2 = 0xF5;
    /** A function as Redis 7.0's release candidates wrote it (Redis 7.2+ refuses it). */
    public static final int OPCODE_FUNCTION_PRE_GA = 0xF6;
    public static final int OPCODE_MODULE_AUX = 0xF7;
    /** LRU idle seconds of the next key (a length). */
    public static final int OPCODE_IDLE = 0xF8;
    /** LFU counter of the next key (one byte). */
    public static final int OPCODE_FREQ = 0xF9;
    public static final int OPCODE_AUX = 0xFA;
    public static final int OPCODE_RESIZEDB = 0xFB;
    /** Expiry of the next key: 8-byte little-endian unix milliseconds. */
    public static final int OPCODE_EXPIRETIME_MS = 0xFC;
    /** Expiry of the next key: 4-byte unix seconds (old files). */
    public static final int OPCODE_EXPIRETIME = 0xFD;
    public static final int OPCODE_SELECTDB = 0xFE;
    public static final int OPCODE_EOF = 0xFF;
    /** The lowest opcode Redis 8.4 and older write. */
    public static final int OPCODE_LOWEST = OPCODE_SLOT_INFO;
    /** Redis 8.6's KEY_META and Valkey 9's SLOT_IMPORT: the same byte, neither read yet. */
    public static final int OPCODE_KEY_META = 0xF3;
    public static final int OPCODE_VALKEY_SLOT_IMPORT = 0xF3;
    /** Private opcodes of Redis Enterprise (open-source Redis cannot load them). */
    public static final int ENTERPRISE_OPCODE_GCAS = 101;
    public static final int ENTERPRISE_OPCODE_GFLAGS = 102;
    public static final int ENTERPRISE_OPCODE_RAM_LRU = 107;
    public static final int ENTERPRISE_OPCODE_SLOT_NUM = 121;

    // Object types.
    public static final int TYPE_STRING = 0;
    public static final int TYPE_LIST = 1;
    public static final int TYPE_SET = 2;
    public static final int TYPE_ZSET = 3;
    public static final int TYPE_HASH = 4;
    public static final int TYPE_ZSET_2 = 5;
    public static final int TYPE_MODULE_PRE_GA = 6;
    public static final int TYPE_MODULE_2 = 7;
    public static final int TYPE_HASH_ZIPMAP = 9;
    public static final int TYPE_LIST_ZIPLIST = 10;
    public static final int TYPE_SET_INTSET = 11;
    public static final int TYPE_ZSET_ZIPLIST = 12;
    public static final int TYPE_HASH_ZIPLIST = 13;
    public static final int TYPE_LIST_QUICKLIST = 14;
    public static final int TYPE_STREAM_LISTPACKS = 15;
    public static final int TYPE_HASH_LISTPACK = 16;
    public static final int TYPE_ZSET_LISTPACK = 17;
    public static final int TYPE_LIST_QUICKLIST_2 = 18;
    public static final int TYPE_STREAM_LISTPACKS_2 = 19;
    public static final int TYPE_SET_LISTPACK = 20;
    public static final int TYPE_STREAM_LISTPACKS_3 = 21;
    /** Redis 7.4's release candidates (Valkey 9 uses 22 for {@link #TYPE_VALKEY_HASH_2}). */
    public static final int TYPE_HASH_METADATA_PRE_GA = 22;
    /** Redis 7.4's release candidates (the Valkey 9.x tree uses 23 for {@link #TYPE_VALKEY_PATH_HASH}). */
    public static final int TYPE_HASH_LISTPACK_EX_PRE_GA = 23;
    public static final int TYPE_HASH_METADATA = 24;
    public static final int TYPE_HASH_LISTPACK_EX = 25;
    /** Redis 8.6 and 8.8 stream encodings, not read yet. */
    public static final int TYPE_STREAM_LISTPACKS_4 = 26;
    public static final int TYPE_STREAM_LISTPACKS_5 = 27;
    /** Valkey 9's hash with field expiry ({@code RDB_TYPE_HASH_2} in Valkey's rdb.h). */
    public static final int TYPE_VALKEY_HASH_2 = 22;
    public static final int TYPE_VALKEY_PATH_HASH = 23;

    // Lengths: the top two bits of the first byte.
    public static final int LEN_6BIT = 0;
    public static final int LEN_14BIT = 1;
    /** The first byte of a 32-bit big-endian length. */
    public static final int LEN_32BIT = 0x80;
    /** The first byte of a 64-bit big-endian length. */
    public static final int LEN_64BIT = 0x81;
    /** Top bits 11: not a length but a string encoding, in the low 6 bits. */
    public static final int ENCVAL = 3;

    // String encodings (the low 6 bits after ENCVAL).
    public static final int ENC_INT8 = 0;
    public static final int ENC_INT16 = 1;
    public static final int ENC_INT32 = 2;
    public static final int ENC_LZF = 3;

    // Module payloads: a sub-opcode (a length) before each value.
    public static final int MODULE_OPCODE_EOF = 0;
    public static final int MODULE_OPCODE_SINT = 1;
    public static final int MODULE_OPCODE_UINT = 2;
    public static final int MODULE_OPCODE_FLOAT = 3;
    public static final int MODULE_OPCODE_DOUBLE = 4;
    public static final int MODULE_OPCODE_STRING = 5;
    /** A module aux record's 'when': before or after the keyspace. */
    public static final int MODULE_AUX_BEFORE_RDB = 1;
    public static final int MODULE_AUX_AFTER_RDB = 2;

    // Quicklist 2 node containers (quicklist.h).
    public static final int QUICKLIST_NODE_CONTAINER_PLAIN = 1;
    public static final int QUICKLIST_NODE_CONTAINER_PACKED = 2;

    // The length byte of a legacy text double (type 3 scores) for the values that have no digits.
    public static final int DOUBLE_NAN = 253;
    public static final int DOUBLE_POS_INF = 254;
    public static final int DOUBLE_NEG_INF = 255;
}
