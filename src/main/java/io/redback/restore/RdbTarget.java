package io.redback.restore;

import io.redback.rdb.RdbHeader;
import io.redback.rdb.RdbType;
import java.util.Locale;

/**
 * A release that is to read values written by another: which family (Redis or Valkey) and the
 * newest RDB (and DUMP payload) version it reads, from a running server's {@code INFO} or from a
 * {@code redis:7.0}-style name. It says which value types the release reads as they are and which
 * version a payload or file must carry for it.
 */
public record RdbTarget(boolean valkey, int rdbVersion, String label) {

    /** From a server's name ({@code redis}, {@code valkey}) and version ({@code 7.0.15}). */
    public static RdbTarget of(String serverName, String version) {
        boolean valkey = "valkey".equals(serverName);
        String label = (valkey ? "valkey" : "redis") + " " + version;
        if (version == null) {
            return new RdbTarget(valkey, 0, label);
        }
        int release = release(version);
        if (release < 0) {
            return new RdbTarget(valkey, 0, label);
        }
        int v;
        if (valkey) {
            v = release >= 902 ? 81 : release >= 900 ? 80 : 11;
        } else if (release >= 704) {
            v = 12;
        } else if (release >= 702) {
            v = 11;
        } else if (release >= 700) {
            v = 10;
        } else if (release >= 500) {
            v = 9;
        } else {
            v = release >= 400 ? 8 : release >= 302 ? 7 : 6;
        }
        return new RdbTarget(valkey, v, label);
    }

    /**
     * Parses {@code redis:7.0}, {@code redis:7.2}, {@code redis:7.4}, {@code valkey:8.0} (any
     * release of either family whose files start with {@code REDIS}); IllegalArgumentException
     * with the choices otherwise.
     */
    public static RdbTarget parse(String text) {
        String[] parts = text.strip().toLowerCase(Locale.ROOT).split(":", 2);
        RdbTarget t = parts.length == 2 && (parts[0].equals("redis") || parts[0].equals("valkey"))
                ? of(parts[0], parts[1]) : null;
        int release = t == null ? -1 : release(parts[1]);
        boolean known = t != null && (t.valkey ? release >= 702 && release < 900 : release >= 600 && release <= 804);
        if (!known) {
            throw new IllegalArgumentException("--target " + text + ": expected a release as redis:7.0, redis:7.2, "
                    + "redis:7.4 or valkey:8.0 (Redis 6.0 to 8.4, Valkey 7.2 to 8.x)");
        }
        return t;
    }

    /** major * 100 + minor, or -1. */
    static int release(String version) {
        String[] parts = version.split("\\.");
        try {
            return Integer.parseInt(parts[0]) * 100 + (parts.length > 1 ? Integer.parseInt(parts[1]) : 0);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Whether the release reads values of this type as the file holds them. */
    public boolean reads(RdbType type) {
        if (rdbVersion == 0) {
            return true; // unknown release: let RESTORE decide
        }
        if (type == RdbType.VALKEY_HASH_2) {
            return valkey && rdbVersion >= 80;
        }
        if (type.code() >= 22) {
            return !valkey && rdbVersion >= 12;
        }
        return type.sinceVersion() <= (valkey ? Math.min(rdbVersion, 11) : rdbVersion);
    }

    /** The version a DUMP payload of a value from a file with this header says it is, for this release. */
    public int payloadVersion(RdbHeader header) {
        int fv = header.version();
        if (rdbVersion == 0) {
            return fv;
        }
        if (header.isValkey()) {
            return valkey && rdbVersion >= 80 ? Math.min(fv, rdbVersion) : Math.min(11, rdbVersion);
        }
        return Math.min(fv, valkey ? Math.min(rdbVersion, 11) : rdbVersion);
    }

    /** Whether the release keeps hash fields with their own TTL (Redis 7.4+, Valkey 9+). */
    public boolean hasFieldTtls() {
        return valkey ? rdbVersion >= 80 : rdbVersion >= 12;
    }

    /** The RDB version of a whole file written for this release ({@code REDIS} magic). */
    int fileVersion() {
        return Math.min(rdbVersion, valkey ? 11 : rdbVersion);
    }
}
