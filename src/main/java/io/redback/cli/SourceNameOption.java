package io.redback.cli;

import io.redback.redis.RedisUri;
import io.redback.repo.Repository;
import picocli.CommandLine.Option;

/**
 * {@code --name}: the source, by the name it has in the repository, for every command that takes
 * one. What its absence means is the command's: those that read a server (backup, stream, doctor)
 * name the source after its address, those that report on a repository cover every source, and
 * those that need one source take the only one there is (and say "say which with --name" when
 * there are several).
 */
final class SourceNameOption {
    @Option(names = "--name", paramLabel = "NAME", description = "The source, by its name in the repository "
            + "(`redback list` shows them). Default: with --redis, host-port (e.g. 127.0.0.1-6379); otherwise every "
            + "source, or the only one when the command needs one.")
    String name;

    /** The name as given (null when none was): whoever looks the source up checks it. */
    String given() {
        return name;
    }

    /** The name given, checked (IllegalArgumentException when not a valid name), or null for every source. */
    String checked() {
        return name == null ? null : Repository.checkSourceName(name);
    }

    /** The name given, else the default for uri; IllegalArgumentException when it is not a valid name. */
    String resolve(RedisUri uri) {
        return Repository.checkSourceName(name != null ? name : SourceOptions.defaultName(uri));
    }
}
