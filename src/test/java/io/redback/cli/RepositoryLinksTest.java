package io.redback.cli;

import static io.redback.cli.Cli.redback;
import static org.assertj.core.api.Assertions.assertThat;

import io.redback.cli.Cli.Run;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A repository with links planted in it (at {@code tmp/}, at a source's {@code timelines/} and
 * {@code snapshots/}) pointing outside: no command follows them, and only a real prune deletes
 * anything, the stale temporaries of crashed writes inside the repository.
 */
@io.redback.testsupport.Fast
class RepositoryLinksTest {
    @TempDir
    Path temp;

    @Test
    void readingCommandsAndADryRunDeleteNothingAndNoCommandFollowsALinkOutOfTheRepository() throws Exception {
        Path root = temp.resolve("repo");
        String repo = root.toString();
        assertThat(redback("init", "--repo", repo).exit()).isZero();
        Path elsewhere = Files.createDirectories(temp.resolve("elsewhere"));
        Path theirs = Files.writeString(elsewhere.resolve("timeline.json"), "not the repository's");
        Path theirTemporary = aged(Files.writeString(elsewhere.resolve("notes.txt.tmp-0123456789ab"), "not ours"));
        Files.createSymbolicLink(root.resolve("tmp"), elsewhere);
        Path source = Files.createDirectories(root.resolve("sources/demo"));
        Files.createSymbolicLink(source.resolve("timelines"), elsewhere);
        Files.createSymbolicLink(source.resolve("snapshots"), elsewhere);
        Path crashed = aged(Files.writeString(source.resolve("stream.json.tmp-ba9876543210"), "left by a crash"));

        List<List<String>> readers = List.of(
                List.of("list"), List.of("list", "--name", "demo"), List.of("status"), List.of("status", "--name", "demo"),
                List.of("log", "--name", "demo"), List.of("check"), List.of("prune", "--keep-last", "1", "--dry-run"));
        for (List<String> command : readers) {
            List<String> args = new ArrayList<>(command);
            args.addAll(List.of("--repo", repo));
            Run r = redback(args.toArray(String[]::new));
            assertThat(r.err()).as(args.toString()).doesNotContain("Exception");
            assertThat(theirTemporary).as(args.toString()).exists();
            assertThat(crashed).as(args + " only reads").exists();
        }

        Run prune = redback("prune", "--keep-last", "1", "--repo", repo);
        assertThat(prune.exit()).as(prune.err()).isZero();
        assertThat(crashed).as("a real prune removes a day-old temporary").doesNotExist();
        assertThat(theirTemporary).as("but never through a link").exists();
        assertThat(theirs).hasContent("not the repository's");
        try (Stream<Path> left = Files.list(elsewhere)) {
            assertThat(left.count()).isEqualTo(2);
        }
    }

    private static Path aged(Path p) throws java.io.IOException {
        Files.setLastModifiedTime(p, FileTime.from(Instant.now().minus(Duration.ofDays(3))));
        return p;
    }
}
