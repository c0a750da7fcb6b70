package io.redback.redis;

import io.redback.redis.RedisAccessException.Reason;
import java.io.EOFException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Objects;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * Opens connections to a source server as its {@link RedisUri} says: TCP or TLS, AUTH with an
 * ACL user and password or a password only, then the database. Every failure becomes one
 * {@link RedisAccessException} line saying which server, what went wrong and what to do
 * ("connection refused", "wrong password", "the server certificate is not trusted: give its CA
 * with --tls-ca"). {@link ReplicaSync} opens its replication link here too, so plain
 * commands and replication log in the same way.
 */
public final class RedisConnector {
    private final RedisUri uri;
    private SSLContext sslContext; // built on first use: reading PEM files is not free

    private RedisConnector(RedisUri uri) {
        this.uri = uri;
    }

    public static RedisConnector of(RedisUri uri) {
        return new RedisConnector(Objects.requireNonNull(uri, "uri"));
    }

    public RedisUri uri() {
        return uri;
    }

    /** An authenticated connection with the default reply timeout ({@link RedisConnection#DEFAULT_TIMEOUT}). */
    public RedisConnection connect() throws IOException {
        return connect(RedisConnection.DEFAULT_TIMEOUT);
    }

    /**
     * Connects, logs in and selects the URI's database; {@code readTimeout} then bounds each
     * wait for a reply.
     *
     * @throws RedisAccessException with a one-line reason when any step fails
     */
    public RedisConnection connect(Duration readTimeout) throws IOException {
        Socket socket = openSocket();
        try {
            // The login is part of connecting: it gets the connect timeout, later replies the read timeout.
            RedisConnection c = new RedisConnection(socket, uri.address(), uri.connectTimeout());
            login(c::call);
            if (uri.db() != 0) {
                selectDb(c);
            }
            c.readTimeout(readTimeout);
            return c;
        } catch (IOException | RuntimeException e) {
            closeQuietly(socket);
            throw e;
        }
    }

    private void selectDb(RedisConnection c) throws IOException {
        try {
            c.call("SELECT", uri.db());
        } catch (RedisErrorReply e) {
            throw new RedisAccessException(Reason.PROTOCOL, uri + ": cannot select database " + uri.db()
                    + " (" + e.getMessage() + "); the server has fewer databases (see its 'databases' setting)");
        }
    }

    /** The commands {@link #login} needs: RedisConnection::call, or the replication link's. */
    @FunctionalInterface
    interface Caller {
        /** Sends a command, returns its reply; throws {@link RedisErrorReply} for an error reply. */
        Object call(Object... args) throws IOException;
    }

    /**
     * AUTH when the URI has a password, then PING to learn whether the server wants one.
     * Replies of a server that is loading (-LOADING) or refuses writes after a failed save
     * (-MISCONF) are left to the caller's next command.
     */
    void login(Caller caller) throws IOException {
        try {
            if (uri.hasPassword()) {
                try {
                    if (uri.username() != null) {
                        caller.call("AUTH", uri.username(), uri.password());
                    } else {
                        caller.call("AUTH", uri.password());
                    }
                } catch (RedisErrorReply e) {
                    throw authFailure(e);
                }
            }
            try {
                caller.call("PING");
            } catch (RedisErrorReply e) {
                if (e.code().equals("NOAUTH")) {
                    throw new RedisAccessException(Reason.AUTH, uri + " requires a password: give it with "
                            + "--password-env NAME or --password-file PATH (and the ACL user in the URI: redis://user@host)");
                }
                if (e.code().equals("DENIED")) {
                    throw new RedisAccessException(Reason.PERMISSION, uri + " refuses the connection: " + e.getMessage());
                }
                // MISCONF: the server answers but refuses writes (and, in 7.0, PING) because its last
                // BGSAVE failed; it is reachable, and doctor or a backup must still get in.
                if (!e.code().equals("LOADING") && !e.code().equals("NOPERM") && !e.code().equals("MISCONF")) {
                    throw new RedisAccessException(Reason.PROTOCOL, uri + " refused PING: " + e.getMessage());
                }
            }
        } catch (RedisAccessException e) {
            throw e;
        } catch (IOException e) {
            throw loginFailure(e);
        }
    }

    private RedisAccessException authFailure(RedisErrorReply e) {
        String who = uri.username() == null ? "the default user" : "user '" + uri.username() + "'";
        String msg = e.getMessage();
        if (e.code().equals("WRONGPASS") || msg.contains("invalid password")) {
            return new RedisAccessException(Reason.AUTH, "authentication failed at " + uri + ": wrong password for "
                    + who + ", or the user does not exist or is disabled (" + e.code() + ")");
        }
        if (msg.contains("without any password configured")) {
            return new RedisAccessException(Reason.AUTH, "authentication failed at " + uri + ": the server has no "
                    + "password for the default user; drop the password, or name the ACL user (redis://user@host)");
        }
        if (msg.contains("wrong number of arguments") && uri.username() != null) {
            return new RedisAccessException(Reason.AUTH, "authentication failed at " + uri + ": the server does not "
                    + "know ACL users (Redis before 6.0); give the password only, without a user name");
        }
        return new RedisAccessException(Reason.AUTH, "authentication failed at " + uri + ": " + msg);
    }

    /** An I/O failure during the first commands: usually TLS on one side only, or a rejected client certificate. */
    private RedisAccessException loginFailure(IOException e) {
        Throwable root = rootCause(e);
        if (uri.tls() && (root instanceof SSLException || root instanceof EOFException
                || root instanceof SocketException)) {
            return new RedisAccessException(Reason.TLS, uri + " closed the TLS connection during login ("
                    + root.getMessage() + "): does it require a client certificate (--tls-cert and --tls-key)?", e);
        }
        if (!uri.tls() && (root instanceof EOFException || root instanceof SocketException)) {
            return new RedisAccessException(Reason.PROTOCOL, uri + " closed the connection without a whole answer ("
                    + root.getMessage() + "): if that port is a TLS port, use rediss:// instead of redis://", e);
        }
        if (root instanceof SocketTimeoutException) {
            return new RedisAccessException(Reason.UNREACHABLE, uri + " accepted the connection but did not answer within "
                    + uri.connectTimeout().toMillis() + " ms: is it a Redis server (and, for TLS ports, use rediss://)?", e);
        }
        return new RedisAccessException(Reason.PROTOCOL, uri + ": login failed: " + e.getMessage(), e);
    }

    /**
     * A connected socket (TLS: handshake done), with the connect timeout as its read timeout.
     * Package-private: the replication link reads from it directly.
     */
    Socket openSocket() throws RedisAccessException {
        int timeout = (int) Math.max(1, Math.min(Integer.MAX_VALUE, uri.connectTimeout().toMillis()));
        Socket plain = new Socket();
        try {
            plain.setTcpNoDelay(true);
            plain.setKeepAlive(true);
            plain.connect(new InetSocketAddress(uri.host(), uri.port()), timeout);
            plain.setSoTimeout(timeout);
        } catch (IOException e) {
            closeQuietly(plain);
            throw unreachable(e);
        }
        if (!uri.tls()) {
            return plain;
        }
        try {
            SSLSocket tls = (SSLSocket) sslContext().getSocketFactory()
                    .createSocket(plain, uri.host(), uri.port(), true);
            if (!uri.tlsOptions().insecure()) {
                SSLParameters params = tls.getSSLParameters();
                params.setEndpointIdentificationAlgorithm("HTTPS"); // check the certificate names this host
                tls.setSSLParameters(params);
            }
            tls.setSoTimeout(timeout);
            tls.startHandshake();
            return tls;
        } catch (RedisAccessException e) {
            closeQuietly(plain);
            throw e;
        } catch (IOException e) {
            closeQuietly(plain);
            throw tlsFailure(e);
        }
    }

    private synchronized SSLContext sslContext() throws RedisAccessException {
        if (sslContext == null) {
            try {
                sslContext = TlsContexts.create(uri.tlsOptions());
            } catch (IOException e) {
                throw new RedisAccessException(Reason.TLS, "cannot connect to " + uri + ": " + e.getMessage(), e);
            }
        }
        return sslContext;
    }

    private RedisAccessException unreachable(IOException e) {
        String why;
        if (e instanceof UnknownHostException) {
            why = "unknown host '" + uri.host() + "' (check the name and DNS)";
        } else if (e instanceof ConnectException && String.valueOf(e.getMessage()).contains("refused")) {
            why = "connection refused (nothing listens on " + uri.address()
                    + "; is the server running, and is this its port?)";
        } else if (e instanceof SocketTimeoutException) {
            why = "no answer within " + uri.connectTimeout().toMillis()
                    + " ms (host down, or a firewall drops the packets?)";
        } else {
            why = e.getMessage();
        }
        return new RedisAccessException(Reason.UNREACHABLE, "cannot connect to " + uri + ": " + why, e);
    }

    private RedisAccessException tlsFailure(IOException e) {
        String msg = String.valueOf(rootCause(e).getMessage());
        String why;
        if (msg.contains("PKIX") || msg.contains("unable to find valid certification path")) {
            why = "the server certificate is not trusted; give the CA that signed it with --tls-ca";
        } else if (msg.contains("No subject alternative") || msg.contains("No name matching")) {
            why = "the server certificate does not name '" + uri.host()
                    + "'; connect by a name (or IP) the certificate lists";
        } else if (msg.contains("Unsupported or unrecognized SSL message") || msg.contains("plaintext")) {
            why = "the port does not speak TLS; use redis:// for a plain port";
        } else if (e instanceof SocketTimeoutException) {
            why = "no TLS answer within " + uri.connectTimeout().toMillis() + " ms; use redis:// for a plain port";
        } else if (e instanceof SSLHandshakeException && msg.contains("certificate")) {
            why = msg + " (does the server require a client certificate: --tls-cert and --tls-key?)";
        } else {
            why = msg;
        }
        return new RedisAccessException(Reason.TLS, "TLS handshake with " + uri + " failed: " + why, e);
    }

    private static Throwable rootCause(Throwable t) {
        Throwable r = t;
        while (r.getCause() != null && r.getCause() != r) {
            r = r.getCause();
        }
        return r;
    }

    static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // Nothing useful to do; the socket is unusable either way.
        }
    }
}
