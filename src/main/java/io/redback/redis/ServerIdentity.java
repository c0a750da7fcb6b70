package io.redback.redis;

import java.util.Map;

/**
 * Which server a source is, from its {@code INFO server}: {@code name} is "redis" or "valkey"
 * (Valkey reports {@code redis_version:7.2.4} for compatibility, plus {@code server_name} and
 * {@code valkey_version}), {@code version} the real release, or null when the user may not run
 * INFO.
 */
public record ServerIdentity(String name, String version) {
    /** What is known without INFO. */
    public static final ServerIdentity UNKNOWN = new ServerIdentity(null, null);

    /** Reads the fields of {@code INFO server} (an empty map gives {@link #UNKNOWN}). */
    public static ServerIdentity fromInfo(Map<String, String> server) {
        if (server.isEmpty()) {
            return UNKNOWN;
        }
        if (server.containsKey("valkey_version")) {
            return new ServerIdentity("valkey", server.get("valkey_version"));
        }
        return new ServerIdentity(server.getOrDefault("server_name", "redis"), server.get("redis_version"));
    }
}
