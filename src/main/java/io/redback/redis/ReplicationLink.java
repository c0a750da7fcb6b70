package io.redback.redis;

import io.redback.bytes.BulkInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Objects;

/**
 * A replica link that stays open: the connection continuous log shipping reads a source's write
 * stream from. {@link #open} logs in as {@link ReplicaSync} does (TLS, ACL user, password),
 * announces a replica ({@code capa eof capa psync2}; never {@code rdb-only}) and sends PSYNC:
 * from scratch, or from where the caller's data ends, so that a reconnect continues the same
 * history without a new snapshot while the source's backlog still holds the missed bytes.
 * {@link #start()} says which the source granted. A {@link FullResync} brings the RDB first
 * ({@link #rdb()}), then the command stream; a {@link Continue} brings the command stream only.
 * {@link #commands()} is that stream raw, exactly as Redis propagates it (RESP arrays, the same
 * bytes Redis counts for offsets: byte i is offset {@link #startOffset()} + i + 1). The caller
 * counts what it has processed and reports it with {@link #ack} at least every second or so,
 * from any thread: the source drops a replica whose last ACK is older than its
 * {@code repl-timeout} (60 s by default), and {@code WAIT} counts only acknowledged bytes.
 */
public final class ReplicationLink implements AutoCloseable {
    // A source reaps its fork on a serverCron tick (10 a second by default): resend the first ACK that often.
    private static final Duration FIRST_ACK_RESEND = Duration.ofMillis(100);
    private static final String STREAMING = "while streaming its writes";

    /** How the source answered PSYNC. */
    public sealed interface Start permits FullResync, Continue {
        /** The history the stream belongs to from now on. */
        String replicationId();
    }

    /**
     * {@code +FULLRESYNC <replid> <offset>}: an RDB at {@code offset} follows, then the stream
     * from {@code offset + 1}. A new history for the caller unless replid and offset continue its own.
     */
    public record FullResync(String replicationId, long offset) implements Start {}

    /**
     * {@code +CONTINUE [<replid>]}: the stream continues right after the caller's processed
     * offset. {@code replicationId} is the source's current one: the caller's own, or a new one
     * after a failover (PSYNC2: offsets carry on unchanged under the new id).
     */
    public record Continue(String replicationId) implements Start {}

    private final RedisUri uri;
    private final ReplicaLink link;
    private final ServerIdentity server;
    private final Start start;
    private final long startOffset;
    private final RdbTransfer transfer; // null after +CONTINUE
    private final InputStream rdb;
    private final InputStream commands;
    private final Duration readTimeout;
    private final long maxBulkLength;
    // Only the reading thread touches these two.
    private boolean rdbFinished;
    private boolean awaitingStream;
    private volatile boolean closed;

    private ReplicationLink(RedisUri uri, ReplicaLink link, ServerIdentity server, Start start, long startOffset,
                            RdbTransfer transfer, Duration readTimeout, long maxBulkLength) {
        this.uri = uri;
        this.maxBulkLength = maxBulkLength;
        this.readTimeout = readTimeout;
        this.link = link;
        this.server = server;
        this.start = start;
        this.startOffset = startOffset;
        this.transfer = transfer;
        this.rdb = transfer == null ? null : new RdbStream();
        this.commands = new CommandStream();
        this.rdbFinished = transfer == null;
    }

