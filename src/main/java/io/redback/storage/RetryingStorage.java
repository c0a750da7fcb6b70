package io.redback.storage;

import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Any backend, with its transient failures tried again under a {@link Retry}: stat, get,
 * getRange, list, delete and removeTemporaries are repeated whole, which their contracts allow
 * (they change nothing, or are idempotent). A put goes through once: its stream cannot be read
 * twice, so the backend repeats what it holds itself (see {@link Storage#put}). This is where
 * retries live, so a new backend only has to say which of its failures are transient.
 */
public final class RetryingStorage implements Storage {
    private final Storage backend;
    private final Retry retry;

    public RetryingStorage(Storage backend, Retry retry) {
        this.backend = Objects.requireNonNull(backend, "backend");
        this.retry = Objects.requireNonNull(retry, "retry");
    }

    /** The backend this wraps. */
    public Storage backend() {
        return backend;
    }

    @Override
    public void put(String key, InputStream data, long length) throws IOException {
        backend.put(key, data, length);
    }

    @Override
    public InputStream get(String key) throws IOException {
        return retry.call(() -> backend.get(key));
    }

    @Override
    public InputStream getRange(String key, long offset, long length) throws IOException {
        return retry.call(() -> backend.getRange(key, offset, length));
    }

    @Override
    public Optional<ObjectInfo> stat(String key) throws IOException {
        return retry.call(() -> backend.stat(key));
    }

    @Override
    public List<ObjectInfo> list(String prefix) throws IOException {
        return retry.call(() -> backend.list(prefix));
    }

    @Override
    public int removeTemporaries(Instant before) throws IOException {
        return retry.call(() -> backend.removeTemporaries(before));
    }

    @Override
    public void delete(String key) throws IOException {
        retry.call(() -> {
            backend.delete(key);
            return null;
        });
    }

    @Override
    public String describe() {
        return backend.describe();
    }

    @Override
    public void close() throws IOException {
        backend.close();
    }

    @Override
    public String toString() {
        return backend.toString();
    }
}
