package io.redback.redis;

import java.io.IOException;

/**
 * redback could not get what it needs from a source server: it is unreachable, the TLS
 * handshake or the login failed, the user lacks a permission, the server is not ready, or it
 * answered something unexpected. The message is one line a user can act on (which server, what
 * happened, what to do) and never holds a password; {@link #reason()} lets callers choose an exit
 * status or a retry without parsing it.
 */
public final class RedisAccessException extends IOException {
    private static final long serialVersionUID = 1L;

    /** What went wrong, broadly. */
    public enum Reason {
        /** No TCP connection: unknown host, refused, timed out. */
        UNREACHABLE,
        /** The TLS handshake failed: untrusted certificate, wrong host name, plain port. */
        TLS,
        /** The login failed or is needed: wrong password, unknown or disabled user, no password given. */
        AUTH,
        /** Logged in, but the user may not run a command redback needs (ACL NOPERM). */
        PERMISSION,
        /** The server is loading, or is a replica without a link to its master; retrying later may work. */
        NOT_READY,
        /** The server refused or broke the protocol in a way not covered above. */
        PROTOCOL
    }

    private final Reason reason;

    public RedisAccessException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public RedisAccessException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