    /**
     * Connects, logs in, announces a replica and sends PSYNC; returns once the source has
     * answered (for a full resync: once the RDB's framing line has arrived).
     *
     * @param replicationId   the history the caller's data belongs to, or null for a full sync
     *                        ({@code PSYNC ? -1})
     * @param processedOffset the offset after the last stream byte the caller has (what a
     *                        replica shows as master_repl_offset); PSYNC asks for the next one.
     *                        Ignored when replicationId is null
     * @throws RedisAccessException one line naming the source and what to do; a source that is
     *                              loading or has no master link is retried for
     *                              {@link ReplicaOptions#retryFor()} first
     */
    public static ReplicationLink open(RedisUri uri, String replicationId, long processedOffset, ReplicaOptions options)
            throws IOException {
        Objects.requireNonNull(uri, "uri");
        Objects.requireNonNull(options, "options");
        if (replicationId != null && (replicationId.isBlank() || processedOffset < 0)) {
            throw new IllegalArgumentException("cannot continue replication id '" + replicationId + "' at offset "
                    + processedOffset + ": give a replication id and an offset >= 0, or null for a full sync");
        }
        RedisConnector connector = RedisConnector.of(uri);
        return ReplicaHandshake.withRetries(connector, options.retryFor(), "replication", link -> {
            ServerIdentity server = ReplicaHandshake.announce(connector, link);
            long maxBulk = ReplicaHandshake.maxBulkLength(link);
            Start start = ReplicaHandshake.psync(uri, link, replicationId, processedOffset + 1, options);
            if (start instanceof FullResync full) {
                // The link stays open at the RDB's end: the command stream follows on it.
                RdbTransfer rdb = ReplicaHandshake.transfer(uri, link, options, () -> { });
                return new ReplicationLink(uri, link, server, start, full.offset(), rdb, options.readTimeout(), maxBulk);
            }
            link.stage(STREAMING, options.readTimeout(), false);
            return new ReplicationLink(uri, link, server, start, processedOffset, null, options.readTimeout(), maxBulk);
        });
    }

    /** What the source granted: a full resync (an RDB comes first) or a continuation. */
    public Start start() {
        return start;
    }

    /**
     * The offset the command stream starts after: the {@link FullResync#offset()}, or the
     * processed offset given to {@link #open} for a {@link Continue}.
     */
    public long startOffset() {
        return startOffset;
    }

    /**
     * The RDB of a full resync, exactly its bytes. Reaching its end keeps the link open. After a
     * diskless transfer the link then ACKs {@link #startOffset()} itself, until the stream
     * starts: the source holds the command stream back until it has an ACK (so WAIT on the
     * source counts the RDB as received once it has been read). Closing it before its end
     * abandons the transfer and closes the link.
     *
     * @throws IllegalStateException after a {@link Continue}, which has no RDB
     */
    public InputStream rdb() {
        if (rdb == null) {
            throw new IllegalStateException(uri + " continued the stream (+CONTINUE): there is no RDB");
        }
        return rdb;
    }

    /** The RDB's size for a disk-based transfer; -1 for a diskless one, or when there is no RDB. */
    public long rdbLength() {
        return transfer == null ? -1 : transfer.length();
    }

    /**
     * The command stream's raw bytes: after the RDB for a full resync, right after
     * {@code +CONTINUE} for a partial one. Byte i is stream offset {@link #startOffset()} + i + 1;
     * the caller counts. It returns -1 when the source closes the link (it does on promotion to
     * master, on CLIENT KILL, or when a replica overruns its output buffer limit) and throws once
     * {@link #close()} was called. Closing it closes the link. For one reading thread.
     *
     * @throws IllegalStateException if the RDB has not been read to its end yet
     */
    public InputStream commands() {
        if (!rdbFinished && !transfer.exhausted()) {
            throw new IllegalStateException("read the RDB to its end before the command stream: " + uri
                    + " sends the stream after it");
        }
        return commands;
    }

    /**
     * Tells the source the stream is processed up to {@code processedOffset}
     * ({@code REPLCONF ACK}; no reply). Safe to call from any thread, also while another reads
     * {@link #commands()}: writes are serialised, the reader is never blocked by them. The
     * answer to a {@code REPLCONF GETACK *} in the stream is an ACK like any other.
     */
    public void ack(long processedOffset) throws IOException {
        link.send("REPLCONF", "ACK", Long.toString(processedOffset));
    }

    /**
     * The source's {@code proto-max-bulk-len} (CONFIG GET before PSYNC): no argument in its
     * command stream is longer. -1 when the user may not run CONFIG GET.
     */
    public long maxBulkLength() {
        return maxBulkLength;
    }

