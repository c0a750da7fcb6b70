package io.redback.cli;

import io.redback.redis.RedisUri;
import io.redback.repo.Repository;
import picocli.CommandLine.Option;

/** {@code --name} of the commands that write a source into the repository: the name it is stored under. */
final class SourceNameOption {
    @Option(names = "--name", paramLabel = "NAME", description = "The source's name in the repository "
            + "(default: host-port, e.g. 127.0.0.1-6379).")
    String name;

    /** The name given, else the default for uri; IllegalArgumentException when it is not a valid name. */
    String resolve(RedisUri uri) {
        return Repository.checkSourceName(name != null ? name : SourceOptions.defaultName(uri));
    }
}
