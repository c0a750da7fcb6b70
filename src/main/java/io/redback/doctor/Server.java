package io.redback.doctor;

import io.redback.redis.RedisConnection;
import io.redback.redis.RedisErrorReply;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the server says about itself, read once: INFO, CONFIG GET * and the default ACL user.
 * What the user may not read is kept as the reason (the server's refusal), so the checks that
 * need it skip saying why instead of failing.
 */
final class Server {
    final Map<String, String> info;
    final String infoRefused;
    final Map<String, String> config;
    final String configRefused;
    final Map<String, Object> defaultUser;
    final String aclRefused;
    private final RedisConnection connection;

    private Server(RedisConnection c, Map<String, String> info, String infoRefused, Map<String, String> config,
                   String configRefused, Map<String, Object> defaultUser, String aclRefused) {
        this.connection = c;
        this.info = info;
        this.infoRefused = infoRefused;
        this.config = config;
        this.configRefused = configRefused;
        this.defaultUser = defaultUser;
        this.aclRefused = aclRefused;
    }

    static Server read(RedisConnection c) throws IOException {
        Map<String, String> info = Map.of();
        String infoRefused = null;
        try {
            info = c.info("default");
        } catch (RedisErrorReply e) {
            infoRefused = refusal("INFO", e);
        }
        Map<String, String> config = null;
        String configRefused = null;
        try {
            config = pairs(c.call("CONFIG", "GET", "*"));
        } catch (RedisErrorReply e) {
            configRefused = refusal("CONFIG GET", e);
        }
        Map<String, Object> user = null;
        String aclRefused = null;
        try {
            Object reply = c.call("ACL", "GETUSER", "default");
            user = reply instanceof List<?> l ? mapOf(l) : null;
            if (user == null) {
                aclRefused = "ACL GETUSER default answered nothing";
            }
        } catch (RedisErrorReply e) {
            aclRefused = refusal("ACL GETUSER", e);
        }
        return new Server(c, info, infoRefused, config, configRefused, user, aclRefused);
    }

    private static String refusal(String command, RedisErrorReply e) {
        return "this user may not run " + command + " (the server said: " + e.getMessage() + ")";
    }

    /** An INFO field, or null. */
    String info(String name) {
        return info.get(name);
    }

    long infoLong(String name, long otherwise) {
        return parseLong(info.get(name), otherwise);
    }

    /** A config value, or null when CONFIG GET was refused or the server has no such directive. */
    String config(String name) {
        return config == null ? null : config.get(name);
    }

    long configLong(String name, long otherwise) {
        return parseLong(config(name), otherwise);
    }

    boolean aofOn() {
        String c = config("appendonly");
        if (c != null) {
            return c.equals("yes");
        }
        return "1".equals(info("aof_enabled"));
    }

    /** The save rules ("3600 1 300 100"), from CONFIG, or null when unknown. */
    String saveRules() {
        return config("save");
    }

    /**
     * Whether the default user may run command (ACL DRYRUN, Redis 7+); null when that cannot be
     * asked (older server, or the user may not).
     */
    Boolean defaultUserMay(String... commandLine) {
        Object[] args = new Object[3 + commandLine.length];
        args[0] = "ACL";
        args[1] = "DRYRUN";
        args[2] = "default";
        System.arraycopy(commandLine, 0, args, 3, commandLine.length);
        try {
            Object r = connection.call(args);
            return r != null && (r.equals("OK") || (r instanceof byte[] b && new String(b, StandardCharsets.UTF_8).equals("OK")));
        } catch (RedisErrorReply | IOException e) {
            return null;
        }
    }

    /** A fresh INFO section (for measuring a rate over time). */
    Map<String, String> infoAgain(String section) throws IOException {
        return connection.info(section);
    }

    static long parseLong(String s, long otherwise) {
        if (s == null) {
            return otherwise;
        }
        try {
            return Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            return otherwise;
        }
    }

    private static Map<String, String> pairs(Object reply) {
        Map<String, String> m = new LinkedHashMap<>();
        if (reply instanceof List<?> l) {
            for (int i = 0; i + 1 < l.size(); i += 2) {
                m.put(text(l.get(i)), text(l.get(i + 1)));
            }
        } else if (reply instanceof Map<?, ?> map) {
            map.forEach((k, v) -> m.put(text(k), text(v)));
        }
        return m;
    }

    private static Map<String, Object> mapOf(List<?> l) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i + 1 < l.size(); i += 2) {
            Object v = l.get(i + 1);
            if (v instanceof List<?> items) {
                m.put(text(l.get(i)), items.stream().map(x -> x instanceof List<?> ? String.valueOf(x) : text(x)).toList());
            } else {
                m.put(text(l.get(i)), text(v));
            }
        }
        return m;
    }

    static String text(Object o) {
        if (o instanceof byte[] b) {
            return new String(b, StandardCharsets.UTF_8);
        }
        return o == null ? null : String.valueOf(o);
    }
}
