package io.redback.restore;

import io.redback.redis.RedisConnection;
import io.redback.redis.RedisErrorReply;
import java.io.IOException;
import java.util.ArrayDeque;

/**
 * Commands to one server with many in flight: each is sent with what to do with its reply, and
 * replies are read, in order, whenever more than {@code window} commands or {@code windowBytes}
 * bytes are outstanding, so memory stays bounded while the link stays full. It also follows the
 * selected database, sending SELECT only when it changes.
 */
final class Pipeline {
    /** What to do with one reply (a {@link RedisErrorReply} value for an error). */
    @FunctionalInterface
    interface Reply {
        void handle(Object reply) throws IOException;
    }

    private record Pending(Reply reply, long bytes) {}

    private final RedisConnection c;
    private final int window;
    private final long windowBytes;
    private final ArrayDeque<Pending> pending = new ArrayDeque<>();
    private long pendingBytes;
    private int db;
    private long sentBytes;

    Pipeline(RedisConnection c, int db, int window, long windowBytes) {
        this.c = c;
        this.db = db;
        this.window = window;
        this.windowBytes = windowBytes;
    }

    /** Sends a command; {@code bytes} is its approximate size on the wire. */
    void send(Reply reply, long bytes, Object... args) throws IOException {
        c.send(args);
        pending.add(new Pending(reply, bytes));
        pendingBytes += bytes;
        sentBytes += bytes;
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
        send(reply -> {
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

    private void receiveOne() throws IOException {
        Object reply = c.receive();
        Pending p = pending.poll();
        pendingBytes -= p.bytes();
        p.reply().handle(reply);
    }

    /** Thrown from a reply handler when the target's answer means the restore cannot go on. */
    static final class StopRestore extends RuntimeException {
        private static final long serialVersionUID = 1L;

        StopRestore(String message) {
            super(message);
        }
    }
}
