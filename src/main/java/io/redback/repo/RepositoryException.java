package io.redback.repo;

import java.io.IOException;

/**
 * A repository that cannot be used as it is: none at the location, a newer format, a damaged
 * config or manifest, a snapshot id that names nothing or more than one thing. The message says
 * what was found and what to do; callers print it as it is.
 */
public class RepositoryException extends IOException {
    private static final long serialVersionUID = 1L;

    public RepositoryException(String message) {
        super(message);
    }

    public RepositoryException(String message, Throwable cause) {
        super(message, cause);
    }
}
