package io.redback.redis;

import java.time.Duration;
import java.util.Objects;

/**
 * How a replica link behaves, for a one-off full sync ({@link ReplicaSync}) and for a link that
 * stays open ({@link ReplicationLink}) alike.
 *
 * @param readTimeout longest silence tolerated once logged in. A master PINGs its replicas every
 *                    {@code repl-ping-replica-period} (10 s) and sends a keepalive newline every
 *                    second while it prepares an RDB, so this only trips on a dead link
 * @param retryFor    how long to keep retrying a source that is loading or has no master link
 * @param progress    told about the RDB transfer of a full sync
 */
public record ReplicaOptions(Duration readTimeout, Duration retryFor, TransferProgress progress) {
    public ReplicaOptions {
        Objects.requireNonNull(readTimeout, "readTimeout");
        Objects.requireNonNull(retryFor, "retryFor");
        Objects.requireNonNull(progress, "progress");
    }

    /** 60 s read timeout (Redis's repl-timeout), 30 s of retries, no progress. */
    public static ReplicaOptions defaults() {
        return new ReplicaOptions(Duration.ofSeconds(60), Duration.ofSeconds(30), TransferProgress.NONE);
    }

    public ReplicaOptions withReadTimeout(Duration timeout) {
        return new ReplicaOptions(timeout, retryFor, progress);
    }

    public ReplicaOptions withRetryFor(Duration duration) {
        return new ReplicaOptions(readTimeout, duration, progress);
    }

    public ReplicaOptions withProgress(TransferProgress listener) {
        return new ReplicaOptions(readTimeout, retryFor, listener);
    }
}
