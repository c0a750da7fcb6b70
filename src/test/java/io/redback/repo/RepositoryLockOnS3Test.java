package io.redback.repo;

import io.redback.storage.Storage;
import io.redback.storage.s3.TestS3;
import java.io.IOException;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** Repository locks in a bucket: one S3Proxy for the class, a prefix per test. */
@io.redback.testsupport.Slow
class RepositoryLockOnS3Test extends RepositoryLockContract {
    private static TestS3 s3;

    @BeforeAll
    static void startS3() throws Exception {
        s3 = TestS3.start();
        s3.createBucket("locks");
    }

    @AfterAll
    static void stopS3() {
        if (s3 != null) {
            s3.close();
        }
    }

    @Override
    protected Storage openStorage() throws IOException {
        return s3.url("locks", "repo-" + UUID.randomUUID()).open();
    }
}
