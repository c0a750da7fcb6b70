package io.redback.storage.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.redback.storage.Storage;
import io.redback.storage.StorageContract;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@io.redback.testsupport.Fast
class FileStorageTest extends StorageContract {
    @TempDir
    Path temp;

    private Path root;
    private FileStorage storage;

    @BeforeEach
    void setUp() {
        root = temp.resolve("repo");
        storage = new FileStorage(root);
    }

    @Override
    protected Storage storage() {
        return storage;
    }

    @Test
    void filesAre0600AndFolders0700BecauseBackupsHoldEverySecret() throws IOException {
        assumeTrue(root.getFileSystem().supportedFileAttributeViews().contains("posix"));
        put(storage, "sources/a/snapshots/1/dump.rdb", "data");
        assertThat(mode(root.resolve("sources/a/snapshots/1/dump.rdb"))).isEqualTo("rw-------");
        for (String folder : new String[] {"", "sources", "sources/a", "sources/a/snapshots", "sources/a/snapshots/1"}) {
            assertThat(mode(root.resolve(folder))).as(folder.isEmpty() ? "root" : folder).isEqualTo("rwx------");
        }
    }

    @Test
    void anExistingRootKeepsItsMode() throws IOException {
        assumeTrue(root.getFileSystem().supportedFileAttributeViews().contains("posix"));
        Files.createDirectories(root);
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-x---"));
        put(storage, "config.json", "{}");
        assertThat(mode(root)).isEqualTo("rwxr-x---");
    }

    @Test
    void keysAreFilesUnderTheRootAndDeletingRemovesEmptiedFolders() throws IOException {
        put(storage, "sources/a/snapshots/1/manifest.json", "m");
        put(storage, "config.json", "c");
        assertThat(root.resolve("sources/a/snapshots/1/manifest.json")).hasContent("m");
        storage.delete("sources/a/snapshots/1/manifest.json");
        assertThat(root.resolve("sources")).doesNotExist();
        assertThat(root).isDirectory();
        assertThat(storage.describe()).isEqualTo("file://" + root);
    }

    @Test
    void aListingSkipsTemporariesAndDeletesNothingOnlyRemoveTemporariesRemovesThoseADayOld() throws IOException {
        put(storage, "sources/a/dump.rdb", "x");
        Path fresh = root.resolve("sources/a/dump.rdb.tmp-0123456789ab");
        Path stale = root.resolve("sources/a/manifest.json.tmp-ba9876543210");
        Files.writeString(fresh, "in flight");
        Files.writeString(stale, "left by a crash");
        Files.setLastModifiedTime(stale, FileTime.from(Instant.now().minus(Duration.ofHours(25))));

        assertThat(storage.list("")).extracting(Storage.ObjectInfo::key).containsExactly("sources/a/dump.rdb");
        assertThat(stale).as("reading never deletes").exists();

        assertThat(storage.removeTemporaries(Instant.now().minus(Duration.ofDays(1)))).isEqualTo(1);
        assertThat(fresh).exists();
        assertThat(stale).doesNotExist();
    }

