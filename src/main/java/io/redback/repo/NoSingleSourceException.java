package io.redback.repo;

import java.util.List;

/**
 * A command that works on one source was not told which ({@code --name}) and the repository does
 * not hold exactly one that has what it reads: none ({@link #candidates()} empty) or several
 * (named in the message and in {@link #candidates()}). The message says what to do.
 */
public final class NoSingleSourceException extends RepositoryException {
    private static final long serialVersionUID = 1L;
    private final List<String> candidates;

    NoSingleSourceException(String message, List<String> candidates) {
        super(message);
        this.candidates = List.copyOf(candidates);
    }

    /** The sources that have what the command reads, sorted: none, or more than one. */
    public List<String> candidates() {
        return candidates;
    }
}
