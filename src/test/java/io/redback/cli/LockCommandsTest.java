package io.redback.cli;

import static io.redback.cli.Cli.redback;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.redback.cli.Cli.Run;
import io.redback.repo.LockHolder;
import io.redback.repo.Repository;
import io.redback.repo.RepositoryLock;
import io.redback.storage.RepositoryUrl;
import io.redback.storage.Storage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two cron jobs overlap, or two hosts prune the same repository: the second prune or compact
 * stops with exit 2 and names the one running; a killed one's lock goes stale and is ignored;
 * {@code unlock} and {@code check --repo} show and clear what is left.
 */
@io.redback.testsupport.Fast
class LockCommandsTest {
    @TempDir
    Path tmp;

    private String repo;
    private Storage storage;
    private Repository repository;

    @BeforeEach
    void init() throws IOException {
        repo = tmp.resolve("repo").toString();
        assertThat(redback("init", "--repo", repo).exit()).isZero();
        storage = RepositoryUrl.parse(repo, Map.of()).open();
        repository = Repository.open(storage);
    }

    @AfterEach
    void close() throws IOException {
        storage.close();
    }

    private List<Path> lockFiles() throws IOException {
        Path locks = tmp.resolve("repo/locks");
        if (!Files.isDirectory(locks)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(locks)) {
            return files.sorted().toList();
        }
    }

    /** A lock as a prune killed on another host leaves it: last refreshed refreshedAgo ago. */
    private Path writeLock(String operation, String host, Duration refreshedAgo) throws IOException {
        Instant refreshed = Instant.now().minus(refreshedAgo).truncatedTo(ChronoUnit.SECONDS);
        Path file = tmp.resolve("repo/locks/0123456789abcdef0123456789abcdef.json");
        Files.createDirectories(file.getParent());
        Files.writeString(file, "{\n  \"formatVersion\" : 1,\n  \"id\" : \"0123456789abcdef0123456789abcdef\",\n"
                + "  \"exclusive\" : true,\n  \"operation\" : \"" + operation + "\",\n  \"host\" : \"" + host + "\",\n"
                + "  \"pid\" : 4711,\n  \"user\" : \"redis\",\n  \"createdAt\" : \"" + refreshed.minusSeconds(3600)
                + "\",\n  \"refreshedAt\" : \"" + refreshed + "\"\n}\n", StandardCharsets.UTF_8);
        return file;
    }

    @Test
    void aPruneWhileACompactRunsStopsWithExit2AndNamesIt() throws IOException {
        try (RepositoryLock compact = repository.lockExclusive("compact", Clock.systemUTC(), n -> { })) {
            LockHolder h = compact.holder();
            Run prune = redback("prune", "--repo", repo, "--keep-last", "1");
            assertThat(prune.exit()).isEqualTo(2);
            assertThat(prune.err()).startsWith("redback prune: " + repository.describe() + " is locked by compact on host "
                    + h.host() + " (pid " + h.pid() + ", user " + h.user() + ") since " + h.createdAt())
                    .contains("Wait for it to finish, then run prune again")
                    .contains("`redback unlock --all --repo " + repository.describe() + "`");
            assertThat(prune.out()).isEmpty();

            Run second = redback("compact", "--repo", repo);
            assertThat(second.exit()).isEqualTo(2);
            assertThat(second.err()).startsWith("redback compact: " + repository.describe() + " is locked by compact on "
                    + "host " + h.host());
            assertThat(lockFiles()).as("the refused commands removed their own locks")
                    .containsExactly(tmp.resolve("repo/" + h.key()));

            assertThat(redback("prune", "--repo", repo, "--keep-last", "1", "--dry-run").exit())
                    .as("a dry run changes nothing and needs no lock").isZero();
            assertThat(redback("compact", "--repo", repo, "--dry-run").exit()).isZero();
        }
        Run prune = redback("prune", "--repo", repo, "--keep-last", "1");
        assertThat(prune.exit()).as(prune.err()).isZero();
        assertThat(prune.err()).isEmpty();
        assertThat(redback("compact", "--repo", repo).exit()).isZero();
        assertThat(lockFiles()).as("locks are removed when prune and compact end").isEmpty();
    }