    @Test
    void linksInsideTheRepositoryAreNeitherListedNorFollowedNorCleanedThrough() throws IOException {
        put(storage, "sources/a/snapshots/1/manifest.json", "m");
        Path elsewhere = Files.createDirectories(temp.resolve("elsewhere"));
        Path theirs = Files.writeString(elsewhere.resolve("manifest.json"), "not ours");
        Path theirStale = Files.writeString(elsewhere.resolve("x.json.tmp-0123456789ab"), "not ours either");
        Files.setLastModifiedTime(theirStale, FileTime.from(Instant.now().minus(Duration.ofDays(3))));
        Files.createSymbolicLink(root.resolve("tmp"), elsewhere);
        Files.createSymbolicLink(root.resolve("sources/a/timelines"), elsewhere);
        Files.createSymbolicLink(root.resolve("sources/a/snapshots/1/dump.rdb"), theirs);

        assertThat(storage.list("")).extracting(Storage.ObjectInfo::key)
                .containsExactly("sources/a/snapshots/1/manifest.json");
        assertThat(storage.list("tmp/")).isEmpty();
        assertThat(storage.list("sources/a/timelines/")).isEmpty();
        assertThat(storage.stat("sources/a/snapshots/1/dump.rdb")).isEmpty();
        assertThat(storage.removeTemporaries(Instant.now())).isZero();
        assertThatThrownBy(() -> storage.get("sources/a/timelines/manifest.json")).hasMessageContaining("symbolic link");
        assertThatThrownBy(() -> storage.get("sources/a/snapshots/1/dump.rdb")).hasMessageContaining("symbolic link");
        assertThatThrownBy(() -> put(storage, "tmp/manifest.json", "overwritten")).hasMessageContaining("symbolic link");
        assertThatThrownBy(() -> storage.delete("sources/a/timelines/manifest.json"))
                .hasMessageContaining("symbolic link");

        assertThat(theirs).hasContent("not ours");
        assertThat(theirStale).hasContent("not ours either");
        try (var left = Files.list(elsewhere)) {
            assertThat(left.count()).isEqualTo(2);
        }
    }

    @Test
    void theRootItselfMayBeALink() throws IOException {
        put(storage, "config.json", "{}");
        Path link = Files.createSymbolicLink(temp.resolve("repo-link"), root);
        FileStorage viaLink = new FileStorage(link);
        assertThat(viaLink.list("")).extracting(Storage.ObjectInfo::key).containsExactly("config.json");
        put(viaLink, "sources/a/stream.json", "{}");
        assertThat(root.resolve("sources/a/stream.json")).hasContent("{}");
    }

    @Test
    void aListingOfAMissingRootIsEmpty() throws IOException {
        assertThat(storage.list("")).isEmpty();
        assertThat(storage.list("sources/")).isEmpty();
        assertThat(storage.stat("config.json")).isEmpty();
    }

    @Test
    void aFullDiskSaysWhatToDo() {
        IOException fromWrite = FileErrors.describe(new IOException("No space left on device"), "writing",
                "sources/a/snapshots/1/dump.rdb.zst", Path.of("/backups/redis"));
        assertThat(fromWrite).hasMessage("no space left on device while writing sources/a/snapshots/1/dump.rdb.zst "
                + "to /backups/redis: free space or choose another repository");
        IOException fromCreate = FileErrors.describe(new FileSystemException("/backups/redis/x.tmp-1", null,
                "No space left on device"), "writing", "x", Path.of("/backups/redis"));
        assertThat(fromCreate).hasMessageStartingWith("no space left on device while writing x to /backups/redis");
        assertThat(FileErrors.describe(new IOException("Disk quota exceeded"), "writing", "x", Path.of("/r")))
                .hasMessageStartingWith("no space left on device");
    }

    @Test
    void aPermissionProblemSaysWhatToCheck() {
        IOException e = FileErrors.describe(new AccessDeniedException("/backups/redis/sources"), "writing", "sources/a",
                Path.of("/backups/redis"));
        assertThat(e.getMessage()).startsWith("permission denied while writing sources/a in /backups/redis "
                + "(/backups/redis/sources): redback needs read and write access").contains("owner and mode");
    }

    @Test
    void aReadOnlyFolderRefusesAPutWithTheActionableMessage() throws IOException {
        assumeTrue(root.getFileSystem().supportedFileAttributeViews().contains("posix"));
        assumeFalse("root".equals(System.getProperty("user.name")), "root ignores file modes");
        Files.createDirectories(root);
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("r-x------"));
        try {
            assertThatThrownBy(() -> storage.put("config.json", new ByteArrayInputStream(new byte[1]), 1))
                    .hasMessageStartingWith("permission denied while writing config.json in " + root);
        } finally {
            Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwx------"));
        }
    }

    private static String mode(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }
}
