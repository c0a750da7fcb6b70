package io.redback.cli;

import io.redback.redis.RedisUri;
import io.redback.redis.TlsOptions;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * How to log in to a server once its URI is known: the password (from the environment or a file,
 * never the command line), the ACL user and TLS. The source of {@code backup} and {@code stream}
 * and the target of {@code restore --into} and {@code undo} share it, so they log in alike.
 */
final class ConnectionOptions {
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

    /** The URI with every option applied; IllegalArgumentException or IOException with a one-line message. */
    RedisUri apply(RedisUri uri) throws IOException {
        if (passwordEnv != null && passwordFile != null) {
            throw new IllegalArgumentException("give the password with --password-env or --password-file, not both");
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
}
