package io.redback.repo;

import io.redback.storage.Storage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.NoSuchFileException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * An exclusive lock on a repository, held by an operation that deletes or rewrites what others
 * may be reading or deciding from ({@code prune}, {@code compact}), restic-style: the holder
 * writes {@code locks/<id>.json}, then lists {@code locks/}; if any other lock is there that is
 * not stale, it deletes its own and fails with a {@link RepositoryLockedException} naming the
 * holder. Two operations starting at the same instant may both see the other and both fail;
 * never both go on. Storage offers no conditional writes, so this is the whole protocol. While
 * held, a daemon thread rewrites the lock every {@link #REFRESH_EVERY}; a lock not refreshed for
 * {@link #STALE_AFTER} belongs to a process that is gone, and is ignored (and said so). Closing
 * stops the refreshing and deletes the lock. Backups and streams take no lock: they only add
 * objects, which prune and compact leave alone while they are young.
 */
public final class RepositoryLock implements AutoCloseable {
    /** A lock not refreshed for this long is stale: its holder is taken to be gone. */
    public static final Duration STALE_AFTER = Duration.ofMinutes(30);
    /** How often a held lock is rewritten with a new refreshedAt; well within {@link #STALE_AFTER}. */
    public static final Duration REFRESH_EVERY = Duration.ofMinutes(5);

    private static final Pattern OPERATION = Pattern.compile("[a-z][a-z-]{0,31}");
    private static final Pattern LOCK_NAME = Pattern.compile("[A-Za-z0-9._-]+\\.json");

    private final Storage storage;
    private final Clock clock;
    private final Consumer<String> notice;
    private final ScheduledExecutorService refresher;
    private LockHolder held; // guarded by this
    private boolean closed; // guarded by this

    private RepositoryLock(Storage storage, Clock clock, LockHolder held, Duration refreshEvery,
                           Consumer<String> notice) {
        this.storage = storage;
        this.clock = clock;
        this.held = held;
        this.notice = notice;
        this.refresher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "redback-lock-refresh");
            t.setDaemon(true); // never keeps the JVM alive after the operation
            return t;
        });
        long every = refreshEvery.toMillis();
        refresher.scheduleWithFixedDelay(this::refreshOrSay, every, every, TimeUnit.MILLISECONDS);
    }

    /** Every lock in a repository and what {@link #unlock} did with it. */
    public record Unlocked(List<LockHolder> removed, List<LockHolder> kept) {
        public Unlocked {
            removed = List.copyOf(removed);
            kept = List.copyOf(kept);
        }
    }

    /**
     * Takes the repository's exclusive lock for operation, refreshing it every refreshEvery until
     * closed. Stale locks of others are ignored and named through notice. Throws
     * {@link RepositoryLockedException} (its own lock already deleted) when another holds one.
     */
    static RepositoryLock acquireExclusive(Storage storage, String operation, Clock clock, Duration refreshEvery,
                                           Consumer<String> notice) throws IOException {
        if (operation == null || !OPERATION.matcher(operation).matches()) {
            throw new IllegalArgumentException("a lock's operation is a lowercase word such as prune, not '"
                    + operation + "'");
        }
        if (refreshEvery.isZero() || refreshEvery.isNegative() || refreshEvery.compareTo(STALE_AFTER) >= 0) {
            throw new IllegalArgumentException("a lock must be refreshed more often than every " + STALE_AFTER);
        }
        Instant now = now(clock);
        Here here = Here.current();
        LockHolder mine = new LockHolder(LockHolder.FORMAT_VERSION, newId(), true, operation, here.host(), here.pid(),
                here.user(), now, now);
        write(storage, mine);
        try {
            // Listed after our own lock is durable: whoever writes theirs later sees ours, so never both go on.
            Instant checked = now(clock);
            List<LockHolder> others = new ArrayList<>();
            for (LockHolder other : all(storage)) {
                if (other.id().equals(mine.id())) {
                    continue;
                }
                if (other.isStale(checked)) {
                    notice.accept("ignoring a stale lock of " + other.operation() + " on host " + other.host()
                            + " since " + other.createdAt() + " (pid " + other.pid() + ", last refreshed "
                            + other.refreshedAt() + ", more than " + minutes(STALE_AFTER) + " ago; `redback unlock` "
                            + "removes it)");
                } else {
                    others.add(other);
                }
            }
            if (!others.isEmpty()) {
                throw new RepositoryLockedException(storage.describe(), operation, others, checked);
            }
        } catch (IOException | RuntimeException e) {
            try {
                storage.delete(mine.key());
            } catch (IOException | RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        return new RepositoryLock(storage, clock, mine, refreshEvery, notice);
    }

    /** The lock as last written. */
    public synchronized LockHolder holder() {
        return held;
    }

    /** Rewrites the lock with refreshedAt now, unless it was released. */
    synchronized void refresh() throws IOException {
        if (closed) {
            return;
        }
        LockHolder next = held.refreshed(now(clock));
        write(storage, next);
        held = next;
    }

    private void refreshOrSay() {
        try {
            refresh();
        } catch (IOException | RuntimeException e) {
            // The operation goes on; should this last, others may take the lock as stale, so say so now.
            notice.accept("could not refresh the lock " + holder().key() + " (" + e.getMessage() + "); if this lasts "
                    + minutes(STALE_AFTER) + ", another prune or compact may start beside this one");
        }
    }

    /**
     * Stops refreshing and deletes the lock. Waits for a refresh under way, so that no refresh
     * can write the lock again after it is deleted.
     */
    @Override
    public void close() throws IOException {
        LockHolder last;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            last = held;
        }
        refresher.shutdown();
        storage.delete(last.key());
    }

    /**
     * Every lock in the repository, oldest first. One that cannot be read (damaged, or of a newer
     * format) counts as a lock of an unknown holder taken when the object was last written, so
     * that it still holds others off until it is stale. One deleted since the listing is left out.
     */
    static List<LockHolder> all(Storage storage) throws IOException {
        List<LockHolder> out = new ArrayList<>();
        for (Storage.ObjectInfo o : storage.list(Layout.LOCKS)) {
            String name = o.key().substring(Layout.LOCKS.length());
            if (!LOCK_NAME.matcher(name).matches()) {
                continue; // not a lock redback wrote, nor one it would write
            }
            String id = name.substring(0, name.length() - ".json".length());
            try {
                LockHolder h = RepoJson.read(storage, o.key(), LockHolder.class, LockHolder.FORMAT_VERSION);
                out.add(h.id().equals(id) ? h : new LockHolder(h.formatVersion(), id, h.exclusive(), h.operation(),
                        h.host(), h.pid(), h.user(), h.createdAt(), h.refreshedAt()));
            } catch (NoSuchFileException released) {
                // Its holder finished between the listing and the read.
            } catch (RepositoryException unreadable) {
                out.add(new LockHolder(LockHolder.FORMAT_VERSION, id, true, "unknown", "unknown", -1, "unknown",
                        o.lastModified(), o.lastModified()));
            }
        }
        out.sort(Comparator.comparing(LockHolder::createdAt).thenComparing(LockHolder::id));
        return out;
    }

    /** Deletes the stale locks (with {@code all}, every lock) and says which it deleted and which it kept. */
    static Unlocked unlock(Storage storage, Clock clock, boolean all) throws IOException {
        Instant now = now(clock);
        List<LockHolder> removed = new ArrayList<>();
        List<LockHolder> kept = new ArrayList<>();
        for (LockHolder h : all(storage)) {
            if (all || h.isStale(now)) {
                storage.delete(h.key());
                removed.add(h);
            } else {
                kept.add(h);
            }
        }
        return new Unlocked(removed, kept);
    }

    static String minutes(Duration d) {
        return d.toMinutes() + " minutes";
    }

    private static void write(Storage storage, LockHolder lock) throws IOException {
        byte[] json = RepoJson.write(lock);
        storage.put(lock.key(), new ByteArrayInputStream(json), json.length);
    }

    private static Instant now(Clock clock) {
        return clock.instant().truncatedTo(ChronoUnit.MILLIS);
    }

    private static String newId() {
        byte[] id = new byte[16];
        new SecureRandom().nextBytes(id);
        return HexFormat.of().formatHex(id);
    }

    /** Who takes a lock: enough for a person to find the process, or to know it is gone. */
    private record Here(String host, long pid, String user) {
        static Here current() {
            String host;
            try {
                host = InetAddress.getLocalHost().getHostName();
            } catch (IOException e) {
                host = Objects.requireNonNullElse(System.getenv("HOSTNAME"), "unknown");
            }
            return new Here(host, ProcessHandle.current().pid(), System.getProperty("user.name", "unknown"));
        }
    }
}
