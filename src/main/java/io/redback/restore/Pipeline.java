package io.redback.restore;

import io.redback.redis.RedisConnection;
import io.redback.redis.RedisConnector;
import io.redback.redis.RedisErrorReply;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Commands to one server with many in flight: each is sent with what to do with its reply, and
 * replies are read, in order, whenever more than {@code window} commands or {@code windowBytes}
 * bytes are outstanding, so memory stays bounded while the link stays full. It follows the
 * selected database (SELECT only when it changes), keeps the commands in flight so that a lost
 * connection is reopened and they are sent again (resuming, not restarting), sends again a
 * command refused with LOADING, BUSY or TRYAGAIN, and is where the throttles act: keys and bytes
 * per second, and a pause while the target's memory is above the limit.
 */
final class Pipeline implements AutoCloseable {
    /** What to do with one reply (a {@link RedisErrorReply} value for an error); {@code resent}: sent more than once. */
    @FunctionalInterface
    interface Reply {
        void handle(Object reply, boolean resent) throws IOException;
    }

    /** Follows a MOVED or ASK reply to the node it names; the answer there is the command's reply. */
    @FunctionalInterface
    interface Redirects {
        Object follow(RedisErrorReply redirect, Object[] command) throws IOException;
    }

    private static final Set<String> RETRY = Set.of("LOADING", "BUSY", "TRYAGAIN", "OOM");
    /** At most this many bytes are written between two looks at the target's memory. */
    private static final long MEMORY_CHECK_BYTES = 16L << 20;
    /** What a key costs the target beyond its value bytes (dict entry, object headers, expiry), roughly. */
    private static final long KEY_OVERHEAD = 128;
    /** ... and at most this many keys. */
    private static final long MEMORY_CHECK_KEYS = 1000;

    private static final class Pending {
        final Reply reply;
        final long bytes;
        final int db;
        final Object[] args;
        final boolean counted;
        boolean resent;

        Pending(Reply reply, long bytes, int db, Object[] args, boolean counted) {
            this.reply = reply;
            this.bytes = bytes;
            this.db = db;
            this.args = args;
            this.counted = counted;
        }
    }

    private final RedisConnector connector;
    private final int window;
    private final long windowBytes;
    private final Throttle limits;
    private final ArrayDeque<Pending> pending = new ArrayDeque<>();
    private RedisConnection c;
    private long pendingBytes;
    private int db;
    private long sentBytes;
    private long keys;
    private long throttledBytes;
    private long startNanos = -1;
    private long memoryBudget = 64 * KEY_OVERHEAD; // look early: how much memory a byte sent costs is not known yet
    private long keysSinceCheck;
    private long bytesSinceCheck;
    private long usedAtCheck = -1;
    private double memoryPerByte = 1;
    private long evictedAtStart = -1;
    private long reconnects;
    private long retries;
    private Redirects redirects;

    Pipeline(RedisConnector connector, int window, long windowBytes, Throttle limits) throws IOException {
        this.connector = connector;
        this.window = window;
        this.windowBytes = windowBytes;
        this.limits = limits;
        this.c = connector.connect();
        this.db = connector.uri().db();
    }

    /** A cluster target: MOVED and ASK replies are followed there instead of being the reply. */
    void redirects(Redirects r) {
        this.redirects = r;
    }

    /** The connection, for plain calls while nothing is in flight. */
    RedisConnection connection() throws IOException {
        drain();
        return c;
    }

    /** Sends a command; {@code bytes} is its approximate size on the wire. */
    void send(Reply reply, long bytes, Object... args) throws IOException {
        push(new Pending(reply, bytes, db, args, false));
    }

    /** Sends a key's write: throttled by --rate and --max-bandwidth, and the target's memory checked now and then. */
    void sendKey(Reply reply, long bytes, Object... args) throws IOException {
        throttle(bytes);
        push(new Pending(reply, bytes, db, args, true));
        bytesSinceCheck += bytes + KEY_OVERHEAD;
        if (limits.maxMemoryPercent() > 0 && ((memoryBudget -= bytes + KEY_OVERHEAD) <= 0
                || ++keysSinceCheck >= MEMORY_CHECK_KEYS)) {
            checkMemory();
        }
    }

