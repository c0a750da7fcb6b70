package io.redback.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.redback.repo.SnapshotId;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The spool holds every write's values: private like a repository, and never written through a planted link. */
@io.redback.testsupport.Fast
class SpoolTest {
    @TempDir
    Path temp;

    private static final SnapshotId TIMELINE = SnapshotId.at(Instant.parse("2026-11-22T03:15:00Z"), new Random(1));

    @Test
    void theSpoolFolderIs0700AndEveryFileIn0600() throws IOException {
        assumeTrue(temp.getFileSystem().supportedFileAttributeViews().contains("posix"));
        Path dir = temp.resolve("redback-spool/cache-1");
        try (Spool spool = Spool.open(dir)) {
            spool.add(segment("SET k secret"), 0, "cache-1");
        }
        assertThat(mode(dir)).isEqualTo("rwx------");
        assertThat(mode(dir.getParent())).isEqualTo("rwx------");
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> all = files.toList();
            assertThat(all).extracting(p -> p.getFileName().toString())
                    .contains("lock", "state.json", "000000000001.aof", "000000000001.json");
            for (Path f : all) {
                assertThat(mode(f)).as(f.getFileName().toString()).isEqualTo("rw-------");
            }
        }
    }

    @Test
    void aLinkPlantedAtASpoolFileIsNeverWrittenThrough() throws IOException {
        Path dir = Files.createDirectories(temp.resolve("spool"));
        Path victim = Files.writeString(temp.resolve("victim"), "precious");
        try (Spool spool = Spool.open(dir)) { // opening clears what a crash left, so plant afterwards
            Files.createSymbolicLink(dir.resolve("000000000001.aof.tmp"), victim); // the name it used to write first
            Files.createSymbolicLink(dir.resolve("000000000001.aof"), victim);
            assertThatThrownBy(() -> spool.add(segment("SET k v"), 0, "cache-1"))
                    .hasMessageContaining("is a symbolic link");
        }
        assertThat(victim).hasContent("precious");
    }

    private static SpooledSegment segment(String command) {
        byte[] data = (command + "\r\n").getBytes(StandardCharsets.US_ASCII);
        Instant t = Instant.parse("2026-11-22T03:15:01Z");
        return new SpooledSegment(TIMELINE, 100, 100 + data.length, "a".repeat(40), 0, t, t, 1, List.of(), data);
    }

    private static String mode(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }
}
