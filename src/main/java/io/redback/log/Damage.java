package io.redback.log;

/**
 * Data the repository promises that is not there or not what it should be: a data object that
 * is missing or does not match its manifest (sizes, SHA-256s), or a segment whose bytes are not
 * a command log or do not add up to its manifest. The message names the object and what is
 * wrong; {@link #object()} is its key.
 */
public final class Damage extends Exception {
    private static final long serialVersionUID = 1L;
    private final String object;

    public Damage(String object, String message) {
        super(message);
        this.object = object;
    }

    /** The key of the data object concerned. */
    public String object() {
        return object;
    }
}
