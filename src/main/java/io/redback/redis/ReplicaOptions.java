package io.redback.redis;

import java.time.Duration;
import java.util.Objects;

/**
 * How a replica link behaves, for a one-off full sync ({@link ReplicaSync}) and for a link that
 * stays open ({@link ReplicationLink}) alike. Each stage of the link has its own limit, and a
 * timeout names the stage it happened in; connecting and logging in take the URI's
 * {@link RedisUri#connectTimeout()}.
 *
 * @param readTimeout  longest silence tolerated while the RDB or the command stream arrives. A
 *                     master PINGs its replicas every {@code repl-ping-replica-period} (10 s), so
 *                     this only trips on a dead link
 * @param retryFor     how long to keep retrying a source that is loading or has no master link
 * @param progress     told about the RDB transfer of a full sync
 * @param prepareLimit longest wait from PSYNC until the RDB starts to arrive, whatever arrives
 *                     meanwhile: the source forks and, without diskless sync, writes the whole
 *                     RDB to its disk first, sending a keepalive newline every second, which
 *                     would otherwise keep a replica waiting for ever
 */
public record ReplicaOptions(Duration readTimeout, Duration retryFor, TransferProgress progress,
                             Duration prepareLimit) {
    /** Redis's repl-timeout: the silence after which a replica gives its master up. */
    public static final Duration DEFAULT_READ_TIMEOUT = Duration.ofSeconds(60);
    /** Enough for a fork and a disk-based save of a few hundred GB. */
    public static final Duration DEFAULT_PREPARE_LIMIT = Duration.ofHours(1);

    public ReplicaOptions {
        positive(readTimeout, "readTimeout");
        Objects.requireNonNull(retryFor, "retryFor");
        Objects.requireNonNull(progress, "progress");
        positive(prepareLimit, "prepareLimit");
    }

    /** 60 s read timeout (Redis's repl-timeout), 30 s of retries, no progress, 1 h to prepare the RDB. */
    public static ReplicaOptions defaults() {
        return new ReplicaOptions(DEFAULT_READ_TIMEOUT, Duration.ofSeconds(30), TransferProgress.NONE,
                DEFAULT_PREPARE_LIMIT);
    }

    public ReplicaOptions withReadTimeout(Duration timeout) {
        return new ReplicaOptions(timeout, retryFor, progress, prepareLimit);
    }

    public ReplicaOptions withRetryFor(Duration duration) {
        return new ReplicaOptions(readTimeout, duration, progress, prepareLimit);
    }

    public ReplicaOptions withProgress(TransferProgress listener) {
        return new ReplicaOptions(readTimeout, retryFor, listener, prepareLimit);
    }

    public ReplicaOptions withPrepareLimit(Duration limit) {
        return new ReplicaOptions(readTimeout, retryFor, progress, limit);
    }

    /** Every stage limited to {@code timeout} ({@code --timeout}); the connect timeout is the URI's. */
    public ReplicaOptions withTimeout(Duration timeout) {
        return new ReplicaOptions(timeout, retryFor, progress, timeout);
    }

    private static void positive(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be positive: " + d);
        }
    }
}
