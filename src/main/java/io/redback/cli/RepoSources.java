package io.redback.cli;

import io.redback.repo.Repository;
import io.redback.repo.RepositoryException;
import java.io.IOException;
import java.util.List;
import java.util.TreeSet;

/**
 * Which sources a repository command works on: the one {@code --name} gives, else every source
 * with snapshots or timelines (or, for commands that need exactly one, the only one there is).
 */
final class RepoSources {
    private RepoSources() {
    }

    /** Every source with a snapshot or a timeline, sorted; only {@code name} when given. */
    static List<String> all(Repository repository, String name) throws IOException {
        if (name != null) {
            return List.of(Repository.checkSourceName(name));
        }
        TreeSet<String> names = new TreeSet<>(repository.catalog().sources());
        names.addAll(repository.timelines().sources());
        return List.copyOf(names);
    }

    /** The source with timelines to read: {@code name}, or the only one; RepositoryException otherwise. */
    static String withTimelines(Repository repository, String name) throws IOException {
        if (name != null) {
            return Repository.checkSourceName(name);
        }
        List<String> sources = repository.timelines().sources();
        if (sources.isEmpty()) {
            throw new RepositoryException("no source in " + repository.describe() + " has a shipped log yet: "
                    + "`redback stream` ships one");
        }
        if (sources.size() > 1) {
            throw new RepositoryException("the repository holds the logs of several sources (" + String.join(", ", sources)
                    + "): say which with --name");
        }
        return sources.get(0);
    }
}
