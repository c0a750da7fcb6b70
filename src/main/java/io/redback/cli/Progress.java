package io.redback.cli;

import java.util.function.LongSupplier;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * A byte-count progress bar on stderr that appears only if the work takes longer than a second
 * and stderr is a terminal. It polls a counter, so the hot path never calls into it.
 */
final class Progress implements AutoCloseable {
    private final Thread thread;
    private volatile boolean done;

    private Progress(String task, long total, LongSupplier current) {
        thread = new Thread(() -> show(task, total, current), "progress");
        thread.setDaemon(true);
        thread.start();
    }

    /** Starts a bar (or nothing, when disabled). */
    static Progress start(String task, long totalBytes, LongSupplier current, boolean enabled) {
        return enabled && Terminal.stderrIsTerminal() ? new Progress(task, totalBytes, current) : null;
    }

    private void show(String task, long total, LongSupplier current) {
        try {
            Thread.sleep(1000);
            if (done) {
                return;
            }
            try (ProgressBar bar = new ProgressBarBuilder().setTaskName(task).setInitialMax(total)
                    .setStyle(ProgressBarStyle.ASCII).setUnit(" MB", 1_000_000).showSpeed()
                    .setUpdateIntervalMillis(200).continuousUpdate().setConsumer(
                            new me.tongfei.progressbar.ConsoleProgressBarConsumer(System.err)).build()) {
                while (!done) {
                    bar.stepTo(total < 0 ? current.getAsLong() : Math.min(total, current.getAsLong()));
                    Thread.sleep(200);
                }
                if (total >= 0) {
                    bar.stepTo(total);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        done = true;
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
