package io.redback.storage.file;

import io.redback.storage.RepositoryUrl;
import io.redback.storage.StorageFactory;
import java.util.Map;

/** Registers the file backend: {@code file:} URLs and plain paths. */
public final class FileStorageFactory implements StorageFactory {
    @Override
    public String prefix() {
        return "file:";
    }

    @Override
    public String example() {
        return "file:///absolute/path";
    }

    @Override
    public boolean takesPaths() {
        return true;
    }

    @Override
    public RepositoryUrl parse(String text, Map<String, String> env) {
        return text.regionMatches(true, 0, prefix(), 0, prefix().length()) ? FileUrl.parseFileUrl(text)
                : FileUrl.parsePath(text);
    }
}
