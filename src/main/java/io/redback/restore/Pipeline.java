package io.redback.restore;

import io.redback.redis.RedisConnection;
import io.redback.redis.RedisConnector;
import io.redback.redis.RedisErrorReply;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
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
        /** command: the refused command as it was sent, encoded as RESP. */
        Object follow(RedisErrorReply redirect, byte[] command) throws IOException;
    }

    private static final Set<String> RETRY = Set.of("LOADING", "BUSY", "TRYAGAIN", "OOM");
    /** At most this many bytes are written between two looks at the target's memory. */
    private static final long MEMORY_CHECK_BYTES = 16L << 20;
    /** What a key costs the target beyond its value bytes (dict entry, object headers, expiry), roughly. */
    private static final long KEY_OVERHEAD = 128;
    /** ... and at most this many keys. */
    private static final long MEMORY_CHECK_KEYS = 1000;

    private final RedisConnector connector;
    private final int window;
    private final long windowBytes;
    private final Throttle limits;
    private RedisConnection c;
    // The commands in flight, encoded once: buf[head, tail) holds them in order, buf[head, written)
    // went to the socket, buf[written, tail) waits for the next write. Kept for a resend after a
    // lost connection; nothing is allocated per command (the big memory cost was the copies).
    private byte[] buf = new byte[1 << 20];
    private int head;
    private int written;
    private int tail;
    private int building = -1; // where the command being encoded starts, or -1
    private int argsLeft;
    // One slot per command in flight (a ring): its reply handler, length, database, flags.
    private Reply[] replies = new Reply[1024];
    private int[] lengths = new int[1024];
    private int[] dbs = new int[1024];
    private byte[] flags = new byte[1024];
    private int first;
    private int count;
    private static final byte COUNTED = 1;
    private static final byte RESENT = 2;
    // The command whose reply is being handled (see answeredArg).
    private byte[] answered;
    private int answeredAt = -1;
    private int answeredDb;
    private final byte[] digits = new byte[20];
    private final byte[] lengthDigits = new byte[20]; // header() runs while arg(long) holds its digits
    private int db;
    private long sentBytes;
    private long keys;
    private long throttledBytes;
    private long startNanos = -1;
    private long memoryBudget = 64 * KEY_OVERHEAD; // look early: how much memory a byte sent costs is not known yet
    private long keysSinceCheck;
    private long keysBetweenChecks = MEMORY_CHECK_KEYS;
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
        encode(args);
        end(reply, (byte) 0);
    }

    /** Sends a key's write: throttled by --rate and --max-bandwidth, and the target's memory checked now and then. */
    void sendKey(Reply reply, long bytes, Object... args) throws IOException {
        encode(args);
        endKey(reply);
    }

    // ------------------------------------------------------------ commands encoded in place

    /** Starts a command of {@code argc} arguments, added with the {@code arg} methods, sent by {@link #end}/{@link #endKey}. */
    void begin(int argc) {
        if (building >= 0) {
            throw new IllegalStateException("a command is already being encoded");
        }
        ensure(32);
        building = tail;
        argsLeft = argc;
        header('*', argc);
    }

    void arg(byte[] b) {
        arg(b, 0, b.length);
    }

    void arg(byte[] b, int off, int len) {
        argsLeft--;
        ensure(len + 32);
        header('$', len);
        System.arraycopy(b, off, buf, tail, len);
        tail += len;
        buf[tail++] = '\r';
        buf[tail++] = '\n';
    }

    void arg(String s) {
        arg(s.getBytes(StandardCharsets.UTF_8));
    }

    void arg(long v) {
        argsLeft--;
        ensure(64);
        int n = 0;
        boolean negative = v < 0;
        long x = negative ? v : -v; // negative magnitudes: Long.MIN_VALUE has no positive twin
        do {
            digits[n++] = (byte) ('0' - (x % 10));
            x /= 10;
        } while (x != 0);
        header('$', n + (negative ? 1 : 0));
        if (negative) {
            buf[tail++] = '-';
        }
        while (n > 0) {
            buf[tail++] = digits[--n];
        }
        buf[tail++] = '\r';
        buf[tail++] = '\n';
    }

    /** Sends the command encoded since {@link #begin}. */
    void end(Reply reply) throws IOException {
        end(reply, (byte) 0);
    }

    /** Sends the key's write encoded since {@link #begin}, throttled and memory-checked as {@link #sendKey}. */
    void endKey(Reply reply) throws IOException {
        long bytes = tail - building;
        throttle(bytes);
        end(reply, COUNTED);
        bytesSinceCheck += bytes + KEY_OVERHEAD;
        if (limits.maxMemoryPercent() > 0 && ((memoryBudget -= bytes + KEY_OVERHEAD) <= 0
                || ++keysSinceCheck >= keysBetweenChecks)) {
            checkMemory();
        }
    }

    /**
     * Argument {@code i} of the command whose reply is being handled (0 is its name), for the
     * messages of a handler shared by many commands; only valid inside {@link Reply#handle}.
     */
    byte[] answeredArg(int i) {
        if (answeredAt < 0) {
            throw new IllegalStateException("no reply is being handled");
        }
        int p = answeredAt;
        p = skipLine(answered, p); // *argc
        for (int k = 0; ; k++) {
            int len = 0;
            int q = p + 1; // after '$'
            while (answered[q] != '\r') {
                len = len * 10 + (answered[q++] - '0');
            }
            q += 2;
            if (k == i) {
                return java.util.Arrays.copyOfRange(answered, q, q + len);
            }
            p = q + len + 2;
        }
    }

    /** How many arguments (its name included) the command whose reply is being handled has. */
    int answeredArgc() {
        if (answeredAt < 0) {
            throw new IllegalStateException("no reply is being handled");
        }
        int n = 0;
        for (int q = answeredAt + 1; answered[q] != '\r'; q++) { // after '*'
            n = n * 10 + (answered[q] - '0');
        }
        return n;
    }

    /** The database the command whose reply is being handled went to. */
    int answeredDb() {
        return answeredDb;
    }

    private static int skipLine(byte[] b, int p) {
        while (b[p] != '\n') {
            p++;
        }
        return p + 1;
    }

    private void encode(Object[] args) {
        begin(args.length);
        for (Object a : args) {
            if (a instanceof byte[] b) {
                arg(b);
            } else if (a instanceof String s) {
                arg(s);
            } else if (a instanceof Long || a instanceof Integer) {
                arg(((Number) a).longValue());
            } else {
                building = -1;
                throw new IllegalArgumentException("command argument must be a String, byte[], Long or Integer, not "
                        + (a == null ? "null" : a.getClass().getName()));
            }
        }
    }

    private void header(char type, long n) {
        buf[tail++] = (byte) type;
        if (n < 10) {
            buf[tail++] = (byte) ('0' + n);
        } else {
            int k = 0;
            do {
                lengthDigits[k++] = (byte) ('0' + n % 10);
                n /= 10;
            } while (n != 0);
            while (k > 0) {
                buf[tail++] = lengthDigits[--k];
            }
        }
        buf[tail++] = '\r';
        buf[tail++] = '\n';
    }

    /** Room for n more bytes: moves the commands in flight to the front, or grows the buffer. */
    private void ensure(int n) {
        if (tail + n <= buf.length) {
            return;
        }
        int live = tail - head;
        if (head > 0 && live + n <= buf.length) {
            System.arraycopy(buf, head, buf, 0, live);
        } else {
            long want = Math.max((long) buf.length * 2, (long) live + n);
            if (want > Integer.MAX_VALUE - 16) {
                throw new IllegalStateException("a command above 2 GiB cannot be sent");
            }
            byte[] grown = new byte[(int) want];
            System.arraycopy(buf, head, grown, 0, live);
            buf = grown;
        }
        written -= head;
        tail -= head;
        if (building >= 0) {
            building -= head;
        }
        head = 0;
    }

    private void end(Reply reply, byte flag) throws IOException {
        if (argsLeft != 0) {
            building = -1;
            throw new IllegalStateException("a command was sent with " + argsLeft + " argument(s) missing");
        }
        int len = tail - building;
        building = -1;
        if (count == replies.length) {
            growRing();
        }
        int slot = (first + count) & (replies.length - 1);
        replies[slot] = reply;
        lengths[slot] = len;
        dbs[slot] = db;
        flags[slot] = flag;
        count++;
        sentBytes += len;
        if (tail - written >= 1 << 16) {
            if (!write()) {
                return;
            }
        }
        if (count > window || tail - head > windowBytes) {
            while (count > window / 2 || tail - head > windowBytes / 2) {
                receiveOne();
            }
        }
    }

    private void growRing() {
        int n = replies.length;
        Reply[] r = new Reply[n * 2];
        int[] l = new int[n * 2];
        int[] d = new int[n * 2];
        byte[] f = new byte[n * 2];
        for (int i = 0; i < count; i++) {
            int s = (first + i) & (n - 1);
            r[i] = replies[s];
            l[i] = lengths[s];
            d[i] = dbs[s];
            f[i] = flags[s];
        }
        replies = r;
        lengths = l;
        dbs = d;
        flags = f;
        first = 0;
    }

    /** Writes what waits for the socket; false when the connection was lost (and recovered: all sent again). */
    private boolean write() throws IOException {
        try {
            c.write(buf, written, tail - written);
            written = tail;
            return true;
        } catch (IOException e) {
            recover(e);
            return false;
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
        while (count > 0) {
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
        if (written < tail && !write()) {
            return;
        }
        Object reply;
        try {
            reply = c.receive();
        } catch (IOException e) {
            recover(e);
            return;
        }
        int slot = first;
        Reply handler = replies[slot];
        int len = lengths[slot];
        int at = head;
        int sentTo = dbs[slot];
        boolean resent = (flags[slot] & RESENT) != 0;
        byte flag = flags[slot];
        replies[slot] = null;
        first = (first + 1) & (replies.length - 1);
        count--;
        head += len;
        if (redirects != null && reply instanceof RedisErrorReply e && ("MOVED".equals(e.code()) || "ASK".equals(e.code()))) {
            // a TRYAGAIN there is retried below, here, and redirected again
            reply = redirects.follow(e, java.util.Arrays.copyOfRange(buf, at, at + len));
        }
        if (reply instanceof RedisErrorReply e && RETRY.contains(e.code())) {
            byte[] again = java.util.Arrays.copyOfRange(buf, at, at + len);
            waitOut(e);
            retries++;
            int selected = db;
            db = -1; // the resend may go to another database than the one selected now
            reselect(sentTo);
            resend(again, handler, (byte) (flag | RESENT));
            reselect(selected);
            return;
        }
        // The command's bytes stay where they are until the next one is encoded: handlers only read them.
        answered = buf;
        answeredAt = at;
        answeredDb = sentTo;
        try {
            handler.handle(reply, resent);
        } finally {
            answeredAt = -1;
            answered = null;
        }
        if (count == 0 && building < 0) {
            // Nothing in flight: start again at the front, and drop a big key's buffer.
            head = written = tail = 0;
            if (buf.length > 8 << 20) {
                buf = new byte[1 << 20];
            }
        }
    }

    /** Sends an encoded command again (after a retryable refusal or a lost connection). */
    private void resend(byte[] command, Reply reply, byte flag) throws IOException {
        ensure(command.length);
        building = tail;
        System.arraycopy(command, 0, buf, tail, command.length);
        tail += command.length;
        argsLeft = 0;
        end(reply, flag);
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
        // Take everything in flight out, then send it again in order.
        int n = count;
        byte[][] commands = new byte[n][];
        Reply[] handlers = new Reply[n];
        int[] toDb = new int[n];
        byte[] flag = new byte[n];
        int at = head;
        for (int i = 0; i < n; i++) {
            int s = (first + i) & (replies.length - 1);
            commands[i] = java.util.Arrays.copyOfRange(buf, at, at + lengths[s]);
            at += lengths[s];
            handlers[i] = replies[s];
            toDb[i] = dbs[s];
            flag[i] = flags[s];
            replies[s] = null;
        }
        first = 0;
        count = 0;
        head = written = tail = 0;
        int selected = db;
        db = connector.uri().db();
        for (int i = 0; i < n; i++) {
            reselect(toDb[i]);
            resend(commands[i], handlers[i], (byte) (flag[i] | RESENT));
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
            // No limit to stay under: look again only every 16 MiB (a limit set meanwhile is seen
            // then). Each look empties the pipeline: every 1000 keys, that was 1,000 stalls of the
            // target and 2,000 INFO round trips per million keys.
            memoryBudget = MEMORY_CHECK_BYTES;
            keysBetweenChecks = Long.MAX_VALUE;
            return;
        }
        keysBetweenChecks = MEMORY_CHECK_KEYS;
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
