package io.redback.rdb;

/**
 * The 9-byte header of an RDB file: the magic ({@code REDIS} or, from Valkey 9, {@code VALKEY})
 * and the format version.
 */
public record RdbHeader(String magic, int version) {
    /** Newest Redis RDB version whose every type this reader knows (Redis 7.4 to 8.4). */
    public static final int REDIS_MAX_KNOWN = 12;
    /** Newest Redis RDB version recognised: read as far as its types are known (Redis 8.6, 8.8). */
    public static final int REDIS_MAX_RECOGNISED = 14;
    /** Newest Valkey RDB version recognised (Valkey 9.x). */
    public static final int VALKEY_MAX_RECOGNISED = 81;

    public boolean isValkey() {
        return magic.equals(RdbConstants.MAGIC_VALKEY);
    }

    /** Whether the file ends with a CRC64 footer (RDB 5 and later). */
    public boolean hasChecksum() {
        return version >= 5;
    }

    /** A short label such as {@code REDIS0011} for humans. */
    public String label() {
        return isValkey() ? String.format("VALKEY%03d", version) : String.format("REDIS%04d", version);
    }

    /** The releases that write this version, for messages. */
    public String writtenBy() {
        if (isValkey()) {
            return version == 80 ? "Valkey 9.0" : version == 81 ? "Valkey 9.2" : "Valkey 9+";
        }
        return switch (version) {
            case 1 -> "Redis 2.0-2.2";
            case 2 -> "Redis 2.4";
            case 3, 4, 5 -> "Redis 2.6 development builds";
            case 6 -> "Redis 2.6-3.0";
            case 7 -> "Redis 3.2";
            case 8 -> "Redis 4.0";
            case 9 -> "Redis 5.0-6.2";
            case 10 -> "Redis 7.0";
            case 11 -> "Redis 7.2 / Valkey 7.2-8.x";
            case 12 -> "Redis 7.4-8.4";
            case 13 -> "Redis 8.6";
            case 14 -> "Redis 8.8";
            default -> "an unknown release";
        };
    }
}
