package io.redback.pitr;

import io.redback.resp.RespCommand;

/** What the restore needs to know about a command of the replication stream. */
final class Commands {
    private Commands() {
    }

    /**
     * PING and REPLCONF: the master's keepalive and ACK requests travel in the stream (and
     * count in its offsets) but are not writes; an AOF has no use for them.
     */
    static boolean isStreamOnly(RespCommand c) {
        return c.argEqualsIgnoreCase(0, "PING") || c.argEqualsIgnoreCase(0, "REPLCONF");
    }
}
