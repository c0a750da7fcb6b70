package io.redback.redis;

import io.redback.redis.RedisAccessException.Reason;
import io.redback.redis.ReplicationLink.Continue;
import io.redback.redis.ReplicationLink.FullResync;
import io.redback.redis.ReplicationLink.Start;
import java.io.EOFException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * The replica side of the replication handshake, shared by {@link ReplicaSync} (one full sync)
 * and {@link ReplicationLink} (a replica that stays): connecting with retries while the source
 * is not ready, logging in and announcing ourselves, PSYNC and its answer, the RDB's framing
 * line, and one {@link RedisAccessException} line for every refusal.
 */
final class ReplicaHandshake {
    private static final long FIRST_BACKOFF_MS = 100;
    private static final long MAX_BACKOFF_MS = 2000;
    private static final int MARK_LENGTH = 40;

    private ReplicaHandshake() {}

    /** One handshake on a fresh link. What it returns owns the link; if it throws, the link is closed. */
    @FunctionalInterface
    interface Attempt<T> {
        T run(ReplicaLink link) throws IOException;
    }

    /**
     * Opens a link to the connector's source and runs {@code attempt} on it. A source that is
     * loading or has no master link ({@link Reason#NOT_READY}) is retried with backoff for
     * {@code retryFor}; any other failure is thrown at once, as one line.
     *
     * @param what what we ask the source for, for the message when retrying gives up ("a full sync")
     */
    static <T> T withRetries(RedisConnector connector, Duration retryFor, String what, Attempt<T> attempt)
            throws IOException {
        RedisUri uri = connector.uri();
        long started = System.nanoTime();
        long deadline = started + retryFor.toNanos();
        long backoff = FIRST_BACKOFF_MS;
        int attempts = 0;
        while (true) {
            attempts++;
            ReplicaLink link = new ReplicaLink(connector.openSocket(), uri.address());
            try {
                return oneLine(uri, attempt, link);
            } catch (RedisAccessException e) {
                link.close();
                if (e.reason() != Reason.NOT_READY) {
                    throw e;
                }
                if (System.nanoTime() + backoff * 1_000_000 > deadline) {
                    throw new RedisAccessException(Reason.NOT_READY, uri + " cannot serve " + what + " now ("
                            + e.getMessage() + "); gave up after " + attempts + " attempt(s) in "
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

    private static <T> T oneLine(RedisUri uri, Attempt<T> attempt, ReplicaLink link) throws IOException {
        try {
            return attempt.run(link);
        } catch (RedisAccessException e) {
            throw e;
        } catch (EOFException e) {
            throw new RedisAccessException(Reason.PROTOCOL, uri + " closed the connection during the replication "
                    + "handshake: if it had started a BGSAVE for the sync, that probably failed (check its log)", e);
        } catch (SocketTimeoutException e) {
            throw new RedisAccessException(Reason.UNREACHABLE, "gave up on " + uri + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new RedisAccessException(Reason.PROTOCOL, uri + ": replication handshake failed: " + e.getMessage(), e);
        }
    }

    /**
     * Logs in, reads INFO server, and announces a replica: {@code REPLCONF listening-port} and
     * {@code REPLCONF capa eof capa psync2}. Returns which server the source is.
     */
    static ServerIdentity announce(RedisConnector connector, ReplicaLink link) throws IOException {
        RedisUri uri = connector.uri();
        link.stage("while logging in and announcing a replica", uri.connectTimeout(), true);
        connector.login(link::call);
        ServerIdentity server = ServerIdentity.fromInfo(serverInfo(uri, link));
        // The port is only shown in the source's INFO replication; our local port tells this link apart.
        replconf(uri, link, "listening-port", Integer.toString(link.localPort()));
        replconf(uri, link, "capa", "eof", "capa", "psync2");
        if ("valkey".equals(server.name()) && server.version() != null) {
            // Newer Valkey primaries choose the RDB format of a full sync by the replica's version:
            // one that announces none gets an older format, and a key that needs the new one aborts
            // the save. We read what the source writes, so announce its own version. Older
            // releases refuse the option; replconf tolerates that.
            replconf(uri, link, "version", server.version());
        }
        return server;
    }

    /**
     * The source's {@code proto-max-bulk-len}: the longest argument its command stream can
     * carry. -1 when the user may not run {@code CONFIG GET} (or the server does not say).
     */
    static long maxBulkLength(ReplicaLink link) throws IOException {
        Object reply;
        try {
            reply = link.call("CONFIG", "GET", "proto-max-bulk-len");
        } catch (RedisErrorReply e) {
            return -1; // NOPERM for a replication-only user, or CONFIG renamed away
        }
        if (reply instanceof java.util.List<?> pair && pair.size() == 2 && pair.get(1) instanceof byte[] value) {
            try {
                long n = Long.parseLong(new String(value, StandardCharsets.US_ASCII));
                return n > 0 ? n : -1;
            } catch (NumberFormatException e) {
                return -1;
            }
        }
        return -1;
    }

    /**
     * Sends {@code PSYNC <replicationId> <nextOffset>} ({@code PSYNC ? -1} when replicationId is
     * null) and reads the answer. From here until the RDB's framing line has arrived, the source
     * has {@link ReplicaOptions#prepareLimit()}: a master delays +FULLRESYNC until its fork
     * starts and, for a disk-based sync, the framing line until the RDB is written, sending a
     * keepalive newline every second meanwhile, which must not keep us waiting for ever.
     */
    static Start psync(RedisUri uri, ReplicaLink link, String replicationId, long nextOffset, ReplicaOptions options)
            throws IOException {
        String[] command = replicationId == null
                ? new String[] {"PSYNC", "?", "-1"}
                : new String[] {"PSYNC", replicationId, Long.toString(nextOffset)};
        link.stage("while waiting for the source to answer PSYNC and prepare the RDB", options.prepareLimit(), true);
        link.send((Object[]) command);
        String reply = link.readLine();
        if (reply.startsWith("-")) {
            // An unknown replid or an offset outside the backlog is not refused: it gets +FULLRESYNC.
            throw refusal(uri, "PSYNC", new RedisErrorReply(reply.substring(1)));
        }
        String[] parts = reply.split(" ");
        if (parts[0].equals("+FULLRESYNC") && parts.length == 3 && parts[1].length() == 40) {
            return new FullResync(parts[1], parseLong(uri, parts[2], reply));
        }
        if (replicationId != null && parts[0].equals("+CONTINUE") && parts.length <= 2) {
            // PSYNC2: "+CONTINUE <replid>" names the history we continue in, which changes after a failover.
            return new Continue(parts.length == 2 ? parts[1] : replicationId);
        }
        throw new RedisAccessException(Reason.PROTOCOL, uri + " answered " + String.join(" ", command) + " with '"
                + ReplicaLink.printable(reply) + "' instead of +FULLRESYNC <replid> <offset>"
                + (replicationId == null ? "" : " or +CONTINUE"));
    }

    /**
     * Reads the RDB's framing line ({@code $<len>} or {@code $EOF:<mark>}; keepalive newlines
     * before it are skipped) and returns the transfer of its payload.
     */
    static RdbTransfer transfer(RedisUri uri, ReplicaLink link, ReplicaOptions options, Runnable onEnd)
            throws IOException {
        TransferProgress progress = options.progress();
        String framing = link.readLine();
        link.stage("while sending the RDB", options.readTimeout(), false);
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
            return RdbTransfer.eofMarked(link.input(), mark, progress, onEnd);
        }
        long length = parseLong(uri, framing.substring(1), framing);
        if (length < 0) {
            throw new RedisAccessException(Reason.PROTOCOL, uri + " announced an RDB of " + length + " bytes");
        }
        return RdbTransfer.sized(link.input(), length, progress, onEnd);
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
            return fields; // a user without +info: the version stays unknown, replication still works
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
    static boolean replconf(RedisUri uri, ReplicaLink link, String... args) throws IOException {
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
     * -NOMASTERLINK) is NOT_READY with the server's words only: {@link #withRetries} retries it
     * and adds the context if it gives up.
     */
    static RedisAccessException refusal(RedisUri uri, String command, RedisErrorReply e) {
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
            throw new InterruptedIOException("interrupted while waiting to retry the replication handshake");
        }
    }
}
