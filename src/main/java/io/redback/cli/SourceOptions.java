package io.redback.cli;

import io.redback.repo.Quantities;
import io.redback.redis.RedisUri;
import io.redback.redis.ReplicaOptions;
import io.redback.redis.TlsOptions;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import picocli.CommandLine.Option;

/** How to reach the source server: {@code --redis URI}, the password, the ACL user, TLS and timeouts. */
final class SourceOptions {
    @Option(names = "--redis", paramLabel = "URI", required = true,
            description = "The source: redis://[user@]host[:port] or rediss://... for TLS. Give the password with "
                    + "--password-env or --password-file rather than in the URI (it shows in ps).")
    String redis;

    @Option(names = "--password-env", paramLabel = "NAME", description = "Read the password from environment variable NAME.")
    String passwordEnv;

    @Option(names = "--password-file", paramLabel = "PATH", description = "Read the password from a file "
            + "(one trailing line break is ignored).")
    Path passwordFile;

    @Option(names = "--user", paramLabel = "USER", description = "The ACL user (Redis 6+); default: the URI's, else 'default'.")
    String user;

    @Option(names = "--tls-ca", paramLabel = "PEM", description = "Trust this CA certificate (PEM) for rediss://.")
    Path tlsCa;

    @Option(names = "--tls-cert", paramLabel = "PEM", description = "Client certificate (PEM), with --tls-key.")
    Path tlsCert;

    @Option(names = "--tls-key", paramLabel = "PEM", description = "Client private key (PEM, unencrypted), with --tls-cert.")
    Path tlsKey;

    @Option(names = "--tls-insecure", description = "Do not verify the server's certificate (tests only).")
    boolean tlsInsecure;

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
        if (passwordEnv != null && passwordFile != null) {
            throw new IllegalArgumentException("give the password with --password-env or --password-file, not both");
        }
        RedisUri uri = RedisUri.parse(redis);
        if (timeout != null) {
            uri = uri.withConnectTimeout(timeout());
        }
        if (passwordEnv != null) {
            uri = uri.withPasswordFromEnv(passwordEnv);
        }
        if (passwordFile != null) {
            uri = uri.withPasswordFromFile(passwordFile);
        }
        if (user != null) {
            uri = uri.withUsername(user);
        }
        if (tlsCa != null || tlsCert != null || tlsKey != null || tlsInsecure) {
            TlsOptions tls = uri.tlsOptions() == null ? TlsOptions.DEFAULT : uri.tlsOptions();
            if (tlsCa != null) {
                tls = tls.withCaCert(tlsCa);
            }
            if (tlsCert != null || tlsKey != null) {
                tls = tls.withClientPem(tlsCert, tlsKey);
            }
            tls = tls.withInsecure(tlsInsecure);
            uri = uri.withTlsOptions(tls);
        }
        return uri;
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
