package io.redback.repo;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * How a snapshot's data object is stored: {@code zstd:<level>} (a standard zstd frame that the
 * {@code zstd} tool decompresses) or {@code none} (the RDB as it is). It also decides the data
 * object's file name.
 */
public record Compression(String algorithm, int level) {
    /** The RDB stored as it is. */
    public static final Compression NONE = new Compression("none", 0);
    /** What backups use unless told otherwise: fast, and RDBs shrink well. */
    public static final Compression DEFAULT = zstd(3);

    public Compression {
        switch (algorithm) {
            case "none" -> {
                if (level != 0) {
                    throw new IllegalArgumentException("compression none takes no level");
                }
            }
            case "zstd" -> {
                // zstd reads level 0 as "the default", which would make the manifest say less than it knows.
                if (level < -7 || level > 22 || level == 0) {
                    throw new IllegalArgumentException("zstd level " + level + " is not between -7 and 22 (0 excluded)");
                }
            }
            default -> throw new IllegalArgumentException("compression '" + algorithm + "' is not known: use zstd:<level> or none");
        }
    }

    public static Compression zstd(int level) {
        return new Compression("zstd", level);
    }

    /** Parses {@code zstd:3}, {@code zstd} (level 3) or {@code none}. */
    @JsonCreator
    public static Compression parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("compression must be given (zstd:<level> or none)");
        }
        if (text.equals("none")) {
            return NONE;
        }
        if (text.equals("zstd")) {
            return DEFAULT;
        }
        if (text.startsWith("zstd:")) {
            try {
                return zstd(Integer.parseInt(text.substring(5)));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("compression '" + text + "': the level must be a number", e);
            }
        }
        throw new IllegalArgumentException("compression '" + text + "' is not known: use zstd:<level> or none");
    }

    /** The data object's file name inside a snapshot folder. */
    public String fileName() {
        return algorithm.equals("none") ? "dump.rdb" : "dump.rdb.zst";
    }

    @JsonValue
    @Override
    public String toString() {
        return algorithm.equals("none") ? "none" : algorithm + ":" + level;
    }
}
