package io.redback.redis;

/**
 * Told how a transfer is going, once per buffer read (never per byte): bytes so far, the
 * total when known ({@code -1} when not, as for a diskless replication transfer), and the mean
 * rate so far. Called on the transferring thread: keep it cheap (store the numbers, let a
 * progress bar poll them).
 */
@FunctionalInterface
public interface TransferProgress {
    /** Ignores every update. */
    TransferProgress NONE = (bytes, total, mbPerSecond) -> { };

    void update(long bytes, long total, double mbPerSecond);

    /** Megabytes (10^6 bytes) per second for {@code bytes} in {@code elapsedNanos}. */
    static double mbPerSecond(long bytes, long elapsedNanos) {
        return elapsedNanos <= 0 ? 0 : bytes / 1e6 / (elapsedNanos / 1e9);
    }
}
