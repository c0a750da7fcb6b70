package io.redback.cli;

import io.redback.redis.RedisUri;
import java.io.IOException;
import java.util.Locale;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** How to reach the source server: {@code --redis URI}, the password, the ACL user and TLS. */
final class SourceOptions {
    @Option(names = "--redis", paramLabel = "URI", required = true,
            description = "The source: redis://[user@]host[:port] or rediss://... for TLS. Give the password with "
                    + "--password-env or --password-file rather than in the URI (it shows in ps).")
    String redis;

    @Mixin
    ConnectionOptions connection;

    /** The URI with every option applied; IllegalArgumentException or IOException with a one-line message. */
    RedisUri uri() throws IOException {
        return connection.apply(RedisUri.parse(redis));
    }

    /** The default source name: host and port, e.g. {@code 127.0.0.1-6379}, with other characters as '-'. */
    static String defaultName(RedisUri uri) {
        String name = (uri.host() + "-" + uri.port()).toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9._-]", "-")
                .replaceAll("^[^a-z0-9]+", "");
        return name.length() > 64 ? name.substring(name.length() - 64) : name;
    }
}
