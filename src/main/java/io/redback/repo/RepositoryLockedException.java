package io.redback.repo;

import java.time.Instant;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Another operation holds the repository's lock: which one, where and since when, and what to
 * do about it (wait; or, when its process is gone, let its lock go stale or remove it with
 * {@code redback unlock}). The lock the refused operation had written is already deleted.
 */
public final class RepositoryLockedException extends RepositoryException {
    private static final long serialVersionUID = 1L;

    private final transient List<LockHolder> holders;

    RepositoryLockedException(String where, String operation, List<LockHolder> holders, Instant now) {
        super(message(where, operation, holders, now));
        this.holders = List.copyOf(holders);
    }

    /** The locks that are not stale, oldest first. */
    public List<LockHolder> holders() {
        return holders;
    }

    private static String message(String where, String operation, List<LockHolder> holders, Instant now) {
        String who = holders.stream().map(h -> h.who() + " (last refreshed " + h.refreshedAt() + ", "
                + h.age(now).toSeconds() + " s ago)").collect(Collectors.joining("; and by "));
        Instant stale = holders.stream().map(h -> h.refreshedAt().plus(RepositoryLock.STALE_AFTER))
                .max(Instant::compareTo).orElse(now);
        return where + " is locked by " + who + ". Wait for it to finish, then run " + operation + " again. If that "
                + "process is gone, its lock is stale from " + stale + " (" + RepositoryLock.minutes(
                RepositoryLock.STALE_AFTER) + " without a refresh) and ignored from then on; to go on sooner, remove "
                + "it with `redback unlock --all --repo " + where + "`";
    }
}
