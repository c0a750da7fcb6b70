package io.redback.storage;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Optional;

/**
 * Where a repository's objects live: a local directory or an S3-compatible bucket. Keys are
 * '/'-separated relative paths such as {@code sources/cache-1/snapshots/20261122T031500Z-ab12/manifest.json}
 * (the rules are {@link StorageKeys}'). Every method states its contract; nothing outside the
 * backends knows which one is in use. Commit order is the caller's tool for crash safety: data
 * objects first, the manifest that makes them visible last (each {@link #put} is atomic on its own).
 * A backend does not retry on its own: {@link RepositoryUrl#open()} wraps it in
 * {@link RetryingStorage}, and a backend says which failures are worth another try by throwing
 * {@link TransientStorageException}.
 */
public interface Storage extends AutoCloseable {

    /** One stored object as a listing shows it. */
    record ObjectInfo(String key, long size, java.time.Instant lastModified) {
    }

    /**
     * Stores the stream's bytes under key, replacing any object there. Atomic: a reader sees the
     * old object, no object, or the whole new one, never a part (a temporary name and rename on
     * disk; a single or multipart upload completed at the end in object stores). Returns once
     * the bytes are durable (fsync'd on disk). {@code length} may be -1 when unknown; a stream
     * that ends early or runs on past it stores nothing. Idempotent for the same bytes.
     * Retries: the stream is read once, so {@link RetryingStorage} cannot send it again; a backend
     * that holds a request's bytes itself (S3's parts) repeats that request under the
     * {@link Retry} it was opened with. An exception means nothing was stored under key.
     */
    void put(String key, InputStream data, long length) throws IOException;

    /**
     * Reads a whole object. Throws {@link java.nio.file.NoSuchFileException} when key does not
     * exist. Retried whole by {@link RetryingStorage} until the stream is returned; a failure
     * while reading the returned stream is the caller's.
     */
    InputStream get(String key) throws IOException;

    /**
     * Reads {@code length} bytes from {@code offset} (fewer at the end of the object, none when
     * offset is past it). Throws {@link java.nio.file.NoSuchFileException} when key does not
     * exist. Retried as {@link #get}.
     */
    InputStream getRange(String key, long offset, long length) throws IOException;

    /** The object's size and time, or empty when it does not exist (never an exception for that). Retried. */
    Optional<ObjectInfo> stat(String key) throws IOException;

    /**
     * Every object whose key starts with prefix, sorted by key; an empty list when none (also
     * when the repository folder or prefix does not exist). Objects whose puts have not finished
     * are not listed. Retried.
     */
    List<ObjectInfo> list(String prefix) throws IOException;

    /**
     * Removes what interrupted puts left that no listing shows (the file backend's temporaries),
     * once last written before {@code before}; returns how many. Only a command meant to delete
     * calls it (prune, never a dry run): reading a repository never changes it. Object stores
     * leave nothing of the kind (an object appears whole or not at all), so by default it does
     * nothing. Idempotent; retried.
     */
    default int removeTemporaries(java.time.Instant before) throws IOException {
        return 0;
    }

    /** Deletes key. Idempotent: deleting a missing key is not an error. Retried. */
    void delete(String key) throws IOException;

    /** A human-readable location for messages, e.g. {@code file:///backups/redis} or {@code s3://bucket/prefix}. */
    String describe();

    @Override
    void close() throws IOException;
}
