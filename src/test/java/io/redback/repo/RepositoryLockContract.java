package io.redback.repo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.redback.storage.Storage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Repository locks as an operator meets them, on every backend: one prune or compact at a time,
 * the one refused names the holder and leaves nothing behind, a killed holder's lock goes stale
 * and is ignored, unlock clears what is left, and a running holder keeps its lock fresh.
 */
abstract class RepositoryLockContract {
    private static final Instant T0 = Instant.parse("2026-11-22T03:00:00Z");

    /** A fresh, empty storage for the current test; the contract closes it. */
    protected abstract Storage openStorage() throws IOException;

    private Storage storage;
    private Repository repository;
    private final TestClock clock = new TestClock(T0);
    private final List<String> notices = new ArrayList<>();

    @BeforeEach
    void createRepository() throws IOException {
        storage = openStorage();
        repository = Repository.init(storage, clock);
    }

    @AfterEach
    void closeStorage() throws IOException {
        storage.close();
    }

    private RepositoryLock lock(String operation) throws IOException {
        return repository.lockExclusive(operation, clock, notices::add);
    }

    private List<String> lockKeys() throws IOException {
        return storage.list(Layout.LOCKS).stream().map(Storage.ObjectInfo::key).toList();
    }

    private void putLock(LockHolder h) throws IOException {
        byte[] json = RepoJson.write(h);
        storage.put(h.key(), new ByteArrayInputStream(json), json.length);
    }

    private static LockHolder someoneElses(String operation, String host, Instant refreshedAt) {
        return new LockHolder(1, "0123456789abcdef0123456789abcdef", true, operation, host, 4711, "redis",
                refreshedAt.minus(Duration.ofHours(2)), refreshedAt);
    }

    @Test
    void aSecondPruneOrCompactIsRefusedNamingTheHolderAndLeavesNoLockOfItsOwn() throws IOException {
        try (RepositoryLock prune = lock("prune")) {
            LockHolder held = prune.holder();
            assertThat(held.exclusive()).isTrue();
            assertThat(held.pid()).isEqualTo(ProcessHandle.current().pid());
            assertThat(lockKeys()).containsExactly("locks/" + held.id() + ".json");

            clock.advance(Duration.ofMinutes(2));
            assertThatThrownBy(() -> lock("compact"))
                    .isInstanceOf(RepositoryLockedException.class)
                    .hasMessageStartingWith(storage.describe() + " is locked by prune on host " + held.host() + " (pid "
                            + held.pid() + ", user " + held.user() + ") since " + T0)
                    .hasMessageContaining("120 s ago")
                    .hasMessageContaining("Wait for it to finish, then run compact again")
                    .hasMessageContaining("stale from " + T0.plus(RepositoryLock.STALE_AFTER))
                    .hasMessageContaining("`redback unlock --all --repo " + storage.describe() + "`");
            assertThatThrownBy(() -> lock("prune")).isInstanceOf(RepositoryLockedException.class);
            assertThat(lockKeys()).as("only the holder's lock is left").containsExactly(held.key());
        }
        assertThat(lockKeys()).isEmpty();
        try (RepositoryLock compact = lock("compact")) {
            assertThat(compact.holder().operation()).isEqualTo("compact");
        }
    }

    @Test
    void theLockIsRemovedWhenTheOperationFails() throws IOException {
        assertThatThrownBy(() -> {
            try (RepositoryLock ignored = lock("prune")) {
                throw new RepositoryException("the repository could not be changed");
            }
        }).hasMessage("the repository could not be changed");
        assertThat(lockKeys()).isEmpty();
        assertThat(repository.locks()).isEmpty();
    }

