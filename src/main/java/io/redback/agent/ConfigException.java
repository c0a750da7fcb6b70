package io.redback.agent;

/**
 * A configuration the agent cannot run: the line of the file it is on and what to change.
 * The agent refuses to start with one (exit 2); a reload that meets one keeps the running
 * configuration.
 */
public final class ConfigException extends IllegalArgumentException {
    private final int line;

    public ConfigException(int line, String message) {
        super("line " + line + ": " + message);
        this.line = line;
    }

    /** The 1-based line of the configuration file the problem is on. */
    public int line() {
        return line;
    }
}
