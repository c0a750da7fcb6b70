package io.redback.storage;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Where a repository lives, parsed from what the user typed: a plain path (relative or absolute;
 * {@value #DEFAULT} when none is given), {@code file:///abs/path}, or
 * {@code s3://bucket/prefix?endpoint=http://127.0.0.1:9000&region=us-east-1&path-style=true&sse=AES256}.
 * This interface only picks the backend by how the text starts; each backend parses its own kind
 * ({@code storage.file.FileUrl}, {@code storage.s3.S3Url}) through its registered
 * {@link StorageFactory}, so nothing here or above knows which backends exist. A URL's
 * {@code toString} is canonical and never contains a secret.
 */
public interface RepositoryUrl {

    /** The repository used when none is given. */
    String DEFAULT = "./redback-repo";

    /**
     * Opens the backend alone, without the retries of {@link #open()}; {@code retry} is for the
     * requests only the backend can repeat (see {@link Storage#put}). The caller closes it.
     */
    Storage openBackend(Retry retry) throws IOException;

    /**
     * Opens the storage this URL names, with {@link Retry#DEFAULT} around it
     * ({@link RetryingStorage}); the caller closes it. Does not check that a repository is there.
     */
    default Storage open() throws IOException {
        return new RetryingStorage(openBackend(Retry.DEFAULT), Retry.DEFAULT);
    }

    /**
     * Parses text (null or blank means {@value #DEFAULT}); env supplies what a backend reads from
     * the environment (S3's endpoint, region and keys). Throws IllegalArgumentException with a
     * message fit for the user.
     */
    static RepositoryUrl parse(String text, Map<String, String> env) {
        Objects.requireNonNull(env, "env");
        String t = text == null || text.isBlank() ? DEFAULT : text.strip();
        List<StorageFactory> backends = Backends.ALL;
        for (StorageFactory b : backends) {
            if (t.regionMatches(true, 0, b.prefix(), 0, b.prefix().length())) {
                return b.parse(t, env);
            }
        }
        if (Backends.SCHEME.matcher(t).lookingAt()) {
            throw new IllegalArgumentException("unsupported repository URL '" + t + "': use a path, "
                    + Backends.examples(backends));
        }
        return backends.stream().filter(StorageFactory::takesPaths).findFirst()
                .orElseThrow(() -> new IllegalStateException("no storage backend takes a plain path; the "
                        + "file backend is missing from this build"))
                .parse(t, env);
    }
}