    @Test
    void aStaleLockOfAKilledProcessIsIgnoredAndSaidSo() throws IOException {
        LockHolder killed = someoneElses("prune", "backup-host-1", T0.minus(Duration.ofMinutes(31)));
        putLock(killed);
        try (RepositoryLock lock = lock("compact")) {
            assertThat(notices).containsExactly("ignoring a stale lock of prune on host backup-host-1 since "
                    + killed.createdAt() + " (pid 4711, last refreshed " + killed.refreshedAt() + ", more than 30 "
                    + "minutes ago; `redback unlock` removes it)");
            assertThat(lockKeys()).containsExactlyInAnyOrder(killed.key(), lock.holder().key());
        }
        assertThat(lockKeys()).as("the stale lock is left to unlock").containsExactly(killed.key());

        LockHolder recent = someoneElses("prune", "backup-host-1", T0.minus(Duration.ofMinutes(29)));
        putLock(recent);
        assertThatThrownBy(() -> lock("compact")).isInstanceOf(RepositoryLockedException.class)
                .hasMessageContaining("prune on host backup-host-1 (pid 4711, user redis)");
    }

    @Test
    void anUnreadableLockHoldsOthersOffUntilItIsStale() throws IOException {
        byte[] junk = "{ not json".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        storage.put("locks/ffffffffffffffffffffffffffffffff.json", new ByteArrayInputStream(junk), junk.length);
        Instant written = storage.stat("locks/ffffffffffffffffffffffffffffffff.json").orElseThrow().lastModified();
        TestClock now = new TestClock(written.plusSeconds(60));
        assertThatThrownBy(() -> repository.lockExclusive("prune", now, notices::add))
                .hasMessageContaining("is locked by unknown on host unknown");
        now.advance(RepositoryLock.STALE_AFTER);
        try (RepositoryLock lock = repository.lockExclusive("prune", now, notices::add)) {
            assertThat(notices).singleElement().asString().startsWith("ignoring a stale lock of unknown");
        }
    }

    @Test
    void unlockRemovesStaleLocksAndWithAllEveryLock() throws IOException {
        LockHolder stale = someoneElses("compact", "old-host", T0.minus(Duration.ofHours(1)));
        putLock(stale);
        try (RepositoryLock running = lock("prune")) {
            RepositoryLock.Unlocked first = repository.unlock(clock, false);
            assertThat(first.removed()).containsExactly(stale);
            assertThat(first.kept()).containsExactly(running.holder());
            assertThat(lockKeys()).containsExactly(running.holder().key());

            RepositoryLock.Unlocked all = repository.unlock(clock, true);
            assertThat(all.removed()).containsExactly(running.holder());
            assertThat(lockKeys()).isEmpty();
        }
        assertThat(repository.unlock(clock, false)).isEqualTo(new RepositoryLock.Unlocked(List.of(), List.of()));
    }

    @Test
    void aRunningHolderRefreshesItsLockSoItNeverGoesStale() throws Exception {
        try (RepositoryLock lock = RepositoryLock.acquireExclusive(storage, "compact", clock, Duration.ofMillis(20),
                notices::add)) {
            Instant later = T0.plus(Duration.ofMinutes(40)); // past STALE_AFTER, had nobody refreshed it
            clock.set(later);
            long deadline = System.nanoTime() + 20_000_000_000L;
            while (!repository.locks().get(0).refreshedAt().equals(later)) {
                assertThat(System.nanoTime()).as("the lock is refreshed within 20 s").isLessThan(deadline);
                Thread.sleep(10);
            }
            LockHolder stored = repository.locks().get(0);
            assertThat(stored).isEqualTo(new LockHolder(1, lock.holder().id(), true, "compact", lock.holder().host(),
                    lock.holder().pid(), lock.holder().user(), T0, later));
            assertThatThrownBy(() -> lock("prune")).isInstanceOf(RepositoryLockedException.class);
        }
        Thread.sleep(100); // time must pass: a refresh after close (every 20 ms) would write the lock again
        assertThat(lockKeys()).isEmpty();
        assertThat(notices).isEmpty();
    }

    /** A clock the test moves; each test has its own. */
    private static final class TestClock extends Clock {
        private volatile Instant now;

        TestClock(Instant now) {
            this.now = now;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }

        void set(Instant instant) {
            now = instant;
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            throw new UnsupportedOperationException("a test clock stays in UTC");
        }
    }
}
