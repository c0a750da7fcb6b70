package io.redback.stream;

import io.redback.redis.RedisConnection;
import io.redback.redis.RedisConnector;
import io.redback.redis.RedisUri;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * Compares the source's replication backlog with the rate the stream receives: a link down for
 * longer than the backlog covers (a redback restart, a network outage) cannot be continued and
 * forces a full sync and a new timeline. Warns when the backlog holds less than {@link #ENOUGH}
 * of writes, at most once per {@link #REPEAT_AFTER}. The backlog's size is asked with INFO on a
 * connection of its own; a source that refuses INFO is simply not watched.
 */
final class BacklogWatch {
    /** A backlog should bridge this long an outage (restart, reconnect backoff, a failover). */
    static final Duration ENOUGH = Duration.ofSeconds(60);
    static final Duration REPEAT_AFTER = Duration.ofHours(1);
    private static final long ASK_EVERY_MS = 5 * 60_000;

    private final RedisUri uri;
    private final LongSupplier clock;
    private long backlogBytes = -1;
    private long askedAt = Long.MIN_VALUE / 2; // halved: "now - askedAt" must not overflow
    private long lastOffset = -1;
    private long lastAt;
    private long warnedAt = Long.MIN_VALUE / 2;

    BacklogWatch(RedisUri uri, LongSupplier clock) {
        this.uri = uri;
        this.clock = clock;
    }

    /** Called every few seconds with the received offset; a warning when the backlog is short. */
    Optional<StreamEvent.BacklogShort> sample(long receivedOffset) {
        long now = clock.getAsLong();
        long previous = lastOffset;
        long previousAt = lastAt;
        lastOffset = receivedOffset;
        lastAt = now;
        if (previous < 0 || receivedOffset <= previous || now <= previousAt) {
            return Optional.empty(); // no rate yet, idle, or a new timeline started at another offset
        }
        double bytesPerSecond = (receivedOffset - previous) * 1000.0 / (now - previousAt);
        long backlog = backlog(now);
        if (backlog <= 0 || backlog >= bytesPerSecond * ENOUGH.toSeconds()
                || now - warnedAt < REPEAT_AFTER.toMillis()) {
            return Optional.empty();
        }
        warnedAt = now;
        return Optional.of(new StreamEvent.BacklogShort(backlog, bytesPerSecond));
    }

    private long backlog(long now) {
        if (now - askedAt >= ASK_EVERY_MS) {
            askedAt = now;
            try (RedisConnection c = RedisConnector.of(uri).connect()) {
                String size = c.info("replication").get("repl_backlog_size");
                backlogBytes = size == null ? -1 : Long.parseLong(size);
            } catch (IOException | RuntimeException e) {
                backlogBytes = -1; // no INFO for this user, or the source is away: nothing to compare
            }
        }
        return backlogBytes;
    }
}
