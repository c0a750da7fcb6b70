package io.redback.repo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.redback.storage.Storage;
import io.redback.storage.s3.TestS3;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The repository layer on an S3 API server: what works on a folder works on a bucket. */
@io.redback.testsupport.Slow
class RepositoryOnS3Test {
    private static TestS3 s3;

    @BeforeAll
    static void startS3() throws Exception {
        s3 = TestS3.start();
        s3.createBucket("backups");
    }

    @AfterAll
    static void stopS3() throws Exception {
        if (s3 != null) {
            s3.close();
        }
    }

    @Test
    void initCommitListAndPruneOnABucketPrefix() throws Exception {
        try (Storage storage = s3.url("backups", "redis/prod").open()) {
            Repository repo = Repository.openOrInit(storage, Clock.systemUTC(), notice -> { });
            SnapshotManifest a = TestSnapshots.commit(repo, "cache-1", "20261122T010000.000Z-00000a");
            SnapshotManifest b = TestSnapshots.commit(repo, "cache-1", "20261122T020000.000Z-00000b");
            SnapshotManifest c = TestSnapshots.commit(repo, "cache-1", "20261122T030000.000Z-00000c");

            Repository reopened = Repository.open(storage);
            assertThat(reopened.config()).isEqualTo(repo.config());
            assertThat(reopened.catalog().snapshots("cache-1")).containsExactly(c, b, a);
            assertThat(reopened.catalog().find("cache-1", "20261122T02")).isEqualTo(b);

            Pruner.Report report = new Pruner(reopened, Clock.systemUTC()).prune(RetentionPolicy.parse("--keep-last 1"), null, false);
            assertThat(report.forgotten()).extracting(Pruner.SnapshotDecision::id).containsExactly(b.id(), a.id());
            assertThat(storage.list("").stream().map(Storage.ObjectInfo::key).toList()).isEqualTo(List.of("config.json",
                    c.object(), Layout.manifestKey("cache-1", c.id())));
        }
    }

    @Test
    void aDamagedManifestOnABucketIsSkippedAndPruneLeavesItsSourceAsItIs() throws Exception {
        try (Storage storage = s3.url("backups", "redis/damaged").open()) {
            Repository repo = Repository.openOrInit(storage, Clock.systemUTC(), notice -> { });
            SnapshotManifest a = TestSnapshots.commit(repo, "cache-1", "20261122T010000.000Z-00000a");
            SnapshotManifest b = TestSnapshots.commit(repo, "cache-1", "20261122T020000.000Z-00000b");
            SnapshotManifest other = TestSnapshots.commit(repo, "cache-2", "20261122T010000.000Z-00000c");
            TestSnapshots.commit(repo, "cache-2", "20261122T020000.000Z-00000d");
            String torn = Layout.manifestKey("cache-1", b.id());
            byte[] half = "{ \"formatVersion\" : 1, \"id\" : \"2026".getBytes(java.nio.charset.StandardCharsets.UTF_8);
            storage.put(torn, new java.io.ByteArrayInputStream(half), half.length);
            List<String> before = storage.list("sources/cache-1/").stream().map(Storage.ObjectInfo::key).toList();

            Repository reopened = Repository.open(storage);
            assertThat(reopened.catalog().snapshots("cache-1")).containsExactly(a);
            Pruner.Report report = new Pruner(reopened, Clock.systemUTC()).prune(RetentionPolicy.parse("--keep-last 1"),
                    null, false);
            assertThat(report.sourcesLeftAsTheyAre()).containsExactly("cache-1");
            assertThat(report.unreadable()).extracting(SkippedDocument::key).containsExactly(torn);
            assertThat(report.forgotten()).extracting(Pruner.SnapshotDecision::id).containsExactly(other.id());
            assertThat(storage.list("sources/cache-1/").stream().map(Storage.ObjectInfo::key).toList())
                    .as("nothing of the source with the unreadable manifest is deleted").isEqualTo(before);
        }
    }

    @Test
    void aRepositoryInAMissingBucketSaysSoInOneLine() throws Exception {
        try (Storage storage = s3.url("nonexistent-bucket", "redis").open()) {
            assertThatThrownBy(() -> Repository.open(storage)).hasMessage("bucket 'nonexistent-bucket' does not exist at "
                    + s3.endpoint() + ": create it or fix the repository URL");
            assertThatThrownBy(() -> Repository.openOrInit(storage, Clock.systemUTC(), n -> { }))
                    .hasMessageStartingWith("bucket 'nonexistent-bucket' does not exist");
        }
    }
}
