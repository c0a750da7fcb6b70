package io.redback.repo;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.time.Instant;
import java.util.Objects;

/**
 * A repository's {@code config.json}: the format version readers check before anything else, a
 * random id that tells two repositories apart (e.g. in drill reports and metrics), when it
 * was created, and for an encrypted repository how its objects are encrypted (null otherwise).
 */
@JsonPropertyOrder({"formatVersion", "id", "created", "encryption"})
public record RepositoryConfig(int formatVersion, String id, Instant created,
        @JsonInclude(JsonInclude.Include.NON_NULL) Encryption encryption) {
    public RepositoryConfig {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(created, "created");
        if (formatVersion < 1) {
            throw new IllegalArgumentException("formatVersion must be 1 or more, not " + formatVersion);
        }
    }

    /** An unencrypted repository's configuration. */
    public RepositoryConfig(int formatVersion, String id, Instant created) {
        this(formatVersion, id, created, null);
    }

    /** Whether every object but config.json and the key slots is encrypted. */
    public boolean encrypted() {
        return encryption != null;
    }

    /**
     * How an encrypted repository's objects are encrypted (docs/repository-format.md, "Encrypted
     * repositories"); {@code mode} is always {@code required}: a reader without the key refuses.
     */
    @JsonPropertyOrder({"mode", "cipher", "chunkSize", "kdf"})
    public record Encryption(String mode, String cipher, int chunkSize, String kdf) {
        /** What this release writes and the only scheme it reads. */
        public static final Encryption CURRENT = new Encryption("required", "AES-256-GCM", 65536, "HKDF-SHA256");
    }
}
