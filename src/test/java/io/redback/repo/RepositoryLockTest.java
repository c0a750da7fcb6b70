package io.redback.repo;

import io.redback.storage.Storage;
import io.redback.storage.file.FileStorage;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** Repository locks in a folder. */
@io.redback.testsupport.Fast
class RepositoryLockTest extends RepositoryLockContract {
    @TempDir
    Path root;

    @Override
    protected Storage openStorage() {
        return new FileStorage(root.resolve("repo"));
    }
}
