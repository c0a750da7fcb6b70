package io.redback.cli;

import io.redback.repo.LockHolder;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/** How unlock and check --repo show a repository lock, in text and in JSON. */
final class LockText {
    private LockText() {
    }

    /** {@code prune on host h (pid 1, user u) since T, last refreshed T (3 min ago)}. */
    static String line(LockHolder h, Instant now) {
        return h.who() + ", last refreshed " + h.refreshedAt() + " (" + h.age(now).toMinutes() + " min ago)";
    }

    static Map<String, Object> json(LockHolder h, Instant now) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", h.id());
        m.put("operation", h.operation());
        m.put("exclusive", h.exclusive());
        m.put("host", h.host());
        m.put("pid", h.pid());
        m.put("user", h.user());
        m.put("createdAt", h.createdAt().toString());
        m.put("refreshedAt", h.refreshedAt().toString());
        m.put("stale", h.isStale(now));
        return m;
    }
}
