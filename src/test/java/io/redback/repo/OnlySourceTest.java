package io.redback.repo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.redback.storage.file.FileStorage;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which source a command works on when it is not named: the only one, or a message that says to name it. */
@io.redback.testsupport.Fast
class OnlySourceTest {
    private static final Instant T0 = Instant.parse("2026-11-22T03:15:00Z");

    @TempDir
    Path temp;
    private Repository repo;

    @BeforeEach
    void setUp() throws IOException {
        repo = Repository.init(new FileStorage(temp.resolve("repo")), Clock.systemUTC());
    }

    @Test
    void anEmptyRepositoryHasNoSourceToPickAndSaysWhatMakesOne() throws IOException {
        assertThat(repo.sources()).isEmpty();
        assertThatThrownBy(() -> repo.onlySource(null, Repository.Holding.SNAPSHOTS))
                .isInstanceOf(NoSingleSourceException.class)
                .hasMessage("the repository has no snapshots yet: take one with `redback backup`");
        assertThatThrownBy(() -> repo.onlySource(null, Repository.Holding.LOG))
                .hasMessage("no source in " + repo.describe() + " has a shipped log yet: `redback stream` ships one");
        assertThatThrownBy(() -> repo.catalog().find(null, "latest")).isInstanceOf(NoSingleSourceException.class)
                .satisfies(e -> assertThat(((NoSingleSourceException) e).candidates()).isEmpty());
    }

    @Test
    void theOnlySourceIsPickedAmongThoseHoldingWhatTheCommandReads() throws IOException {
        SnapshotManifest cache = TestSnapshots.commit(repo, "cache-1", "20261121T031500.000Z-aaaaaa");
        TestTimelines.start(repo, "sessions", T0, 0).segment(100);

        assertThat(repo.sources()).containsExactly("cache-1", "sessions");
        assertThat(repo.sources("cache-1")).containsExactly("cache-1");
        assertThat(repo.onlySource(null, Repository.Holding.LOG)).isEqualTo("sessions");
        // The timeline's base snapshot makes sessions a source with snapshots too.
        assertThatThrownBy(() -> repo.onlySource(null, Repository.Holding.SNAPSHOTS))
                .isInstanceOf(NoSingleSourceException.class)
                .hasMessage("the repository holds several sources (cache-1, sessions): say which with --name")
                .satisfies(e -> assertThat(((NoSingleSourceException) e).candidates())
                        .containsExactly("cache-1", "sessions"));
        assertThatThrownBy(() -> repo.catalog().find(null, "latest"))
                .hasMessage("the repository holds several sources (cache-1, sessions): say which with --name");
        assertThat(repo.catalog().find("cache-1", "latest")).isEqualTo(cache);
        assertThat(repo.onlySource("cache-1", Repository.Holding.LOG)).isEqualTo("cache-1");
    }

    @Test
    void severalLogsAskForANameAndANamedSourceIsCheckedNotLookedUp() throws IOException {
        TestTimelines.start(repo, "a", T0, 0).segment(10);
        TestTimelines.start(repo, "b", T0, 0).segment(10);

        assertThatThrownBy(() -> repo.onlySource(null, Repository.Holding.LOG))
                .hasMessage("the repository holds the logs of several sources (a, b): say which with --name");
        assertThatThrownBy(() -> repo.onlySource(null, Repository.Holding.ANYTHING))
                .hasMessage("the repository holds several sources (a, b): say which with --name");
        assertThat(repo.onlySource("nobody-yet", Repository.Holding.ANYTHING)).isEqualTo("nobody-yet");
        assertThatThrownBy(() -> repo.onlySource("../a", Repository.Holding.LOG))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("is not valid");
        assertThatThrownBy(() -> repo.sources("a/b")).isInstanceOf(IllegalArgumentException.class);
    }
}