    @Test
    void aFailedPruneRemovesItsLockToo() throws IOException {
        // A timeline prune trims: its pruned.json cannot be written where a folder stands (a write error, even as root).
        java.time.Instant t0 = java.time.Instant.parse("2026-11-22T01:00:00Z");
        io.redback.repo.SnapshotId timeline;
        try (io.redback.testsupport.TimelineBuilder t = io.redback.testsupport.TimelineBuilder.start(
                tmp.resolve("repo"), "cache-1", t0)) {
            t.load("SET", "a", "1");
            timeline = t.baseSnapshot().id();
            t.at(t0.plusSeconds(1)).command("SET", "b", "2");
            t.segment();
            t.at(t0.plusSeconds(2));
            t.snapshot();
            t.command("SET", "c", "3");
            t.segment();
        }
        Path blocker = tmp.resolve("repo/sources/cache-1/timelines/" + timeline + "/pruned.json/in-the-way");
        Files.createDirectories(blocker.getParent());
        Files.writeString(blocker, "x");
        Run prune = redback("prune", "--repo", repo, "--keep-last", "1");
        assertThat(prune.exit()).as(prune.out() + prune.err()).isEqualTo(2);
        assertThat(prune.err()).contains("pruned.json");
        assertThat(lockFiles()).isEmpty();
    }

    @Test
    void aStaleLockOfAKilledPruneIsIgnoredAndUnlockRemovesIt() throws IOException {
        Path stale = writeLock("prune", "old-host", Duration.ofMinutes(45));
        Run compact = redback("compact", "--repo", repo);
        assertThat(compact.exit()).as(compact.err()).isZero();
        assertThat(compact.err()).startsWith("redback compact: ignoring a stale lock of prune on host old-host since ");
        assertThat(lockFiles()).containsExactly(stale);

        Run check = redback("check", "--repo", repo);
        assertThat(check.exit()).as("a lock is not a problem").isZero();
        assertThat(check.out()).contains("  note       stale lock of prune on host old-host (pid 4711, user redis) "
                + "since ").contains("`redback unlock --repo " + repository.describe() + "` removes it");

        Run unlock = redback("unlock", "--repo", repo);
        assertThat(unlock.exit()).isZero();
        assertThat(unlock.out()).startsWith("removed stale lock of prune on host old-host (pid 4711, user redis) since ")
                .contains("1 lock(s) removed, 0 kept in " + repository.describe());
        assertThat(lockFiles()).isEmpty();
        assertThat(redback("unlock", "--repo", repo).out()).isEqualTo("no locks in " + repository.describe()
                + System.lineSeparator());
    }

    @Test
    void unlockKeepsALockThatIsFreshUnlessToldAll() throws IOException {
        Path fresh = writeLock("compact", "other-host", Duration.ofMinutes(3));
        Run check = redback("check", "--repo", repo, "--json");
        assertThat(check.exit()).isZero();
        JsonNode locks = check.json().get("locks");
        assertThat(locks).hasSize(1);
        assertThat(locks.get(0).get("host").asText()).isEqualTo("other-host");
        assertThat(locks.get(0).get("stale").asBoolean()).isFalse();
        assertThat(check.json().get("notes").get(0).asText()).startsWith("lock of compact on host other-host")
                .endsWith("a compact is running (another prune or compact waits until it ends)");

        Run kept = redback("unlock", "--repo", repo);
        assertThat(kept.exit()).isZero();
        assertThat(kept.out()).contains("kept    lock of compact on host other-host (pid 4711, user redis)")
                .contains("not stale, its process may still run (--all removes it)");
        assertThat(lockFiles()).containsExactly(fresh);
        assertThat(redback("prune", "--repo", repo).exit()).isEqualTo(2);

        Run all = redback("unlock", "--repo", repo, "--all", "--json");
        assertThat(all.exit()).isZero();
        assertThat(all.json().get("removed").get(0).get("operation").asText()).isEqualTo("compact");
        assertThat(all.json().get("kept")).isEmpty();
        assertThat(lockFiles()).isEmpty();
        assertThat(redback("prune", "--repo", repo).exit()).isZero();
    }

    @Test
    void helpSaysWhatTheLockIs() {
        assertThat(redback("prune", "--help").out()).contains("Takes the repository's lock");
        assertThat(redback("compact", "--help").out()).contains("Takes the repository's lock");
        assertThat(redback("unlock", "--help").out()).contains("Remove stale repository locks");
        assertThat(redback("--help").out()).contains("unlock");
    }
}
