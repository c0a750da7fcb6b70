package io.redback.cli;

import io.redback.repo.Repository;
import picocli.CommandLine.Option;

/** {@code --name} of the commands that report on every source unless told one: only that source. */
final class SourceFilterOption {
    @Option(names = "--name", paramLabel = "SOURCE", description = "Only this source (default: every source).")
    String name;

    /** The source given, checked (IllegalArgumentException when not a valid name), or null for every source. */
    String checked() {
        return name == null ? null : Repository.checkSourceName(name);
    }
}
