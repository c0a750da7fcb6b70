package io.redback.storage;

import java.util.Map;

/**
 * A storage backend as {@link RepositoryUrl#parse} finds it: the start of the URLs it answers to
 * and how it parses them. Each backend registers its factory as a JDK service (a line in
 * {@code META-INF/services/io.redback.storage.StorageFactory}), found with
 * {@link java.util.ServiceLoader}, the way restic's backends or Litestream's replica clients
 * register themselves. A service rather than a list: a list would have to import every
 * backend from a package above them all, while with services this package imports none of them
 * and each backend imports only this one, so no package cycle can form, and a new backend
 * (GCS, Azure Blob) is a folder and a line, with nothing above it changed.
 */
public interface StorageFactory {

    /** How this backend's URLs start, matched ignoring case: {@code "s3://"}, {@code "file:"}. */
    String prefix();

    /** A URL of this kind for messages, e.g. {@code s3://bucket/prefix}. */
    String example();

    /** True for the one backend a plain path (no scheme) names: the local file system. */
    default boolean takesPaths() {
        return false;
    }

    /**
     * Parses text, which starts with {@link #prefix()} (or is a plain path when
     * {@link #takesPaths()}); env is the process environment, passed in, for settings the URL
     * leaves out. Throws IllegalArgumentException with a message fit for the user.
     */
    RepositoryUrl parse(String text, Map<String, String> env);
}
