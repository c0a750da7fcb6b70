package io.redback.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.redback.pitr.RestoreException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Independent tasks on a bounded pool: results in order, the first failure in order reported
 * whichever failed first, nothing started after a failure, every thread gone when the call
 * returns; and how many throwaway servers a host's memory allows at once.
 */
@io.redback.testsupport.Fast
class ParallelTest {
    @Test
    void resultsComeInTheTasksOrderAndTheTasksOverlap() throws Exception {
        List<Parallel.Task<Integer>> tasks = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            int n = i;
            tasks.add(stopped -> n * 10);
        }
        Parallel.InFlight inFlight = new Parallel.InFlight(2);
        assertThat(Parallel.run(tasks, 3, r -> true, "test-task", "testing", inFlight))
                .containsExactly(0, 10, 20, 30, 40);
        assertThat(inFlight.peak()).isBetween(2, 3);
        assertNoTaskThreads();

        Parallel.InFlight one = new Parallel.InFlight();
        assertThat(Parallel.run(tasks, 1, r -> true, "test-task", "testing", one)).containsExactly(0, 10, 20, 30, 40);
        assertThat(one.peak()).isEqualTo(1);
    }

    @Test
    void theFirstFailureInOrderIsReportedAndNoTaskStartsAfterAFailure() throws Exception {
        CountDownLatch secondFailed = new CountDownLatch(1);
        AtomicInteger started = new AtomicInteger();
        List<Parallel.Task<String>> tasks = new ArrayList<>();
        tasks.add(stopped -> {
            started.incrementAndGet();
            try {
                secondFailed.await(1, TimeUnit.MINUTES); // fails after the second did
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            throw new RestoreException(RestoreException.Kind.DAMAGED, "first is damaged");
        });
        tasks.add(stopped -> {
            started.incrementAndGet();
            secondFailed.countDown();
            throw new IOException("second cannot be read");
        });
        for (int i = 0; i < 4; i++) {
            tasks.add(stopped -> {
                started.incrementAndGet();
                return "later";
            });
        }
        assertThatThrownBy(() -> Parallel.run(tasks, 2, r -> true, "test-task", "testing", null))
                .isInstanceOfSatisfying(RestoreException.class,
                        e -> assertThat(e.getMessage()).isEqualTo("first is damaged"));
        assertThat(started.get()).as("tasks started: the two failing, none after").isEqualTo(2);
        assertNoTaskThreads();
    }

    @Test
    void aResultThatDidNotEndWellStopsTheTasksNotStartedYet() throws Exception {
        AtomicInteger started = new AtomicInteger();
        List<Parallel.Task<Boolean>> tasks = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            int n = i;
            tasks.add(stopped -> {
                started.incrementAndGet();
                return n != 1;
            });
        }
        List<Boolean> one = Parallel.run(tasks, 1, Boolean::booleanValue, "test-task", "testing", null);
        assertThat(one).containsExactly(true, false, null, null);
        assertThat(started.get()).isEqualTo(2);
    }

    @Test
    void asManyThrowawayServersAsHalfTheAvailableMemoryHoldsAtLeastOne() {
        long gib = 1L << 30;
        assertThat(ClusterPointInTime.serversAtOnce(List.of(gib, gib, gib), 16 * gib, 2)).as("capped").isEqualTo(2);
        assertThat(ClusterPointInTime.serversAtOnce(List.of(gib, gib, gib), 16 * gib, 8)).isEqualTo(3);
        assertThat(ClusterPointInTime.serversAtOnce(List.of(gib, 3 * gib + 1, gib), 8 * gib, 8))
                .as("the largest two together need more than half of 8 GiB").isEqualTo(1);
        assertThat(ClusterPointInTime.serversAtOnce(List.of(8 * gib), gib, 8)).as("never fewer than one")
                .isEqualTo(1);
        assertThat(ClusterPointInTime.serversAtOnce(List.of(1L, 1L), -1, 8)).as("memory unknown").isEqualTo(1);
        assertThat(io.redback.redis.HostMemory.available()).isNotZero();
    }

    private static void assertNoTaskThreads() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().startsWith("test-task-"))) {
            assertThat(System.nanoTime()).as("the pool's threads to end").isLessThan(deadline);
            Thread.sleep(10);
        }
    }
}
