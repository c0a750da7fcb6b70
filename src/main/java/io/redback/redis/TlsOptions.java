package io.redback.redis;

import java.nio.file.Path;

/**
 * How a {@code rediss://} connection trusts the server and proves who it is. By default the
 * server certificate is checked against the JVM's trust store and its host name. {@code caCert}
 * (PEM, one or more certificates) replaces the trust store, as Redis's own
 * {@code tls-ca-cert-file} does. A client certificate, for servers with
 * {@code tls-auth-clients yes}, is either a PEM pair ({@code clientCert} chain plus an unencrypted
 * PKCS#8 or PKCS#1 RSA {@code clientKey}) or a PKCS12 file with its password. {@code insecure}
 * skips every server check and exists for tests only. {@link #toString()} hides the PKCS12
 * password.
 */
public record TlsOptions(Path caCert, Path clientCert, Path clientKey, Path clientPkcs12,
                         String clientPkcs12Password, boolean insecure) {
    /** Verify against the JVM trust store, no client certificate. */
    public static final TlsOptions DEFAULT = new TlsOptions(null, null, null, null, null, false);

    public TlsOptions {
        if ((clientCert == null) != (clientKey == null)) {
            throw new IllegalArgumentException("a PEM client certificate needs both --tls-cert and --tls-key");
        }
        if (clientCert != null && clientPkcs12 != null) {
            throw new IllegalArgumentException("give the client certificate either as PEM (--tls-cert, --tls-key) "
                    + "or as a PKCS12 file, not both");
        }
    }

    public TlsOptions withCaCert(Path pemFile) {
        return new TlsOptions(pemFile, clientCert, clientKey, clientPkcs12, clientPkcs12Password, insecure);
    }

    public TlsOptions withClientPem(Path certPem, Path keyPem) {
        return new TlsOptions(caCert, certPem, keyPem, null, null, insecure);
    }

    public TlsOptions withClientPkcs12(Path file, String password) {
        return new TlsOptions(caCert, null, null, file, password, insecure);
    }

    /** Skips certificate and host name checks: for tests only, never for production data. */
    public TlsOptions withInsecure(boolean skipVerification) {
        return new TlsOptions(caCert, clientCert, clientKey, clientPkcs12, clientPkcs12Password, skipVerification);
    }

    @Override
    public String toString() {
        return "TlsOptions[caCert=" + caCert + ", clientCert=" + clientCert + ", clientKey=" + clientKey
                + ", clientPkcs12=" + clientPkcs12 + (clientPkcs12Password != null ? ", clientPkcs12Password=***" : "")
                + ", insecure=" + insecure + "]";
    }
}
