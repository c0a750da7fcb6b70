package io.redback.aof;

/** The shape of an AOF input. */
public enum AofFormat {
    /** One file of commands (Redis 6 and earlier with {@code aof-use-rdb-preamble no}). */
    AOF("aof"),
    /** One file holding an RDB followed by commands (Redis 4-6 with {@code aof-use-rdb-preamble yes}). */
    AOF_RDB_PREAMBLE("aof-rdb-preamble"),
    /** A Redis 7+ directory: a manifest naming a base and incr files. */
    AOF_MULTIPART("aof-multipart");

    private final String label;

    AofFormat(String label) {
        this.label = label;
    }

    /** The name used in JSON and text output. */
    public String label() {
        return label;
    }
}
