package io.redback.repo;

import java.util.Objects;

/**
 * A repository document (a snapshot manifest, {@code timeline.json}, {@code pruned.json}, a
 * segment manifest, {@code stream.json}) that a reader could not use and left out: not valid
 * JSON (a torn write), not a valid document of its kind (a refused object key, a bad field), of
 * a newer format, or lying elsewhere than it says. One bad document never blocks the rest of the
 * repository: readers carry on without it, commands warn, {@code check --repo} reports it as
 * damaged, and {@code prune} leaves its source as it is. {@code problem} says what is wrong and
 * names the key.
 */
public record SkippedDocument(String key, String problem) {
    public SkippedDocument {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(problem, "problem");
    }

    /** The source the document belongs to, or null when it lies outside every source's folder. */
    public String source() {
        if (!key.startsWith(Layout.SOURCES)) {
            return null;
        }
        int slash = key.indexOf('/', Layout.SOURCES.length());
        return slash < 0 ? null : key.substring(Layout.SOURCES.length(), slash);
    }
}
