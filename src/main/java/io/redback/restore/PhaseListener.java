package io.redback.restore;

import java.time.Duration;

/**
 * Told, on the restoring thread, when a phase of a restore ends and how long it took: a drill
 * records the times as they come, a command can stop a progress bar once the download is done.
 * The same durations are in the restore's result.
 */
@FunctionalInterface
public interface PhaseListener {
    /** A listener that does nothing. */
    PhaseListener NONE = (phase, took) -> { };

    void finished(Phase phase, Duration took);
}
