package io.redback.repo;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.time.Instant;
import java.util.Objects;

/**
 * A repository's {@code config.json}: the format version readers check before anything else, a
 * random id that tells two repositories apart (e.g. in drill reports and metrics), and when it
 * was created.
 */
@JsonPropertyOrder({"formatVersion", "id", "created"})
public record RepositoryConfig(int formatVersion, String id, Instant created) {
    public RepositoryConfig {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(created, "created");
        if (formatVersion < 1) {
            throw new IllegalArgumentException("formatVersion must be 1 or more, not " + formatVersion);
        }
    }
}
