package io.redback.redis;

import io.redback.redis.RedisAccessException.Reason;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One full sync from a source server, taken the way a replica takes it: PING and AUTH,
 * {@code REPLCONF listening-port}, {@code REPLCONF capa eof capa psync2}, {@code REPLCONF
 * rdb-only 1} (Redis 6.2+: the source then sends no command stream; older servers refuse the
 * option and that is fine), {@code PSYNC ? -1}, {@code +FULLRESYNC <replid> <offset>}, then the
 * RDB in either framing. {@link #rdb()} returns exactly the RDB's bytes; when they are consumed
 * (or on {@link #close()}) the connection is closed, so no replica lingers on the source. A
 * source that is loading or is a replica without its master link ({@code -LOADING},
 * {@code -NOMASTERLINK}) is retried with backoff for {@link Options#retryFor()}; every other
 * refusal is one {@link RedisAccessException} line, e.g. a user without replication rights:
 * "grant +psync +replconf +sync or use --method bgsave".
 */
public final class ReplicaSync implements AutoCloseable {
    private static final long FIRST_BACKOFF_MS = 100;
    private static final long MAX_BACKOFF_MS = 2000;
    private static final int MARK_LENGTH = 40;

    /**
     * @param readTimeout longest silence tolerated once logged in (a master sends a keepalive
     *                    newline every second while it prepares the RDB, so this only trips on
     *                    a dead link)
     * @param retryFor    how long to keep retrying a source that is loading or has no master link
     * @param progress    told about the RDB transfer
     */
    public record Options(Duration readTimeout, Duration retryFor, TransferProgress progress) {
        public Options {
            Objects.requireNonNull(readTimeout, "readTimeout");
            Objects.requireNonNull(retryFor, "retryFor");
            Objects.requireNonNull(progress, "progress");
        }

        /** 60 s read timeout (Redis's repl-timeout), 30 s of retries, no progress. */
        public static Options defaults() {
            return new Options(Duration.ofSeconds(60), Duration.ofSeconds(30), TransferProgress.NONE);
        }

        public Options withReadTimeout(Duration timeout) {
            return new Options(timeout, retryFor, progress);
        }

        public Options withRetryFor(Duration duration) {
            return new Options(readTimeout, duration, progress);
        }

        public Options withProgress(TransferProgress listener) {
            return new Options(readTimeout, retryFor, listener);
        }
    }

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

    /** {@link #start(RedisUri, Options)} with {@link Options#defaults()}. */
    public static ReplicaSync start(RedisUri uri) throws IOException {
        return start(uri, Options.defaults());
    }

    /**
     * Connects, logs in and asks for a full sync; returns when the RDB transfer begins (after
     * {@code +FULLRESYNC} and the framing line). Read the RDB from {@link #rdb()}.
     *
     * @throws RedisAccessException one line naming the source and what to do
     */
    public static ReplicaSync start(RedisUri uri, Options options) throws IOException {
        RedisConnector connector = RedisConnector.of(uri);
        Instant startedAt = Instant.now();
        long started = System.nanoTime();
        long deadline = started + options.retryFor().toNanos();
        long backoff = FIRST_BACKOFF_MS;
        int attempts = 0;
        while (true) {
            attempts++;
            ReplicaLink link = new ReplicaLink(connector.openSocket(), uri.address());
            try {
                return handshake(uri, connector, link, options, startedAt);
            } catch (RedisAccessException e) {
                link.close();
                if (e.reason() != Reason.NOT_READY) {
                    throw e;
                }
                if (System.nanoTime() + backoff * 1_000_000 > deadline) {
                    throw new RedisAccessException(Reason.NOT_READY, uri + " cannot serve a full sync now (" + e.getMessage()
                            + "); gave up after " + attempts + " attempt(s) in "
                            + (System.nanoTime() - started) / 1_000_000 + " ms; try again later");
                }
                sleep(backoff);
                backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
            } catch (IOException | RuntimeException | Error e) {
                link.close();
                throw e;
            }
        }
    }

    private static ReplicaSync handshake(RedisUri uri, RedisConnector connector, ReplicaLink link, Options options,
                                         Instant startedAt)
            throws IOException {
        try {
            connector.login(link::call);
            ServerIdentity server = ServerIdentity.fromInfo(serverInfo(uri, link));
            // The port is only shown in the source's INFO replication; our local port tells this link apart.
            replconf(uri, link, "listening-port", Integer.toString(link.localPort()));
            replconf(uri, link, "capa", "eof", "capa", "psync2");
            boolean rdbOnly = replconf(uri, link, "rdb-only", "1");
            link.readTimeout(options.readTimeout());
            link.send("PSYNC", "?", "-1");
            String reply = link.readLine();
            if (reply.startsWith("-")) {
                throw refusal(uri, "PSYNC", new RedisErrorReply(reply.substring(1)));
            }
            String[] parts = reply.split(" ");
            if (!parts[0].equals("+FULLRESYNC") || parts.length != 3 || parts[1].length() != 40) {
                throw new RedisAccessException(Reason.PROTOCOL, uri + " answered PSYNC ? -1 with '"
                        + ReplicaLink.printable(reply) + "' instead of +FULLRESYNC <replid> <offset>");
            }
            long offset = parseLong(uri, parts[2], reply);
            RdbTransfer rdb = transfer(uri, link, options.progress());
            return new ReplicaSync(uri, link, rdb, parts[1], offset, server, rdbOnly, startedAt);
        } catch (RedisAccessException e) {
            throw e;
        } catch (EOFException e) {
            throw new RedisAccessException(Reason.PROTOCOL, uri + " closed the connection during the replication "
                    + "handshake: if it had started a BGSAVE for the sync, that probably failed (check its log)", e);
        } catch (IOException e) {
            throw new RedisAccessException(Reason.PROTOCOL, uri + ": replication handshake failed: " + e.getMessage(), e);
        }
    }

    private static RdbTransfer transfer(RedisUri uri, ReplicaLink link, TransferProgress progress) throws IOException {
        String framing = link.readLine(); // keepalive newlines before it are skipped
        if (framing.startsWith("-")) {
            throw new RedisAccessException(Reason.PROTOCOL, uri + " aborted the full sync before sending the RDB: "
                    + framing.substring(1) + " (check its log)");
        }
        if (!framing.startsWith("$")) {
            throw new RedisAccessException(Reason.PROTOCOL, uri + " sent '" + ReplicaLink.printable(framing)
                    + "' where the RDB's $<length> or $EOF:<mark> line belongs");
        }
        byte[] mark = RdbTransfer.eofMark(framing);
        if (mark != null) {
            if (mark.length != MARK_LENGTH) {
                throw new RedisAccessException(Reason.PROTOCOL, uri + " sent a diskless end mark of " + mark.length
                        + " bytes, expected " + MARK_LENGTH + ": '" + ReplicaLink.printable(framing) + "'");
            }
            return RdbTransfer.eofMarked(link.input(), mark, progress, link::close);
        }
        long length = parseLong(uri, framing.substring(1), framing);
        if (length < 0) {
            throw new RedisAccessException(Reason.PROTOCOL, uri + " announced an RDB of " + length + " bytes");
        }
        return RdbTransfer.sized(link.input(), length, progress, link::close);
    }

    private static Map<String, String> serverInfo(RedisUri uri, ReplicaLink link) throws IOException {
        Map<String, String> fields = new HashMap<>();
        Object reply;
        try {
            reply = link.call("INFO", "server");
        } catch (RedisErrorReply e) {
            if (e.code().equals("LOADING")) {
                throw refusal(uri, "INFO", e);
            }
            return fields; // a user without +info: the version stays unknown, the sync still works
        }
        if (reply instanceof byte[] text) {
            for (String line : new String(text, StandardCharsets.UTF_8).split("\r?\n")) {
                int colon = line.indexOf(':');
                if (colon > 0 && !line.startsWith("#")) {
                    fields.put(line.substring(0, colon), line.substring(colon + 1));
                }
            }
        }
        return fields;
    }

    /**
     * Sends REPLCONF; returns whether it was accepted. Old masters refuse options they do not
     * know, which Redis's own replicas ignore too; a permission or loading error is not that.
     */
    private static boolean replconf(RedisUri uri, ReplicaLink link, String... args)
            throws IOException {
        Object[] command = new Object[args.length + 1];
        command[0] = "REPLCONF";
        System.arraycopy(args, 0, command, 1, args.length);
        try {
            link.call(command);
            return true;
        } catch (RedisErrorReply e) {
            if (e.code().equals("NOPERM") || e.code().equals("LOADING") || e.code().equals("NOAUTH")) {
                throw refusal(uri, "REPLCONF", e);
            }
            return false;
        }
    }

    /**
     * The exception for an error reply during the handshake. A transient one (-LOADING,
     * -NOMASTERLINK) is NOT_READY with the server's words only: {@link #start} retries it and
     * adds the context if it gives up.
     */
    private static RedisAccessException refusal(RedisUri uri, String command, RedisErrorReply e) {
        String code = e.code();
        if (code.equals("LOADING") || code.equals("NOMASTERLINK")) {
            return new RedisAccessException(Reason.NOT_READY, e.getMessage());
        }
        if (code.equals("NOPERM")) {
            String who = uri.username() == null ? "the default user" : "user '" + uri.username() + "'";
            return new RedisAccessException(Reason.PERMISSION, who + " lacks the replication permissions at " + uri
                    + " (" + command + ": " + e.getMessage() + "): grant +psync +replconf +sync or use --method bgsave");
        }
        if (code.equals("NOAUTH")) {
            return new RedisAccessException(Reason.AUTH, uri + " requires a password: give it with --password-env NAME "
                    + "or --password-file PATH");
        }
        return new RedisAccessException(Reason.PROTOCOL, uri + " refused " + command + ": " + e.getMessage());
    }

    private static long parseLong(RedisUri uri, String digits, String line) throws RedisAccessException {
        try {
            return Long.parseLong(digits);
        } catch (NumberFormatException e) {
            throw new RedisAccessException(Reason.PROTOCOL, uri + " sent a malformed line '"
                    + ReplicaLink.printable(line) + "' during the replication handshake");
        }
    }

    private static void sleep(long millis) throws InterruptedIOException {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting to retry the full sync");
        }
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
