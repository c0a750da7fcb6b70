package io.redback.cli;

import io.redback.metrics.MetricsFile;
import io.redback.repo.Repository;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Collection;
import picocli.CommandLine.Option;

/**
 * {@code --metrics-file PATH} of the one-shot commands the agent also runs as jobs (backup, prune,
 * compact, check --repo): the run's outcome under the agent's metric names, and what the
 * repository then says of each source, merged into PATH for node_exporter's textfile collector.
 * A file that cannot be written is said on stderr and changes no exit code.
 */
final class MetricsFileOption {
    @Option(names = "--metrics-file", paramLabel = "PATH", description = "Also write the agent's metrics for this "
            + "run (label source: counts by result, failures, last success, what the repository holds) to PATH in "
            + "Prometheus's text format, for node_exporter's textfile collector (name it *.prom). Merged with what "
            + "earlier runs wrote there, so several commands can share one file; replaced atomically.")
    Path file;

    /** Applies change to the file, when --metrics-file was given. */
    void write(String command, PrintWriter err, MetricsFile.Change change) {
        if (file == null) {
            return;
        }
        try {
            MetricsFile.update(file, change);
        } catch (IOException | RuntimeException e) {
            err.println("redback " + command + ": --metrics-file " + file + " was not written: " + Text.message(e));
            err.flush();
        }
    }

    /**
     * A run of job that worked for sources: their failure counter is there (at 0 the first time, so
     * that the first failure is an increase) and their repository metrics are refreshed.
     */
    void succeeded(String command, PrintWriter err, String job, Repository repository, Collection<String> sources,
                   MetricsFile.Change more) {
        write(command, err, (m, before) -> {
            for (String s : sources) {
                m.jobFailures.labelValues(s, job).inc(0);
                try {
                    m.refreshStored(repository, s);
                } catch (IOException | RuntimeException e) {
                    err.println("redback " + command + ": --metrics-file: could not read the repository for " + s
                            + ": " + Text.message(e));
                }
            }
            if (more != null) {
                more.apply(m, before);
            }
        });
    }

    /**
     * A run of job that failed: counted for sources, or when the run did not get as far as knowing
     * them (no --name, the repository unreadable), for every source the file already names.
     */
    void failed(String command, PrintWriter err, String job, Collection<String> sources, MetricsFile.Change more) {
        write(command, err, (m, before) -> {
            for (String s : sources.isEmpty() ? before : sources) {
                m.jobFailures.labelValues(s, job).inc();
            }
            if (more != null) {
                more.apply(m, before);
            }
        });
    }
}
