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
final class KeyArgs {
    private static final Set<String> NO_KEY = Set.of("select", "multi", "exec", "discard", "flushall", "flushdb",
            "swapdb", "function", "script", "ping", "echo", "publish", "spublish", "config", "client", "debug", "save",
            "bgsave", "bgrewriteaof", "lastsave", "replconf", "info", "dbsize", "randomkey", "time", "wait", "auth",
            "hello", "quit", "reset", "shutdown", "slaveof", "replicaof", "module", "acl", "latency", "command",
            "cluster", "failover", "psync", "sync", "unwatch", "keys", "scan", "slowlog", "lolwut", "role");
    private static final Set<String> AFTER_SUBCOMMAND = Set.of("xgroup", "xinfo", "object", "bitop", "memory");
    private static final Set<String> SCRIPTS = Set.of("eval", "evalsha", "eval_ro", "evalsha_ro", "fcall", "fcall_ro");

    private KeyArgs() {
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
