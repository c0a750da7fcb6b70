package io.redback.restore;

import java.time.Duration;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;

/** Times the phases of one restore, in order, and tells the listener as each ends. */
final class Phases {
    private final PhaseListener listener;
    private final EnumMap<Phase, Duration> took = new EnumMap<>(Phase.class);
    private Phase current;
    private long startedNanos;

    Phases(PhaseListener listener) {
        this.listener = listener;
    }

    /** Starts phase, ending the one running. */
    void start(Phase phase) {
        end();
        current = phase;
        startedNanos = System.nanoTime();
    }

    /** Ends the running phase, if any. */
    void end() {
        if (current == null) {
            return;
        }
        Duration d = Duration.ofNanos(System.nanoTime() - startedNanos);
        Phase p = current;
        current = null;
        took.merge(p, d, Duration::plus);
        listener.finished(p, d);
    }

    /** The phases ended so far, in the order of {@link Phase}. */
    Map<Phase, Duration> took() {
        return Collections.unmodifiableMap(new EnumMap<>(took));
    }
}
