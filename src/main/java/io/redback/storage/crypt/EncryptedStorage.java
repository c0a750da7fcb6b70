package io.redback.storage.crypt;

import io.redback.storage.Storage;
import java.io.IOException;
import java.io.InputStream;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Any storage, with its objects encrypted on the client (docs/repository-format.md, "Encrypted
 * repositories"): a put seals the stream chunk by chunk as the backend reads it; get and
 * getRange authenticate every chunk before handing on its bytes and fail with a
 * {@link DamagedObjectException} naming the object; stat and list report plaintext sizes,
 * computed exactly from stored sizes (chunking is fixed), so that manifests' sizes compare as in
 * an unencrypted repository. {@code config.json} and the key slots under {@code keys/} pass
 * through as they are: a reader must see that a repository is encrypted before it can open it.
 * Memory is one chunk per open stream, whatever the object's size.
 */
public final class EncryptedStorage implements Storage {
    /** The repository's configuration document, which stays plaintext. */
    public static final String CONFIG = "config.json";

    private final Storage backend;
    private final MasterKey key;
    private final String repositoryId;
    private final SecureRandom random = new SecureRandom();

    public EncryptedStorage(Storage backend, MasterKey key, String repositoryId) {
        this.backend = Objects.requireNonNull(backend, "backend");
        this.key = Objects.requireNonNull(key, "key");
        this.repositoryId = Objects.requireNonNull(repositoryId, "repositoryId");
    }

    /**
     * Opens the encrypted repository with id repositoryId on backend with password: a
     * {@link WrongPasswordException} when no key slot opens with it.
     */
    public static EncryptedStorage unlock(Storage backend, String repositoryId, char[] password) throws IOException {
        return new EncryptedStorage(backend, KeySlots.unlock(backend, repositoryId, password).key(), repositoryId);
    }

    /** The storage this encrypts onto. */
    public Storage backend() {
        return backend;
    }

    /** The master key (for adding a key slot). */
    public MasterKey masterKey() {
        return key;
    }

    /** The id of the repository this storage holds, bound into every object. */
    public String repositoryId() {
        return repositoryId;
    }

    /** Whether the object under key is stored as it is (config.json and key slots). */
    static boolean plain(String key) {
        return key.equals(CONFIG) || key.startsWith(KeySlots.PREFIX);
    }

    @Override
    public void put(String objectKey, InputStream data, long length) throws IOException {
        if (plain(objectKey)) {
            backend.put(objectKey, data, length);
            return;
        }
        byte[] header = Chunks.newHeader(random, key.newest());
        Chunks chunks = Chunks.of(key, repositoryId, objectKey, header);
        backend.put(objectKey, new SealingStream(data, chunks, header, length), length < 0 ? -1 : Chunks.storedSize(length));
    }

    @Override
    public InputStream get(String objectKey) throws IOException {
        if (plain(objectKey)) {
            return backend.get(objectKey);
        }
        InputStream in = backend.get(objectKey);
        try {
            byte[] header = in.readNBytes(Chunks.HEADER);
            return new OpeningStream(in, Chunks.of(key, repositoryId, objectKey, header), 0, -1, 0,
                    Long.MAX_VALUE);
        } catch (IOException | RuntimeException e) {
            in.close();
            throw e;
        }
    }

    @Override
    public InputStream getRange(String objectKey, long offset, long length) throws IOException {
        if (plain(objectKey)) {
            return backend.getRange(objectKey, offset, length);
        }
        if (offset < 0 || length < 0) {
            throw new IllegalArgumentException("offset and length must not be negative");
        }
        Optional<ObjectInfo> info = backend.stat(objectKey);
        if (info.isEmpty()) {
            throw new java.nio.file.NoSuchFileException(objectKey);
        }
        long stored = info.get().size();
        long plainSize = Chunks.plainSize(stored);
        long lastChunk = Chunks.storedChunks(stored) - 1;
        byte[] header;
        try (InputStream h = backend.getRange(objectKey, 0, Chunks.HEADER)) {
            header = h.readNBytes(Chunks.HEADER);
        }
        Chunks chunks = Chunks.of(key, repositoryId, objectKey, header);
        long end = Math.min(plainSize, offset + Math.min(length, Long.MAX_VALUE - offset));
        if (offset >= end) {
            return InputStream.nullInputStream();
        }
        long first = offset / Chunks.CHUNK;
        long last = Math.min(lastChunk, (end - 1) / Chunks.CHUNK);
        long from = Chunks.HEADER + first * Chunks.SEALED;
        long to = last == lastChunk ? stored : Chunks.HEADER + (last + 1) * Chunks.SEALED;
        InputStream in = backend.getRange(objectKey, from, to - from);
        return new OpeningStream(in, chunks, first, last == lastChunk ? lastChunk : Long.MAX_VALUE,
                offset - first * Chunks.CHUNK, end - offset);
    }

    @Override
    public Optional<ObjectInfo> stat(String objectKey) throws IOException {
        return backend.stat(objectKey).map(this::plainInfo);
    }

    @Override
    public List<ObjectInfo> list(String prefix) throws IOException {
        List<ObjectInfo> all = backend.list(prefix);
        List<ObjectInfo> out = new ArrayList<>(all.size());
        for (ObjectInfo o : all) {
            out.add(plainInfo(o));
        }
        return out;
    }

    private ObjectInfo plainInfo(ObjectInfo o) {
        return plain(o.key()) ? o : new ObjectInfo(o.key(), Chunks.plainSize(o.size()), o.lastModified());
    }

    @Override
    public int removeTemporaries(Instant before) throws IOException {
        return backend.removeTemporaries(before);
    }

    @Override
    public void delete(String objectKey) throws IOException {
        backend.delete(objectKey);
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
