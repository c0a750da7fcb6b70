package io.redback.stream;

import java.io.IOException;

/**
 * {@link Streamer#run()} stopped because one of its threads died ({@link StreamEvent.ThreadDied}):
 * the stream has spooled and shipped what it could, stream.json says {@code failed}, and the
 * caller should exit non-zero so that a supervisor restarts it.
 */
public final class StreamFailedException extends IOException {
    private static final long serialVersionUID = 1L;

    private final transient StreamEvent.ThreadDied death;

    StreamFailedException(StreamEvent.ThreadDied death) {
        super(death.describe() + "; the stream stopped (stream.json says failed)");
        this.death = death;
    }

    /** Which thread died, and of what. */
    public StreamEvent.ThreadDied death() {
        return death;
    }
}
