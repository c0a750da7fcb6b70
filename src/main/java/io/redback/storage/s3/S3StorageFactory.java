package io.redback.storage.s3;

import io.redback.storage.RepositoryUrl;
import io.redback.storage.StorageFactory;
import java.util.Map;

/** Registers the S3 backend: {@code s3://bucket/prefix} URLs with their options. */
public final class S3StorageFactory implements StorageFactory {
    @Override
    public String prefix() {
        return "s3://";
    }

    @Override
    public String example() {
        return "s3://bucket/prefix";
    }

    @Override
    public RepositoryUrl parse(String text, Map<String, String> env) {
        return S3Url.parse(text, env);
    }
}
