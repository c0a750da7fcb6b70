package io.redback.repo;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * One lock in a repository, stored as {@code locks/<id>.json}: which operation holds it
 * ({@code prune}, {@code compact}), where it runs (host, process id, user), when it took the lock
 * and when it last said it is still running. A holder rewrites its lock every
 * {@link RepositoryLock#REFRESH_EVERY}; a lock not refreshed for {@link RepositoryLock#STALE_AFTER}
 * is stale: its process is taken to be gone, and other operations ignore it.
 */
@JsonPropertyOrder({"formatVersion", "id", "exclusive", "operation", "host", "pid", "user", "createdAt",
        "refreshedAt"})
public record LockHolder(
        int formatVersion,
        String id,
        boolean exclusive,
        String operation,
        String host,
        long pid,
        String user,
        Instant createdAt,
        Instant refreshedAt) {

    public static final int FORMAT_VERSION = 1;

    public LockHolder {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(operation, "operation");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(refreshedAt, "refreshedAt");
    }

    /** Whether its holder has not refreshed it for {@link RepositoryLock#STALE_AFTER} at {@code now}. */
    public boolean isStale(Instant now) {
        return refreshedAt.plus(RepositoryLock.STALE_AFTER).isBefore(now);
    }

    /** How long ago it was last refreshed at {@code now} (zero when the holder's clock is ahead). */
    public Duration age(Instant now) {
        Duration age = Duration.between(refreshedAt, now);
        return age.isNegative() ? Duration.ZERO : age;
    }

    /** {@code prune on host db-backup-1 (pid 4711, user redis) since 2026-11-22T03:00:00Z}. */
    @JsonIgnore
    public String who() {
        return operation + " on host " + host + " (pid " + pid + ", user " + user + ") since " + createdAt;
    }

    /** The object key it is stored under. */
    @JsonIgnore
    public String key() {
        return Layout.lockKey(id);
    }

    LockHolder refreshed(Instant now) {
        return new LockHolder(formatVersion, id, exclusive, operation, host, pid, user, createdAt, now);
    }
}
