package io.redback.storage;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How storage requests are tried again: up to {@code attempts} tries in all, waiting before each
 * retry a random time up to an exponential bound ({@code firstDelay}, doubled each time, at most
 * {@code maxDelay}: "full jitter", so that many clients do not retry in step). Only a
 * {@link TransientStorageException} is retried; anything else ends at once. This is the one
 * place storage retries are written; {@link RetryingStorage} applies it around a whole backend.
 *
 * @param attempts   tries in all, at least 1
 * @param firstDelay the bound of the first wait
 * @param maxDelay   the largest bound of a wait
 */
public record Retry(int attempts, Duration firstDelay, Duration maxDelay) {
    /**
     * What every repository uses: 8 tries, waits bounded by 0.2 s doubling to 20 s (a backup would
     * rather wait out a bad minute than fail fast).
     */
    public static final Retry DEFAULT = new Retry(8, Duration.ofMillis(200), Duration.ofSeconds(20));

    public Retry {
        if (attempts < 1) {
            throw new IllegalArgumentException("attempts must be at least 1, not " + attempts);
        }
        Objects.requireNonNull(firstDelay, "firstDelay");
        Objects.requireNonNull(maxDelay, "maxDelay");
    }

    /** A storage request. */
    @FunctionalInterface
    public interface Call<T> {
        T run() throws IOException;
    }

    /**
     * Runs call until it succeeds, throws something other than a TransientStorageException, or
     * has been tried {@link #attempts} times; then the transient failure is thrown as
     * {@link TransientStorageException#after}. An interrupt during a wait ends it with an
     * InterruptedIOException carrying the last failure.
     */
    public <T> T call(Call<T> call) throws IOException {
        for (int tries = 1; ; tries++) {
            try {
                return call.run();
            } catch (TransientStorageException e) {
                if (tries >= attempts) {
                    throw e.after(tries);
                }
                sleep(delay(tries), e);
            }
        }
    }

    /** The wait before retry number {@code retry} (1 for the first). */
    Duration delay(int retry) {
        long bound = firstDelay.toMillis() << Math.min(retry - 1, 30);
        if (bound <= 0 || bound > maxDelay.toMillis()) {
            bound = maxDelay.toMillis();
        }
        return Duration.ofMillis(ThreadLocalRandom.current().nextLong(bound + 1));
    }

    private static void sleep(Duration wait, TransientStorageException last) throws InterruptedIOException {
        try {
            Thread.sleep(wait.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            InterruptedIOException stop = new InterruptedIOException("interrupted while waiting to retry: "
                    + last.getMessage());
            stop.initCause(last);
            throw stop;
        }
    }
}
