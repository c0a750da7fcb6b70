package io.redback.bytes;

import java.io.IOException;

/**
 * A worker thread's failure, handed to the thread that waits on it to throw as what it was: an
 * unchecked exception or error is thrown as it is, an IOException is returned to be thrown, and
 * anything else comes back wrapped in one. Every layer that does work on a second thread (a
 * snapshot's upload, a restore's check, a cluster's shards) ends its wait this one way.
 */
public final class Failures {
    private Failures() {
    }

    /** t as an IOException for the caller to throw; a RuntimeException or Error is thrown here. */
    public static IOException asIOException(Throwable t) {
        if (t instanceof RuntimeException e) {
            throw e;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return t instanceof IOException io ? io : new IOException(t);
    }
}