    /**
     * {@code REPLCONF ACK <processed> FACK <fsynced>}: also says how far the caller has made the
     * stream durable, which is what {@code WAITAOF} on the source (Redis 7.2+, Valkey) counts.
     * Older sources read the ACK's offset and ignore the rest. Same threading as {@link #ack(long)}.
     */
    public void ack(long processedOffset, long fsyncedOffset) throws IOException {
        link.send("REPLCONF", "ACK", Long.toString(processedOffset), "FACK", Long.toString(fsyncedOffset));
    }

    /** Which server the source is, from INFO server before PSYNC (unknown when the user may not run INFO). */
    public ServerIdentity server() {
        return server;
    }

    public RedisUri uri() {
        return uri;
    }

    /**
     * Closes the connection; the source forgets the replica at once. A thread blocked reading
     * {@link #commands()} or {@link #rdb()} gets an IOException.
     */
    @Override
    public void close() {
        closed = true;
        link.close();
    }

    @Override
    public String toString() {
        return "ReplicationLink[" + uri + ", " + start + "]";
    }

    /** Once the RDB is read: a diskless source starts the command stream only after an ACK. */
    private void rdbEnded() throws IOException {
        rdbFinished = true;
        link.stage(STREAMING, readTimeout, false);
        if (transfer.length() < 0) {
            awaitingStream = true;
            ack(startOffset);
        }
    }

    /** Reads the link's input; once {@link #close()} was called, every outcome is an IOException. */
    private int readLink(byte[] b, int off, int len) throws IOException {
        int n;
        try {
            n = awaitingStream ? readFirst(b, off, len) : link.input().read(b, off, len);
        } catch (IOException e) {
            throw closed ? closedWhileReading(e) : e;
        }
        if (n < 0 && closed) {
            throw closedWhileReading(null); // a TLS socket closed under a reader reports the end of the stream
        }
        return n;
    }

    /**
     * The first read after a diskless RDB. The source puts the replica online when it reaps its
     * fork (on a cron tick) and then waits for an ACK before it streams; an ACK that arrives
     * before the reaping is spent. Redis's replicas ACK every second anyway; we resend ours more
     * often, until the first byte arrives.
     */
    private int readFirst(byte[] b, int off, int len) throws IOException {
        long deadline = System.nanoTime() + readTimeout.toNanos();
        link.readTimeout(FIRST_ACK_RESEND.compareTo(readTimeout) < 0 ? FIRST_ACK_RESEND : readTimeout);
        try {
            while (true) {
                try {
                    int n = link.input().read(b, off, len);
                    awaitingStream = false;
                    return n;
                } catch (SocketTimeoutException e) {
                    if (System.nanoTime() - deadline >= 0) {
                        throw e;
                    }
                    ack(startOffset);
                }
            }
        } finally {
            link.readTimeout(readTimeout);
        }
    }

    private IOException closedWhileReading(IOException cause) {
        return new IOException("the replication link to " + uri + " was closed", cause);
    }

    /** The RDB's bytes; their end is noticed here, so that the stream can start. */
    private final class RdbStream extends BulkInputStream {
        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (rdbFinished) {
                return -1;
            }
            int n;
            try {
                n = transfer.read(b, off, len);
            } catch (IOException e) {
                throw closed ? closedWhileReading(e) : e;
            }
            if (n < 0) {
                if (closed) {
                    throw closedWhileReading(null);
                }
                rdbEnded();
            }
            return n;
        }

        @Override
        public void close() {
            if (!rdbFinished && !transfer.exhausted()) {
                // The link stands in the middle of the payload: nothing can be read from it any more.
                ReplicationLink.this.close();
            }
        }
    }

    /** The command stream: the link's input after the RDB. */
    private final class CommandStream extends BulkInputStream {
        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (!rdbFinished) {
                // commands() let us in because the RDB's last byte was handed out; collect its end.
                if (rdb.read() >= 0) {
                    throw new IllegalStateException("the RDB from " + uri + " has unread bytes");
                }
            }
            return readLink(b, off, len);
        }

        @Override
        public void close() {
            ReplicationLink.this.close();
        }
    }
}
