package io.redback.cluster;

/** A cluster that cannot be backed up or read as asked; the message says why and what to do. */
public final class ClusterException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ClusterException(String message) {
        super(message);
    }
}
