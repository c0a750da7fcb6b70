package io.redback.drill;

/**
 * A drill that could not run, so proved nothing either way (exit 2): no such source, snapshot or
 * timeline, a point outside the recovery window, an {@code --into} target that is not empty. Its
 * message says what to do.
 */
public final class DrillException extends Exception {
    private static final long serialVersionUID = 1L;

    public DrillException(String message, Throwable cause) {
        super(message, cause);
    }

    public DrillException(String message) {
        super(message);
    }
}
