package io.redback.aof;

import io.redback.resp.RespCommand;
import java.util.Locale;
import java.util.Set;

/**
 * Where the first key of a command is, for {@code aof log --key}: argument 1 for nearly every
 * command Redis writes to an AOF; none for commands without keys (SELECT, MULTI, FLUSHALL,
 * FUNCTION, ...); after a subcommand or an operation for XGROUP, OBJECT, BITOP; after
 * {@code numkeys} for scripts and functions. A table rather than COMMAND INFO, because the log
 * is read without a server.
 */
public final class KeyArgs {
    private static final Set<String> NO_KEY = Set.of("select", "multi", "exec", "discard", "flushall", "flushdb",
            "swapdb", "function", "script", "ping", "echo", "publish", "spublish", "config", "client", "debug", "save",
            "bgsave", "bgrewriteaof", "lastsave", "replconf", "info", "dbsize", "randomkey", "time", "wait", "auth",
            "hello", "quit", "reset", "shutdown", "slaveof", "replicaof", "module", "acl", "latency", "command",
            "cluster", "failover", "psync", "sync", "unwatch", "keys", "scan", "slowlog", "lolwut", "role");
    private static final Set<String> AFTER_SUBCOMMAND = Set.of("xgroup", "xinfo", "object", "bitop", "memory");
    private static final Set<String> SCRIPTS = Set.of("eval", "evalsha", "eval_ro", "evalsha_ro", "fcall", "fcall_ro");

    private KeyArgs() {
    }

    private static final Set<String> ALL_ARGS_KEYS = Set.of("del", "unlink", "touch");
    private static final Set<String> KEY_VALUE_PAIRS = Set.of("mset", "msetnx");
    private static final Set<String> TWO_KEYS = Set.of("rename", "renamenx", "copy", "smove", "lmove", "blmove",
            "rpoplpush", "brpoplpush", "geosearchstore", "zrangestore");

    /**
     * The indexes of the arguments that name keys a write command (as the log holds it) changes:
     * the first key, every argument of DEL/UNLINK, the keys of MSET, both keys of RENAME, COPY,
     * SMOVE, LMOVE and the like. Read-only keys of a command (a SUNIONSTORE's sources) are not
     * included; nor are the keys a script touches (Redis 7 logs a script's effects, not the script).
     */
    public static int[] written(RespCommand c) {
        int first = first(c);
        if (first < 0) {
            return new int[0];
        }
        String name = c.argString(0).toLowerCase(Locale.ROOT);
        int n = c.argCount();
        if (ALL_ARGS_KEYS.contains(name)) {
            return java.util.stream.IntStream.range(1, n).toArray();
        }
        if (KEY_VALUE_PAIRS.contains(name)) {
            return java.util.stream.IntStream.iterate(1, i -> i < n, i -> i + 2).toArray();
        }
        if (TWO_KEYS.contains(name) && n > 2) {
            return new int[] {1, 2};
        }
        return new int[] {first};
    }

    /** The index of the first key argument, or -1 if the command has none. */
    static int first(RespCommand c) {
        if (c.argCount() < 2 || !c.retained(0) || c.argLength(0) > 32) {
            return -1;
        }
        String name = c.argString(0).toLowerCase(Locale.ROOT);
        if (NO_KEY.contains(name)) {
            return -1;
        }
        if (AFTER_SUBCOMMAND.contains(name)) {
            return c.argCount() > 2 ? 2 : -1;
        }
        if (SCRIPTS.contains(name)) {
            return c.argCount() > 3 && c.argLong(2, 0) > 0 ? 3 : -1;
        }
        return 1;
    }
}
