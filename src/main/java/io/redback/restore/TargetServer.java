package io.redback.restore;

import io.redback.redis.ServerIdentity;
import java.util.Map;

/**
 * What a restore needs to know of the server it writes into, from {@code INFO}: which server and
 * release it is, the newest RDB (and DUMP payload) version it reads, whether it is a replica
 * (which refuses writes), and its memory limit.
 */
public record TargetServer(ServerIdentity identity, int rdbVersion, boolean replica, long usedMemory,
                           long maxmemory, String maxmemoryPolicy) {

    /** From the fields of {@code INFO server}, {@code INFO replication} and {@code INFO memory}. */
    static TargetServer fromInfo(Map<String, String> info) {
        ServerIdentity id = ServerIdentity.fromInfo(info);
        return new TargetServer(id, rdbVersion(id), "slave".equals(info.get("role")),
                number(info.get("used_memory")), number(info.get("maxmemory")), info.getOrDefault("maxmemory_policy", "?"));
    }

    /** "redis 7.0.15" or "valkey 8.0.1". */
    public String describe() {
        return identity.name() + " " + identity.version();
    }

    /** The newest RDB version a release reads (0 when the version is unknown). */
    static int rdbVersion(ServerIdentity id) {
        return RdbTarget.of(id.name(), id.version()).rdbVersion();
    }

    /** Whether SET takes an absolute deadline ({@code PXAT}): Redis 6.2 and later, every Valkey. */
    boolean setsWithDeadline() {
        int release = identity.version() == null ? -1 : RdbTarget.release(identity.version());
        return "valkey".equals(identity.name()) ? release >= 0 : release >= 602;
    }

    /** What the server reads, for deciding how each value goes. */
    RdbTarget rdbTarget() {
        return RdbTarget.of(identity.name(), identity.version());
    }

    private static long number(String text) {
        try {
            return text == null ? 0 : Long.parseLong(text.strip());
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
