package io.redback.cli;

import io.redback.repo.Repository;
import io.redback.repo.RepositoryLock;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Clock;
import picocli.CommandLine.Model.CommandSpec;

/**
 * The repository lock of the commands that delete or rewrite objects (prune, compact), named
 * after the command; their dry runs change nothing and take none. Notices (a stale lock ignored,
 * a refresh that failed) go to the command's stderr as {@code redback prune: ...}.
 */
final class ExclusiveLock {
    private ExclusiveLock() {
    }

    /** The lock taken for spec's command, or null for a dry run (try-with-resources skips a null). */
    static RepositoryLock take(Repository repository, CommandSpec spec, boolean dryRun, Clock clock)
            throws IOException {
        if (dryRun) {
            return null;
        }
        PrintWriter err = Terminal.err(spec);
        return repository.lockExclusive(spec.name(), clock, notice -> {
            err.println(spec.qualifiedName() + ": " + notice);
            err.flush();
        });
    }
}
