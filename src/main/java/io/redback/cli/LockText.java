package io.redback.cli;

import io.redback.repo.LockHolder;
import java.time.Instant;

/** How unlock and check --repo show a repository lock, in text and in JSON. */
final class LockText {
    private LockText() {
    }

    /** {@code prune on host h (pid 1, user u) since T, last refreshed T (3 min ago)}. */
    static String line(LockHolder h, Instant now) {
        return h.who() + ", last refreshed " + h.refreshedAt() + " (" + h.age(now).toMinutes() + " min ago)";
    }

    static LockJson json(LockHolder h, Instant now) {
        return new LockJson(h.id(), h.operation(), h.exclusive(), h.host(), h.pid(), h.user(),
                h.createdAt().toString(), h.refreshedAt().toString(), h.isStale(now));
    }

    /** A repository lock as JSON: who holds it, since when, and whether it is stale. */
    record LockJson(String id, String operation, boolean exclusive, String host, long pid, String user,
                    String createdAt, String refreshedAt, boolean stale) {
    }
}
