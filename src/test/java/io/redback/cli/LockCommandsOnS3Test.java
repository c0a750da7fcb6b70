package io.redback.cli;

import static io.redback.cli.Cli.redback;
import static org.assertj.core.api.Assertions.assertThat;

import io.redback.cli.Cli.Run;
import io.redback.repo.LockHolder;
import io.redback.repo.Repository;
import io.redback.repo.RepositoryLock;
import io.redback.storage.Storage;
import io.redback.storage.s3.TestS3;
import java.time.Clock;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The repository lock on a bucket: a prune on one host, a compact on another, one at a time. */
@io.redback.testsupport.Slow
class LockCommandsOnS3Test {
    private static TestS3 s3;

    @BeforeAll
    static void startS3() throws Exception {
        s3 = TestS3.start();
        s3.createBucket("backups");
    }

    @AfterAll
    static void stopS3() {
        if (s3 != null) {
            s3.close();
        }
    }

    @Test
    void aCompactWhileAPruneHoldsTheBucketsLockStopsAndRunsOnceItEnds() throws Exception {
        String repo = "s3://backups/redis?endpoint=" + s3.endpoint();
        assertThat(redback(s3.env(), "init", "--repo", repo).exit()).isZero();
        try (Storage storage = s3.url("backups", "redis").open()) {
            Repository repository = Repository.open(storage);
            try (RepositoryLock prune = repository.lockExclusive("prune", Clock.systemUTC(), n -> { })) {
                LockHolder h = prune.holder();
                Run compact = redback(s3.env(), "compact", "--repo", repo);
                assertThat(compact.exit()).isEqualTo(2);
                assertThat(compact.err()).startsWith("redback compact: " + storage.describe() + " is locked by prune on "
                        + "host " + h.host() + " (pid " + h.pid());
                assertThat(repository.locks()).containsExactly(h);

                Run check = redback(s3.env(), "check", "--repo", repo);
                assertThat(check.exit()).isZero();
                assertThat(check.out()).contains("note       lock of prune on host " + h.host());
            }
            Run compact = redback(s3.env(), "compact", "--repo", repo);
            assertThat(compact.exit()).as(compact.err()).isZero();
            assertThat(repository.locks()).isEmpty();

            try (RepositoryLock left = repository.lockExclusive("prune", Clock.systemUTC(), n -> { })) {
                Run unlock = redback(s3.env(), "unlock", "--repo", repo, "--all");
                assertThat(unlock.exit()).isZero();
                assertThat(unlock.out()).startsWith("removed lock of prune on host " + left.holder().host());
                assertThat(repository.locks()).isEmpty();
            }
        }
    }
}
