package io.redback.storage.file;

import io.redback.storage.RepositoryUrl;
import io.redback.storage.Retry;
import io.redback.storage.Storage;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;

/**
 * A repository in a local folder, from a plain path or a {@code file:///abs/path} URL (made
 * absolute against the working directory). Its canonical form is the {@code file://} URL.
 */
public record FileUrl(Path root) implements RepositoryUrl {
    public FileUrl {
        root = root.toAbsolutePath().normalize();
    }

    /** The file system needs no retries; retry is not used. */
    @Override
    public Storage openBackend(Retry retry) {
        return new FileStorage(root);
    }

    @Override
    public String toString() {
        return "file://" + root.toUri().getRawPath().replaceAll("(.)/$", "$1");
    }

    /** A plain path, relative or absolute. */
    static FileUrl parsePath(String text) {
        try {
            return new FileUrl(Path.of(text));
        } catch (InvalidPathException e) {
            throw new IllegalArgumentException("repository path '" + text + "' is not valid here: " + e.getReason(), e);
        }
    }

    /** A {@code file:} URL: absolute, no host but localhost, no query or fragment. */
    static FileUrl parseFileUrl(String text) {
        URI uri;
        try {
            uri = new URI(text);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("repository URL '" + text + "' is not valid: " + e.getReason()
                    + " (spaces and '%' must be percent-encoded, or give a plain path)", e);
        }
        String host = uri.getAuthority();
        if (uri.isOpaque() || (host != null && !host.isEmpty() && !host.equalsIgnoreCase("localhost"))) {
            throw new IllegalArgumentException("repository URL '" + text
                    + "' is not an absolute file URL: use file:///absolute/path (three slashes) or a plain path");
        }
        if (uri.getQuery() != null || uri.getFragment() != null) {
            throw new IllegalArgumentException("repository URL '" + text + "' has a query or fragment; file URLs take none");
        }
        return new FileUrl(Path.of(uri.getPath()));
    }
}