    private void push(Pending p) throws IOException {
        try {
            c.send(p.args);
        } catch (IOException e) {
            pending.add(p);
            pendingBytes += p.bytes;
            recover(e);
            return;
        }
        pending.add(p);
        pendingBytes += p.bytes;
        sentBytes += p.bytes;
        if (pending.size() > window || pendingBytes > windowBytes) {
            while (pending.size() > window / 2 || pendingBytes > windowBytes / 2) {
                receiveOne();
            }
        }
    }

    /** Makes {@code target} the selected database (SELECT, pipelined, only when it changes). */
    void select(int target) throws IOException {
        if (target == db) {
            return;
        }
        db = target;
        send((reply, resent) -> {
            if (reply instanceof RedisErrorReply e) {
                throw new StopRestore("the target refused SELECT " + target + ": " + e.getMessage()
                        + " (map the database elsewhere with --db-map " + target + ":N)");
            }
        }, 16, "SELECT", target);
    }

    /** Reads every outstanding reply. */
    void drain() throws IOException {
        while (!pending.isEmpty()) {
            receiveOne();
        }
    }

    /** Bytes of commands sent so far. */
    long sentBytes() {
        return sentBytes;
    }

    long reconnects() {
        return reconnects;
    }

    long retries() {
        return retries;
    }

    @Override
    public void close() {
        c.close();
    }

    private void receiveOne() throws IOException {
        Object reply;
        try {
            reply = c.receive();
        } catch (IOException e) {
            recover(e);
            return;
        }
        Pending p = pending.poll();
        pendingBytes -= p.bytes;
        if (redirects != null && reply instanceof RedisErrorReply e && ("MOVED".equals(e.code()) || "ASK".equals(e.code()))) {
            reply = redirects.follow(e, p.args); // a TRYAGAIN there is retried below, here, and redirected again
        }
        if (reply instanceof RedisErrorReply e && RETRY.contains(e.code())) {
            waitOut(e);
            p.resent = true;
            retries++;
            int selected = db;
            db = -1; // the resend may go to another database than the one selected now
            reselect(p.db);
            push(p);
            reselect(selected);
            return;
        }
        p.reply.handle(reply, p.resent);
    }

    private void reselect(int target) throws IOException {
        if (db != target) {
            db = target;
            send((reply, resent) -> { }, 16, "SELECT", target);
        }
    }

    /** A LOADING, BUSY, TRYAGAIN or OOM reply: wait a little, longer for OOM (the memory check decides). */
    private void waitOut(RedisErrorReply e) throws IOException {
        if ("OOM".equals(e.code())) {
            if (limits.maxMemoryPercent() <= 0) {
                throw new StopRestore("the target is out of memory (" + e.getMessage() + ")");
            }
            drain();
            if (!memoryFalls(limits.memoryWait())) {
                throw new StopRestore("the target is out of memory (" + e.getMessage() + ") and stayed so for "
                        + limits.memoryWait().toSeconds() + " s");
            }
            return;
        }
        sleep(200);
    }

    /**
     * The connection was lost: reopen it (waiting while the target restarts or loads, up to
     * retryFor) and send again everything in flight, in order, each in its own database.
     */
    private void recover(IOException cause) throws IOException {
        long deadline = System.nanoTime() + limits.retryFor().toNanos();
        c.close();
        IOException last = cause;
        long backoff = 200;
        while (true) {
            if (System.nanoTime() > deadline) {
                throw new IOException("lost the connection to " + connector.uri() + " and could not reopen it within "
                        + limits.retryFor().toSeconds() + " s: " + last.getMessage(), last);
            }
            sleep(backoff);
            backoff = Math.min(backoff * 2, 2000);
            try {
                RedisConnection fresh = connector.connect();
                try {
                    fresh.call("PING");
                } catch (RedisErrorReply e) {
                    fresh.close();
                    last = new IOException(e.getMessage());
                    continue; // LOADING: the restarted server is reading its data
                }
                c = fresh;
                break;
            } catch (IOException e) {
                last = e;
            }
        }
        reconnects++;
        List<Pending> again = new ArrayList<>(pending);
        pending.clear();
        pendingBytes = 0;
        int selected = db;
        db = connector.uri().db();
        for (Pending p : again) {
            p.resent = true;
            reselect(p.db);
            push(p);
        }
        reselect(selected);
    }

