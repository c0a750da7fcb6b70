package io.redback.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Retries live in one wrapper: what a backend calls transient is tried again, nothing else is. */
@io.redback.testsupport.Fast
class RetryingStorageTest {
    private static final Retry QUICK = new Retry(4, Duration.ofMillis(1), Duration.ofMillis(5));

    @Test
    void aTransientFailureIsTriedAgainUntilItPasses() throws IOException {
        Flaky backend = new Flaky(2);
        Storage storage = new RetryingStorage(backend, QUICK);
        assertThat(storage.stat("k")).isEmpty();
        assertThat(storage.list("")).isEmpty();
        storage.delete("k");
        assertThat(backend.calls.get()).as("two failures, then stat, list and delete").isEqualTo(5);
    }

    @Test
    void givingUpSaysHowManyTriesWereMade() {
        Flaky backend = new Flaky(100);
        Storage storage = new RetryingStorage(backend, QUICK);
        assertThatThrownBy(() -> storage.get("config.json")).isExactlyInstanceOf(IOException.class)
                .hasMessage("cannot read config.json: the store failed after 4 tries at most");
        assertThat(backend.calls.get()).isEqualTo(4);
    }

    @Test
    void otherFailuresAndMissingObjectsAreNotRetried() {
        Flaky backend = new Flaky(0);
        Storage storage = new RetryingStorage(backend, QUICK);
        assertThatThrownBy(() -> storage.getRange("missing", 0, 1)).isInstanceOf(NoSuchFileException.class);
        assertThat(backend.calls.get()).isEqualTo(1);
    }

    @Test
    void aPutGoesThroughOnceBecauseItsStreamCannotBeReadTwice() {
        Flaky backend = new Flaky(1);
        Storage storage = new RetryingStorage(backend, QUICK);
        assertThatThrownBy(() -> storage.put("k", new ByteArrayInputStream(new byte[1]), 1)).isInstanceOf(IOException.class);
        assertThat(backend.calls.get()).isEqualTo(1);
    }

    @Test
    void anInterruptStopsTheWaitWithTheLastFailure() {
        Storage storage = new RetryingStorage(new Flaky(100), new Retry(8, Duration.ofSeconds(20), Duration.ofSeconds(20)));
        Thread.currentThread().interrupt();
        try {
            assertThatThrownBy(() -> storage.stat("k")).isInstanceOf(InterruptedIOException.class)
                    .hasMessageContaining("the store failed");
        } finally {
            Thread.interrupted();
        }
    }

    @Test
    void theDefaultIsEightTriesWithWaitsBoundedBy200MsDoublingTo20S() {
        assertThat(Retry.DEFAULT.attempts()).isEqualTo(8);
        for (int i = 0; i < 100; i++) {
            assertThat(Retry.DEFAULT.delay(1)).isLessThanOrEqualTo(Duration.ofMillis(200));
            assertThat(Retry.DEFAULT.delay(3)).isLessThanOrEqualTo(Duration.ofMillis(800));
            assertThat(Retry.DEFAULT.delay(60)).isLessThanOrEqualTo(Duration.ofSeconds(20));
        }
    }

    /** Fails its first {@code failures} calls with a transient error, then answers as an empty store. */
    private static final class Flaky implements Storage {
        final AtomicInteger calls = new AtomicInteger();
        private final int failures;

        Flaky(int failures) {
            this.failures = failures;
        }

        private void maybeFail(String action, String key) throws TransientStorageException {
            if (calls.incrementAndGet() <= failures) {
                throw new TransientStorageException(tries -> "cannot " + action + " " + key + ": the store failed after "
                        + tries + " tries at most", new IOException("connection reset"));
            }
        }

        @Override
        public void put(String key, InputStream data, long length) throws IOException {
            maybeFail("write", key);
        }

        @Override
        public InputStream get(String key) throws IOException {
            maybeFail("read", key);
            throw new NoSuchFileException(key);
        }

        @Override
        public InputStream getRange(String key, long offset, long length) throws IOException {
            return get(key);
        }

        @Override
        public Optional<ObjectInfo> stat(String key) throws IOException {
            maybeFail("stat", key);
            return Optional.empty();
        }

        @Override
        public List<ObjectInfo> list(String prefix) throws IOException {
            maybeFail("list", prefix);
            return List.of();
        }

        @Override
        public int removeTemporaries(Instant before) throws IOException {
            maybeFail("clean", "");
            return 0;
        }

        @Override
        public void delete(String key) throws IOException {
            maybeFail("delete", key);
        }

        @Override
        public String describe() {
            return "flaky://";
        }

        @Override
        public void close() {
        }
    }
}
