package io.redback.files;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A new file never writes into what already lies at its name: not a link, not a hard link, not a guessed temporary. */
@io.redback.testsupport.Fast
class NewFileTest {
    @TempDir
    Path dir;

    @Test
    void aHardLinkAtTheTargetIsReplacedAndTheFileItSharedKeepsItsBytes() throws IOException {
        Path source = Files.writeString(dir.resolve("source.aof"), "the source");
        Path out = Files.createLink(dir.resolve("out.aof"), source);

        NewFile.write(out, "the copy".getBytes(StandardCharsets.UTF_8), NewFile.Mode.DEFAULT);

        assertThat(source).hasContent("the source");
        assertThat(out).hasContent("the copy");
        assertThat(Files.isSameFile(out, source)).isFalse();
    }

    @Test
    void aSymbolicLinkAtTheTargetIsRefusedAndItsTargetUntouched() throws IOException {
        Path victim = Files.writeString(dir.resolve("victim"), "precious");
        Path out = Files.createSymbolicLink(dir.resolve("dump.rdb"), victim);

        assertThatThrownBy(() -> NewFile.write(out, new byte[] {1}, NewFile.Mode.DEFAULT))
                .hasMessageContaining(out + " is a symbolic link");
        assertThat(victim).hasContent("precious");
        assertThat(out).isSymbolicLink();
        assertThat(names()).containsExactlyInAnyOrder("victim", "dump.rdb");
    }

    @Test
    void aLinkPlantedAfterTheTemporaryWasCreatedIsStillNeverReplaced() throws IOException {
        Path victim = Files.writeString(dir.resolve("victim"), "precious");
        Path out = dir.resolve("out");
        try (NewFile f = NewFile.beside(out, NewFile.Mode.DEFAULT)) {
            Files.createSymbolicLink(out, victim);
            assertThatThrownBy(f::commit).hasMessageContaining("is a symbolic link");
        }
        assertThat(victim).hasContent("precious");
        assertThat(names()).containsExactlyInAnyOrder("victim", "out");
    }

    @Test
    void temporariesHaveRandomNamesAndGoWhenNotCommitted() throws IOException {
        Path out = dir.resolve("state.json");
        try (NewFile a = NewFile.beside(out, NewFile.Mode.DEFAULT); NewFile b = NewFile.beside(out, NewFile.Mode.DEFAULT)) {
            assertThat(a.path().getFileName().toString()).matches("state\\.json\\.tmp-[0-9a-f]{12}");
            assertThat(a.path()).isNotEqualTo(b.path());
        }
        assertThat(names()).isEmpty();
    }

    @Test
    void createRefusesAnExistingNameEvenADanglingLink() throws IOException {
        Path victim = dir.resolve("not-yet");
        Path planted = Files.createSymbolicLink(dir.resolve("segment.aof"), victim);
        assertThatThrownBy(() -> NewFile.create(planted, NewFile.Mode.DEFAULT))
                .isInstanceOf(java.nio.file.FileAlreadyExistsException.class);
        assertThat(victim).doesNotExist();
    }

    @Test
    void privateFilesAre0600AndFolders0700() throws IOException {
        assumeTrue(dir.getFileSystem().supportedFileAttributeViews().contains("posix"));
        Path folder = NewFile.createFolders(dir.resolve("spool/src"), NewFile.Mode.PRIVATE);
        Path file = folder.resolve("1.aof");
        NewFile.write(file, new byte[] {1}, NewFile.Mode.PRIVATE);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(folder))).isEqualTo("rwx------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("spool"))))
                .isEqualTo("rwx------");
    }

    private java.util.List<String> names() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).toList();
        }
    }
}
