package io.redback.redis;

import io.redback.redis.ReplicationLink.FullResync;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;

/**
 * One full sync from a source server, taken the way a replica takes it: PING and AUTH,
 * {@code REPLCONF listening-port}, {@code REPLCONF capa eof capa psync2}, {@code REPLCONF
 * rdb-only 1} (Redis 6.2+: the source then sends no command stream; older servers refuse the
 * option and that is fine), {@code PSYNC ? -1}, {@code +FULLRESYNC <replid> <offset>}, then the
 * RDB in either framing. {@link #rdb()} returns exactly the RDB's bytes; when they are consumed
 * (or on {@link #close()}) the connection is closed, so no replica lingers on the source. A
 * source that is loading or is a replica without its master link ({@code -LOADING},
 * {@code -NOMASTERLINK}) is retried with backoff for {@link ReplicaOptions#retryFor()}; every other
 * refusal is one {@link RedisAccessException} line, e.g. a user without replication rights:
 * "grant +psync +replconf +sync or use --method bgsave".
 */
public final class ReplicaSync implements AutoCloseable {
    private final RedisUri uri;
    private final ReplicaLink link;
    private final RdbTransfer rdb;
    private final String replicationId;
    private final long replicationOffset;
    private final ServerIdentity server;
    private final boolean rdbOnly;
    private final Instant startedAt;

    private ReplicaSync(RedisUri uri, ReplicaLink link, RdbTransfer rdb, String replicationId,
                        long replicationOffset, ServerIdentity server, boolean rdbOnly,
                        Instant startedAt) {
        this.uri = uri;
        this.link = link;
        this.rdb = rdb;
        this.replicationId = replicationId;
        this.replicationOffset = replicationOffset;
        this.server = server;
        this.rdbOnly = rdbOnly;
        this.startedAt = startedAt;
    }

    /** {@link #start(RedisUri, ReplicaOptions)} with {@link ReplicaOptions#defaults()}. */
    public static ReplicaSync start(RedisUri uri) throws IOException {
        return start(uri, ReplicaOptions.defaults());
    }

    /**
     * Connects, logs in and asks for a full sync; returns when the RDB transfer begins (after
     * {@code +FULLRESYNC} and the framing line). Read the RDB from {@link #rdb()}.
     *
     * @throws RedisAccessException one line naming the source and what to do
     */
    public static ReplicaSync start(RedisUri uri, ReplicaOptions options) throws IOException {
        RedisConnector connector = RedisConnector.of(uri);
        Instant startedAt = Instant.now();
        return ReplicaHandshake.withRetries(connector, options.retryFor(), "a full sync",
                link -> handshake(connector, link, options, startedAt));
    }

    private static ReplicaSync handshake(RedisConnector connector, ReplicaLink link, ReplicaOptions options,
                                         Instant startedAt) throws IOException {
        RedisUri uri = connector.uri();
        ServerIdentity server = ReplicaHandshake.announce(connector, link);
        boolean rdbOnly = ReplicaHandshake.replconf(uri, link, "rdb-only", "1");
        // PSYNC ? -1 is never answered +CONTINUE: the handshake accepts only +FULLRESYNC for it.
        FullResync full = (FullResync) ReplicaHandshake.psync(uri, link, null, -1, options);
        RdbTransfer rdb = ReplicaHandshake.transfer(uri, link, options, link::close);
        return new ReplicaSync(uri, link, rdb, full.replicationId(), full.offset(), server, rdbOnly, startedAt);
    }

    /**
     * The RDB, exactly its bytes: a {@code $<len>} transfer ends after len bytes, a diskless
     * one before its end mark. Reaching its end closes the connection to the source.
     */
    public InputStream rdb() {
        return rdb;
    }

    /** The RDB's size for a disk-based transfer, or -1 for a diskless one (size unknown until the end). */
    public long rdbLength() {
        return rdb.length();
    }

    /** Whether the source streams the RDB as its fork writes it ({@code repl-diskless-sync yes}). */
    public boolean diskless() {
        return rdb.length() < 0;
    }

    /** RDB bytes received so far; safe to read from another thread. */
    public long bytesReceived() {
        return rdb.delivered();
    }

    /** The source's replication id from {@code +FULLRESYNC}: the history this RDB belongs to. */
    public String replicationId() {
        return replicationId;
    }

    /** The replication offset the RDB corresponds to, from {@code +FULLRESYNC}. */
    public long replicationOffset() {
        return replicationOffset;
    }

    /** Which server sent the RDB, from INFO server before the sync (unknown when the user may not run INFO). */
    public ServerIdentity server() {
        return server;
    }

    /** Whether the source accepted {@code REPLCONF rdb-only 1} (6.2+): it will send no command stream. */
    public boolean rdbOnly() {
        return rdbOnly;
    }

    /** When {@link #start} was called: the snapshot's moment is at or after this. */
    public Instant startedAt() {
        return startedAt;
    }

    /** Keepalive newlines the source sent before +FULLRESYNC and the RDB. */
    int keepalivesSkipped() {
        return link.keepalives();
    }

    public RedisUri uri() {
        return uri;
    }

    /** Closes the connection to the source, abandoning the transfer if it is not complete. */
    @Override
    public void close() {
        rdb.close();
        link.close();
    }

    @Override
    public String toString() {
        return "ReplicaSync[" + uri + ", replid " + replicationId + ", offset " + replicationOffset
                + (diskless() ? ", diskless" : ", " + rdbLength() + " bytes") + "]";
    }
}
