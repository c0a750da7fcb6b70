package io.redback.storage;

import java.io.IOException;
import java.util.function.IntFunction;

/**
 * A storage failure that may pass when the same request is sent again: a broken or refused
 * connection, a throttled or busy store (HTTP 5xx). Backends throw it; {@link Retry} tries again
 * and, when it gives up, throws a plain IOException whose message may say how many tries were
 * made ({@link #after}), so the user reads one line that says what to check.
 */
public final class TransientStorageException extends IOException {
    private static final long serialVersionUID = 1L;

    private final transient IntFunction<String> message;

    /** message gives the text for a number of tries made. */
    public TransientStorageException(IntFunction<String> message, Throwable cause) {
        super(message.apply(1), cause);
        this.message = message;
    }

    /** The error to report after {@code tries} tries. */
    public IOException after(int tries) {
        IOException e = new IOException(message == null ? getMessage() : message.apply(tries), getCause());
        for (Throwable s : getSuppressed()) {
            e.addSuppressed(s);
        }
        return e;
    }
}
