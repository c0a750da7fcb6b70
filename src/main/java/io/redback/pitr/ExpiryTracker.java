package io.redback.pitr;

import io.redback.resp.RespCommand;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/**
 * Follows the keys the replayed log gives an absolute deadline that has passed by now (Redis 7
 * propagates every TTL as one: PEXPIREAT, SET ... PXAT, and EXPIREAT, EXAT, GETEX, RESTORE ...
 * ABSTTL from older or other writers): such a key stays dead after the restore. A later write
 * that gives the key a future deadline or none, a DEL, or a FLUSH revives or forgets it. A cheap
 * estimate by design: renames and other ways a key moves are not followed.
 */
final class ExpiryTracker {
    private final long nowMs;
    private final Set<String> dead = new HashSet<>();

    ExpiryTracker(long nowMs) {
        this.nowMs = nowMs;
    }

    /** Keys with a passed deadline after everything observed. */
    long count() {
        return dead.size();
    }

    /** One replayed command, applied to db. */
    void observe(RespCommand c, int db) {
        if (c.argCount() < 1 || !c.retained(0) || c.argLength(0) > 16) {
            return;
        }
        String name = c.argString(0).toLowerCase(Locale.ROOT);
        switch (name) {
            case "pexpireat" -> deadline(c, db, c.argCount() >= 3 ? c.argLong(2, Long.MIN_VALUE) : Long.MIN_VALUE);
            case "expireat" -> deadline(c, db, seconds(c.argCount() >= 3 ? c.argLong(2, Long.MIN_VALUE) : Long.MIN_VALUE));
            case "set" -> set(c, db);
            case "getex" -> options(c, db, 2, false);
            case "persist" -> forget(c, db, 1);
            case "restore" -> restore(c, db);
            case "del", "unlink" -> {
                for (int i = 1; i < c.argCount(); i++) {
                    forget(c, db, i);
                }
            }
            case "flushall" -> dead.clear();
            case "flushdb" -> dead.removeIf(k -> k.startsWith(db + ":"));
            default -> {
            }
        }
    }

    private void set(RespCommand c, int db) {
        if (c.argCount() >= 3) {
            options(c, db, 3, true);
        }
    }

    /** Options from argument first on: PXAT/EXAT mark; PX/EX (relative: after the replay) and, for SET, none revive. */
    private void options(RespCommand c, int db, int first, boolean clearsTtl) {
        for (int i = first; i < c.argCount(); i++) {
            if (c.argEqualsIgnoreCase(i, "KEEPTTL")) {
                return;
            }
            if (c.argEqualsIgnoreCase(i, "PERSIST")) {
                forget(c, db, 1);
                return;
            }
            if (i + 1 < c.argCount()) {
                if (c.argEqualsIgnoreCase(i, "PXAT")) {
                    deadline(c, db, c.argLong(i + 1, Long.MIN_VALUE));
                    return;
                }
                if (c.argEqualsIgnoreCase(i, "EXAT")) {
                    deadline(c, db, seconds(c.argLong(i + 1, Long.MIN_VALUE)));
                    return;
                }
                if (c.argEqualsIgnoreCase(i, "PX") || c.argEqualsIgnoreCase(i, "EX")) {
                    forget(c, db, 1);
                    return;
                }
            }
        }
        if (clearsTtl) {
            forget(c, db, 1);
        }
    }

    private void restore(RespCommand c, int db) {
        if (c.argCount() < 4) {
            return;
        }
        long ttl = c.argLong(2, Long.MIN_VALUE);
        boolean absolute = false;
        for (int i = 4; i < c.argCount(); i++) {
            absolute |= c.argEqualsIgnoreCase(i, "ABSTTL");
        }
        if (absolute && ttl > 0) {
            deadline(c, db, ttl);
        } else {
            forget(c, db, 1);
        }
    }

    private static long seconds(long s) {
        return s == Long.MIN_VALUE || Math.abs(s) > Long.MAX_VALUE / 1000 ? Long.MIN_VALUE : s * 1000;
    }

    private void deadline(RespCommand c, int db, long ms) {
        if (ms == Long.MIN_VALUE) {
            return; // not a number: Redis refused it, nothing changed
        }
        String key = key(c, db, 1);
        if (key == null) {
            return;
        }
        if (ms <= nowMs) {
            dead.add(key);
        } else {
            dead.remove(key);
        }
    }

    private void forget(RespCommand c, int db, int i) {
        String key = key(c, db, i);
        if (key != null) {
            dead.remove(key);
        }
    }

    private static String key(RespCommand c, int db, int i) {
        if (i >= c.argCount() || !c.retained(i)) {
            return null;
        }
        return db + ":" + new String(c.data(), c.dataOffset(i), (int) c.argLength(i), StandardCharsets.ISO_8859_1);
    }
}