    private void throttle(long bytes) {
        if (limits.keysPerSecond() <= 0 && limits.bytesPerSecond() <= 0) {
            return;
        }
        long now = System.nanoTime();
        if (startNanos < 0) {
            startNanos = now;
        }
        keys++;
        throttledBytes += bytes;
        double due = 0;
        if (limits.keysPerSecond() > 0) {
            due = Math.max(due, keys / limits.keysPerSecond());
        }
        if (limits.bytesPerSecond() > 0) {
            due = Math.max(due, throttledBytes / limits.bytesPerSecond());
        }
        long ahead = (long) (due * 1e9) - (now - startNanos);
        if (ahead > 1_000_000) {
            sleep(ahead / 1_000_000);
        }
    }

    /** Pauses while used_memory is above the limit; stops if it stays there, or if the target evicts keys. */
    private void checkMemory() throws IOException {
        drain();
        keysSinceCheck = 0;
        Memory m = memory();
        if (m.maxmemory() <= 0) {
            memoryBudget = MEMORY_CHECK_BYTES;
            return;
        }
        if (evictedAtStart >= 0 && m.evicted() > evictedAtStart) {
            throw new StopRestore("the target evicted " + (m.evicted() - evictedAtStart) + " key(s) while restoring "
                    + "(maxmemory " + m.maxmemory() + " bytes, policy evicts): stopped so that no more live keys go");
        }
        if (m.used() * 100 > m.maxmemory() * (long) limits.maxMemoryPercent()) {
            if (memoryFalls(limits.memoryWait())) {
                m = memory();
                usedAtCheck = -1; // others freed memory meanwhile: the last rate says nothing
            } else {
                throw new StopRestore("the target's used_memory stayed above " + limits.maxMemoryPercent()
                    + "% of maxmemory (" + m.maxmemory() + " bytes) for " + limits.memoryWait().toSeconds()
                    + " s: stopped before it evicts or refuses writes (raise maxmemory, or --max-memory)");
            }
        }
        // What a byte sent has cost the target so far (compressed values cost more than they weigh
        // on the wire); look again before a quarter of the headroom can be used at that rate.
        if (usedAtCheck >= 0 && bytesSinceCheck > 0) {
            memoryPerByte = Math.max(1, Math.max(memoryPerByte * 0.5, (double) (m.used() - usedAtCheck) / bytesSinceCheck));
        }
        usedAtCheck = m.used();
        bytesSinceCheck = 0;
        long limit = m.maxmemory() * limits.maxMemoryPercent() / 100;
        memoryBudget = (long) Math.min(MEMORY_CHECK_BYTES, Math.max(1, (limit - m.used()) / 4.0 / memoryPerByte));
    }

    /** Reads the eviction count once, before writing starts. */
    void startMemoryWatch() throws IOException {
        if (limits.maxMemoryPercent() > 0) {
            evictedAtStart = memory().evicted();
            checkMemory();
            memoryBudget = Math.min(memoryBudget, 64 * KEY_OVERHEAD); // a first look soon, to learn what a byte costs
        }
    }

    private boolean memoryFalls(Duration wait) throws IOException {
        long deadline = System.nanoTime() + wait.toNanos();
        while (true) {
            Memory m = memory();
            if (m.maxmemory() <= 0 || m.used() * 100 <= m.maxmemory() * (long) limits.maxMemoryPercent()) {
                return true;
            }
            if (System.nanoTime() > deadline) {
                return false;
            }
            sleep(500);
        }
    }

    private record Memory(long used, long maxmemory, long evicted) {}

    /** INFO memory and stats; a lost connection is reopened as for any command (recover gives up in time). */
    private Memory memory() throws IOException {
        while (true) {
            try {
                Map<String, String> mem = c.info("memory");
                Map<String, String> stats = c.info("stats");
                return new Memory(number(mem.get("used_memory")), number(mem.get("maxmemory")),
                        number(stats.get("evicted_keys")));
            } catch (IOException e) {
                recover(e);
            }
        }
    }

    private static long number(String s) {
        try {
            return s == null ? 0 : Long.parseLong(s.strip());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StopRestore("interrupted");
        }
    }

    /** Thrown from a reply handler when the target's answer means the restore cannot go on. */
    static final class StopRestore extends RuntimeException {
        private static final long serialVersionUID = 1L;

        StopRestore(String message) {
            super(message);
        }
    }
}
