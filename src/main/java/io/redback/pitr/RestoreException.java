package io.redback.pitr;

import java.util.List;
import java.util.Locale;

/**
 * Why a point-in-time restore cannot be planned or written: the point lies outside every
 * recovery window, in a gap of the log, or the data read is damaged, and so on (see
 * {@link Kind}). The message names the timeline, offsets, objects and what to do; for points
 * that cannot be restored, {@link #windows()} are the restorable spans to choose from.
 * {@link #dataProblem()} separates a problem found in the repository's data (exit 1) from a
 * request that cannot be met (exit 2).
 */
public final class RestoreException extends Exception {
    private static final long serialVersionUID = 1L;

    /** What went wrong. */
    public enum Kind {
        /** The point is before the earliest or after the latest restorable point. */
        OUTSIDE_WINDOW(false),
        /** The point lies in offsets no committed segment holds, with no snapshot after them. */
        GAP(true),
        /** No command matches the --before pattern in the windows searched. */
        NO_MATCH(true),
        /** An object is missing, has the wrong size or SHA-256, or does not read as what it should be. */
        DAMAGED(true),
        /** No such source, timeline or log to restore from. */
        NOT_FOUND(false),
        /** The restore's target exists (and --force was not given). */
        TARGET_EXISTS(false);

        private final boolean dataProblem;

        Kind(boolean dataProblem) {
            this.dataProblem = dataProblem;
        }

        /** {@code outside-window}, {@code gap}, ...: the name JSON output uses. */
        public String jsonName() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    private final Kind kind;
    private final transient List<Window> windows;

    public RestoreException(Kind kind, String message) {
        this(kind, message, List.of(), null);
    }

    public RestoreException(Kind kind, String message, List<Window> windows, Throwable cause) {
        super(message, cause);
        this.kind = kind;
        this.windows = List.copyOf(windows);
    }

    public Kind kind() {
        return kind;
    }

    /** The restorable spans of the timelines considered (empty when not relevant). */
    public List<Window> windows() {
        return windows;
    }

    /** True for a problem in the repository's data (exit 1), false for a request that cannot be met (exit 2). */
    public boolean dataProblem() {
        return kind.dataProblem;
    }
}
