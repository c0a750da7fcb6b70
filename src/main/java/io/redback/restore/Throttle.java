package io.redback.restore;

import java.time.Duration;

/**
 * How gently a restore writes into a live server: at most {@code keysPerSecond} keys and
 * {@code bytesPerSecond} bytes a second (0: no limit), a pause while the target's
 * {@code used_memory} is above {@code maxMemoryPercent} of its {@code maxmemory} (0: no check),
 * giving up after {@code memoryWait}; and how long to keep trying to reopen a lost connection
 * (a target restarting or loading) before giving up.
 */
public record Throttle(double keysPerSecond, double bytesPerSecond, int maxMemoryPercent, Duration memoryWait,
                       Duration retryFor) {
    /** No rate limit, a pause above 90% of maxmemory for up to a minute, reconnects for up to a minute. */
    public static final Throttle DEFAULT = new Throttle(0, 0, 90, Duration.ofSeconds(60), Duration.ofSeconds(60));

    public Throttle {
        if (keysPerSecond < 0 || bytesPerSecond < 0) {
            throw new IllegalArgumentException("--rate and --max-bandwidth must be positive");
        }
        if (maxMemoryPercent < 0 || maxMemoryPercent > 100) {
            throw new IllegalArgumentException("--max-memory " + maxMemoryPercent + ": expected a percentage, 1 to 100 "
                    + "(0: no check)");
        }
    }
}
