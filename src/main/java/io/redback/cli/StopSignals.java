package io.redback.cli;

/**
 * Turns SIGINT and SIGTERM into a request to stop, so that a long-running command can finish
 * its work and exit 0 instead of being torn down by the JVM's default handler (exit 130/143).
 * Uses the JDK's sun.misc.Signal (module jdk.unsupported, present in every OpenJDK build); where
 * it is missing the JVM's default handling and shutdown hooks apply.
 */
final class StopSignals {
    private StopSignals() {
    }

    static void onInterruptOrTerminate(Runnable stop) {
        for (String name : new String[] {"INT", "TERM"}) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal(name), signal -> stop.run());
            } catch (IllegalArgumentException | UnsupportedOperationException | LinkageError e) {
                // This platform does not let us handle it: shutdown hooks still stop the stream cleanly.
            }
        }
    }

    /** Runs reload on SIGHUP (the agent rereads its configuration); ignored where the platform forbids it. */
    static void onHangup(Runnable reload) {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("HUP"), signal -> reload.run());
        } catch (IllegalArgumentException | UnsupportedOperationException | LinkageError e) {
            // No SIGHUP here: a restart rereads the configuration too.
        }
    }
}
