package io.redback.cli;

import static io.redback.cli.Cli.fixture;
import static io.redback.cli.Cli.redback;
import static org.assertj.core.api.Assertions.assertThat;

import io.redback.cli.Cli.Run;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code redback restore --to-dir} into a directory where someone planted links: the RDB and the
 * throwaway server's logs are new files renamed into place, so no link is ever written through.
 */
@io.redback.testsupport.Slow
class RestoreLinksTest {
    @TempDir
    Path tmp;

    private final Path rdb = fixture("/fixtures/redis-7.0.15-debian/dump.rdb");

    @Test
    void aLinkPlantedAtTheOldTemporaryNameIsNotWrittenThrough() throws Exception {
        Path victim = Files.writeString(tmp.resolve("victim"), "precious");
        Path dir = Files.createDirectories(tmp.resolve("restore"));
        Files.createSymbolicLink(dir.resolve("dump.rdb.tmp"), victim);

        Run r = redback("restore", "--from-rdb", rdb.toString(), "--to-dir", dir.toString());

        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(Files.mismatch(rdb, dir.resolve("dump.rdb"))).isEqualTo(-1);
        assertThat(victim).hasContent("precious");
        assertThat(dir.resolve("dump.rdb.tmp")).isSymbolicLink();
    }

    @Test
    void aDamagedRdbNeverReachesALinkedFileEither() throws Exception {
        Path victim = Files.writeString(tmp.resolve("victim"), "precious");
        Path dir = Files.createDirectories(tmp.resolve("restore"));
        Files.createSymbolicLink(dir.resolve("dump.rdb.tmp"), victim);
        byte[] whole = Files.readAllBytes(rdb);
        Path torn = Files.write(tmp.resolve("torn.rdb"), Arrays.copyOf(whole, whole.length / 2));

        Run r = redback("restore", "--from-rdb", torn.toString(), "--to-dir", dir.toString());

        assertThat(r.exit()).isEqualTo(Main.PROBLEM);
        assertThat(victim).hasContent("precious");
        assertThat(dir.resolve("dump.rdb")).doesNotExist();
        try (var left = Files.list(dir)) {
            assertThat(left.map(p -> p.getFileName().toString())).containsExactly("dump.rdb.tmp");
        }
    }

    @Test
    void aDumpRdbThatIsALinkIsRefusedEvenWithForce() throws Exception {
        Path victim = Files.writeString(tmp.resolve("victim"), "precious");
        Path dir = Files.createDirectories(tmp.resolve("restore"));
        Files.createSymbolicLink(dir.resolve("dump.rdb"), victim);

        for (String force : new String[] {"--quiet", "--force"}) {
            Run r = redback("restore", "--from-rdb", rdb.toString(), "--to-dir", dir.toString(), force);
            assertThat(r.exit()).as(force).isEqualTo(Main.USAGE);
            assertThat(r.err()).as(force).contains(dir.resolve("dump.rdb") + " is a symbolic link");
        }
        assertThat(victim).hasContent("precious");
        assertThat(dir.resolve("dump.rdb")).isSymbolicLink();
    }

    @Test
    void startRefusesLogLinksPlantedInTheDirectoryAndWritesNothingThroughThem() throws Exception {
        for (String name : new String[] {"redis-server.out", "redis-server.log"}) {
            Path victim = Files.writeString(tmp.resolve("victim-" + name), "precious");
            Path dir = Files.createDirectories(tmp.resolve("restore-" + name));
            Files.createSymbolicLink(dir.resolve(name), victim);

            Run r = redback("restore", "--from-rdb", rdb.toString(), "--to-dir", dir.toString(), "--start");

            assertThat(r.exit()).as(name).isEqualTo(Main.USAGE);
            assertThat(r.err()).as(name).contains(dir.resolve(name) + " is a symbolic link");
            assertThat(victim).as(name).hasContent("precious");
        }

        Path clean = tmp.resolve("restore-clean");
        Run r = redback("restore", "--from-rdb", rdb.toString(), "--to-dir", clean.toString(), "--start");
        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("keys loaded");
        assertThat(clean.resolve("redis-server.log")).isRegularFile().isNotEmptyFile();
        assertThat(clean.resolve("redis-server.out")).isRegularFile();
    }
}
