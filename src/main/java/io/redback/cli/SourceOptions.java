package io.redback.cli;

import io.redback.repo.Quantities;
import io.redback.redis.RedisUri;
import io.redback.redis.ReplicaOptions;
import java.io.IOException;
import java.time.Duration;
import java.util.Locale;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** How to reach the source server: {@code --redis URI}, the password, the ACL user, TLS and timeouts. */
final class SourceOptions {
    @Option(names = "--redis", paramLabel = "URI", required = true,
            description = "The source: redis://[user@]host[:port] or rediss://... for TLS. Give the password with "
                    + "--password-env or --password-file rather than in the URI (it shows in ps).")
    String redis;

    @Mixin
    ConnectionOptions connection;

    @Option(names = "--timeout", paramLabel = "DURATION",
            description = "The longest each stage of talking to the source may keep redback waiting before it gives up "
                    + "and says which stage it was: connecting and logging in (default 10s), the source preparing "
                    + "the RDB after PSYNC (default 1h, whatever keepalives it sends: it forks and, without "
                    + "diskless sync, writes the whole RDB first), and any silence while the RDB or the stream "
                    + "arrives (default 60s, Redis's repl-timeout; keep it above the source's "
                    + "repl-ping-replica-period). One value sets all three.")
    String timeout;

    /** The URI with every option applied; IllegalArgumentException or IOException with a one-line message. */
    RedisUri uri() throws IOException {
        RedisUri uri = connection.apply(RedisUri.parse(redis));
        return timeout == null ? uri : uri.withConnectTimeout(timeout());
    }

    /** How the replica link behaves: the defaults, every stage limited to --timeout when given. */
    ReplicaOptions replicaOptions() {
        return timeout == null ? ReplicaOptions.defaults() : ReplicaOptions.defaults().withTimeout(timeout());
    }

    private Duration timeout() {
        Duration d = Quantities.duration("--timeout", timeout);
        if (d.isZero()) {
            throw new IllegalArgumentException("--timeout must be positive");
        }
        return d;
    }

    /** The default source name: host and port, e.g. {@code 127.0.0.1-6379}, with other characters as '-'. */
    static String defaultName(RedisUri uri) {
        String name = (uri.host() + "-" + uri.port()).toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9._-]", "-")
                .replaceAll("^[^a-z0-9]+", "");
        return name.length() > 64 ? name.substring(name.length() - 64) : name;
    }
}
