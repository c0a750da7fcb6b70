package io.redback.log;

import io.redback.resp.RespCommand;
import java.util.List;
import java.util.Locale;

/**
 * The replication stream's own traffic: PING and REPLCONF, the master's keepalive and ACK
 * requests, travel in the stream (and count in its offsets) but are not writes. A restore leaves
 * them out of the AOF it writes, and a listing hides them unless asked.
 */
public final class StreamCommands {
    private static final List<String> NAMES = List.of("PING", "REPLCONF");

    private StreamCommands() {
    }

    /** Whether c is PING or REPLCONF. */
    public static boolean isStreamOnly(RespCommand c) {
        return c.argEqualsIgnoreCase(0, "PING") || c.argEqualsIgnoreCase(0, "REPLCONF");
    }

    /** Whether command patterns (a --grep list) name PING or REPLCONF themselves. */
    public static boolean named(List<String> patterns) {
        return patterns.stream().map(g -> g.strip().toUpperCase(Locale.ROOT)).anyMatch(NAMES::contains);
    }
}
