package io.redback.rdb;

/** What the CRC64 footer of an RDB file says about the file. */
public enum ChecksumStatus {
    /** The footer matched the CRC64 of the whole file. */
    VERIFIED,
    /** The writer had {@code rdbchecksum no}: the footer is zero and nothing was checked. */
    DISABLED,
    /** The format version (below 5) has no footer. */
    ABSENT,
    /** The footer does not match the CRC64 of the content. */
    MISMATCH,
    /** Reading stopped before the footer. */
    NOT_REACHED;

    /** The name in JSON output and manifests: {@code verified}, {@code not-reached}... */
    public String jsonName() {
        return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }

    /** The status named by {@link #jsonName()}, or null for null or an unknown name. */
    public static ChecksumStatus ofJsonName(String name) {
        for (ChecksumStatus s : values()) {
            if (s.jsonName().equals(name)) {
                return s;
            }
        }
        return null;
    }

    /** How a report says it, e.g. "CRC64 verified" or "CRC64 disabled (saved with rdbchecksum no)". */
    public String phrase() {
        return switch (this) {
            case VERIFIED -> "CRC64 verified";
            case DISABLED -> "CRC64 disabled (saved with rdbchecksum no, so not verified)";
            case ABSENT -> "no CRC64 (RDB versions before 5 have none)";
            case MISMATCH -> "CRC64 MISMATCH";
            case NOT_REACHED -> "CRC64 not reached";
        };
    }
}
