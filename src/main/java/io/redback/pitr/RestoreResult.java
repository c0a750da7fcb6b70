package io.redback.pitr;

import io.redback.rdb.ChecksumStatus;

import java.nio.file.Path;
import java.util.List;

/**
 * What {@link RestoreWriter} put in place: the target ({@code DIR/appendonlydir} or
 * {@code DIR/dump.rdb}), the keys of the base snapshot, the commands written to the incr file
 * (and the PING/REPLCONF left out) from how many segments, the keys that had expired by the
 * restore's "now" and stay dead (those of the snapshot, and those the log gave a deadline
 * already past: an estimate), the keys of the final RDB (for {@code rdb}; -1 otherwise), and
 * the command line that starts a redis-server on the result.
 */
public record RestoreResult(
        RestoreWriter.Format format,
        Path target,
        long baseKeys,
        ChecksumStatus baseChecksum,
        long commands,
        long dropped,
        int segments,
        long incrBytes,
        long expiredInSnapshot,
        long expiredByLog,
        long resultKeys,
        List<String> serverCommand) {

    public RestoreResult {
        serverCommand = List.copyOf(serverCommand);
    }

    /** Keys that had expired by now and stay dead. */
    public long expired() {
        return expiredInSnapshot + expiredByLog;
    }
}
