package io.redback.cluster;

import io.redback.bytes.Failures;
import io.redback.pitr.RestoreException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

/**
 * Independent tasks (a cluster's shards, or a primary's runs) on a bounded pool of threads: the
 * results come back in the tasks' order; after a failure (an exception, or a result the caller
 * says did not end well) no task after it in order starts (those before it still run, as they
 * would have one at a time), and those running are awaited rather than interrupted, so that no
 * thread outlives the call and none still writes a file its caller is about to delete. The first
 * task in order that failed decides what is thrown, whichever finished first, so that the report
 * does not depend on timing. With one worker the tasks run on the caller's thread.
 */
final class Parallel {
    /** One task; stopped says whether one before it in order failed (a task of several steps checks it between them). */
    interface Task<T> {
        T run(BooleanSupplier stopped) throws IOException, RestoreException;
    }

    private Parallel() {
    }

    /**
     * Runs tasks on up to workers threads (named name-1, name-2, ...).
     *
     * @param fine whether a task's result ended well (else no further task starts)
     * @param what what the tasks do, for the message when the caller is interrupted
     * @param inFlight counts the tasks running at once (tests); null: not counted
     * @return each task's result in order; null for a task that did not start because one failed
     */
    static <T> List<T> run(List<? extends Task<T>> tasks, int workers, Predicate<? super T> fine, String name,
                           String what, InFlight inFlight) throws IOException, RestoreException {
        List<T> results = Arrays.asList(newArray(tasks.size()));
        // The lowest index that failed: a task after it need not run, one before it still must.
        AtomicInteger failed = new AtomicInteger(Integer.MAX_VALUE);
        if (workers <= 1 || tasks.size() <= 1) {
            for (int i = 0; i < tasks.size(); i++) {
                T r = runOne(tasks.get(i), i, failed, inFlight);
                results.set(i, r);
                if (!fine.test(r)) {
                    break;
                }
            }
            return results;
        }
        AtomicInteger named = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(workers, tasks.size()), r -> {
            Thread th = new Thread(r, name + "-" + named.incrementAndGet());
            th.setDaemon(true);
            return th;
        });
        List<Future<?>> futures = new ArrayList<>();
        try {
            for (int n = 0; n < tasks.size(); n++) {
                int i = n;
                futures.add(pool.submit(() -> {
                    if (failed.get() < i) {
                        return null;
                    }
                    try {
                        T r = runOne(tasks.get(i), i, failed, inFlight);
                        results.set(i, r);
                        if (!fine.test(r)) {
                            failed.accumulateAndGet(i, Math::min);
                        }
                    } catch (IOException | RestoreException | RuntimeException | Error e) {
                        failed.accumulateAndGet(i, Math::min);
                        throw e;
                    }
                    return null;
                }));
            }
            Throwable first = null;
            for (Future<?> f : futures) {
                try {
                    f.get();
                } catch (ExecutionException e) {
                    if (first == null) {
                        first = e.getCause();
                    }
                }
            }
            if (first instanceof RestoreException re) {
                throw re;
            }
            if (first != null) {
                throw Failures.asIOException(first);
            }
            return results;
        } catch (InterruptedException e) {
            failed.set(-1);
            futures.forEach(f -> f.cancel(true));
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while " + what);
        } finally {
            pool.shutdown();
        }
    }

    private static <T> T runOne(Task<T> task, int index, AtomicInteger failed, InFlight inFlight)
            throws IOException, RestoreException {
        if (inFlight == null) {
            return task.run(() -> failed.get() < index);
        }
        inFlight.started();
        try {
            return task.run(() -> failed.get() < index);
        } finally {
            inFlight.ended();
        }
    }

    @SuppressWarnings("unchecked")
    private static <T> T[] newArray(int n) {
        return (T[]) new Object[n];
    }

    /** The threads for n independent downloads: as many as the host has cores, at least 2, no more than n. */
    static int downloads(int n) {
        return Math.max(1, Math.min(n, Math.max(2, Runtime.getRuntime().availableProcessors())));
    }

    /**
     * For tests: the most tasks that ran at once. With together n, each of the first n tasks waits
     * (at most a minute) at its start until n have started, so that whether tasks overlap does not
     * depend on how fast they are: one at a time, the first waits out the minute and the peak stays 1.
     */
    static final class InFlight {
        private final AtomicInteger now = new AtomicInteger();
        private final AtomicInteger peak = new AtomicInteger();
        private final CountDownLatch together;

        InFlight() {
            this(0);
        }

        InFlight(int together) {
            this.together = new CountDownLatch(together);
        }

        void started() throws InterruptedIOException {
            peak.accumulateAndGet(now.incrementAndGet(), Math::max);
            if (together.getCount() > 0) {
                together.countDown();
                try {
                    together.await(1, TimeUnit.MINUTES);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted");
                }
            }
        }

        void ended() {
            now.decrementAndGet();
        }

        int peak() {
            return peak.get();
        }
    }
}
