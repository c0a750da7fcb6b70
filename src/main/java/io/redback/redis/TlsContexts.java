package io.redback.redis;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Builds the {@link SSLContext} for {@link TlsOptions} from the files Redis users already have
 * (the PEM files of {@code tls-cert-file}, {@code tls-key-file}, {@code tls-ca-cert-file}), so
 * nobody has to convert them into a Java keystore first.
 */
final class TlsContexts {
    private static final Pattern PEM = Pattern.compile(
            "-----BEGIN ([A-Z0-9 ]+)-----([A-Za-z0-9+/=\\s]+?)-----END \\1-----");
    private static final char[] NO_PASSWORD = new char[0];

    private TlsContexts() {}

    static SSLContext create(TlsOptions options) throws IOException {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keyManagers(options), trustManagers(options), null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot set up TLS: " + e.getMessage(), e);
        }
    }

    private static TrustManager[] trustManagers(TlsOptions options) throws IOException, GeneralSecurityException {
        if (options.insecure()) {
            return new TrustManager[] {new TrustEverything()};
        }
        if (options.caCert() == null) {
            return null; // the JVM's default trust store
        }
        Collection<? extends Certificate> cas = readCertificates(options.caCert(), "CA certificate (--tls-ca)");
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        store.load(null, null);
        int i = 0;
        for (Certificate ca : cas) {
            store.setCertificateEntry("ca-" + i++, ca);
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(store);
        return tmf.getTrustManagers();
    }

    private static KeyManager[] keyManagers(TlsOptions options) throws IOException, GeneralSecurityException {
        KeyStore store;
        char[] password;
        if (options.clientPkcs12() != null) {
            password = options.clientPkcs12Password() == null ? NO_PASSWORD
                    : options.clientPkcs12Password().toCharArray();
            store = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(options.clientPkcs12())) {
                store.load(in, password);
            } catch (IOException e) {
                throw new IOException("cannot read the PKCS12 client certificate " + options.clientPkcs12()
                        + ": " + e.getMessage() + " (wrong password?)", e);
            }
        } else if (options.clientCert() != null) {
            password = NO_PASSWORD;
            List<Certificate> chain = new ArrayList<>(
                    readCertificates(options.clientCert(), "client certificate (--tls-cert)"));
            PrivateKey key = readPrivateKey(options.clientKey());
            store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry("client", key, password, chain.toArray(new Certificate[0]));
        } else {
            return null;
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(store, password);
        return kmf.getKeyManagers();
    }

    private static Collection<? extends Certificate> readCertificates(Path file, String what) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            Collection<? extends Certificate> certs = CertificateFactory.getInstance("X.509").generateCertificates(in);
            if (certs.isEmpty()) {
                throw new IOException("no certificate in " + file);
            }
            return certs;
        } catch (IOException e) {
            throw new IOException("cannot read the " + what + " " + file + ": " + e.getMessage(), e);
        } catch (GeneralSecurityException e) {
            throw new IOException("the " + what + " " + file + " is not a PEM or DER X.509 certificate: "
                    + e.getMessage(), e);
        }
    }

    /** An unencrypted PKCS#8 ("PRIVATE KEY") or PKCS#1 ("RSA PRIVATE KEY") PEM key. */
    static PrivateKey readPrivateKey(Path file) throws IOException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new IOException("cannot read the client key " + file + " (--tls-key): " + e.getMessage(), e);
        }
        Matcher m = PEM.matcher(text);
        while (m.find()) {
            String type = m.group(1);
            if (!type.endsWith("PRIVATE KEY")) {
                continue;
            }
            byte[] der = Base64.getMimeDecoder().decode(m.group(2));
            switch (type) {
                case "PRIVATE KEY":
                    return pkcs8(der, file);
                case "RSA PRIVATE KEY":
                    return pkcs8(pkcs1ToPkcs8(der), file);
                case "ENCRYPTED PRIVATE KEY":
                    throw new IOException("the client key " + file + " is encrypted; give an unencrypted key "
                            + "(openssl pkcs8 -topk8 -nocrypt -in " + file + ")");
                default:
                    throw new IOException("the client key " + file + " is a " + type + ", which is not supported; "
                            + "convert it to PKCS#8 with: openssl pkcs8 -topk8 -nocrypt -in " + file);
            }
        }
        throw new IOException("no PEM private key (-----BEGIN PRIVATE KEY-----) in " + file + " (--tls-key)");
    }

    private static PrivateKey pkcs8(byte[] der, Path file) throws IOException {
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
        for (String algorithm : List.of("RSA", "EC", "Ed25519", "Ed448", "RSASSA-PSS", "DSA")) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(spec);
            } catch (GeneralSecurityException tryNext) {
                // The PKCS#8 wrapper names the algorithm; trying the common ones is simpler than parsing it.
            }
        }
        throw new IOException("cannot read the private key in " + file + ": not an RSA, EC, EdDSA or DSA PKCS#8 key");
    }

    /**
     * Wraps a PKCS#1 RSAPrivateKey in a PKCS#8 PrivateKeyInfo: SEQUENCE { INTEGER 0,
     * SEQUENCE { rsaEncryption OID, NULL }, OCTET STRING { pkcs1 } }.
     */
    static byte[] pkcs1ToPkcs8(byte[] pkcs1) {
        byte[] algorithm = {0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01,
            0x01, 0x01, 0x05, 0x00};
        byte[] version = {0x02, 0x01, 0x00};
        byte[] octets = derElement(0x04, pkcs1);
        byte[] body = new byte[version.length + algorithm.length + octets.length];
        System.arraycopy(version, 0, body, 0, version.length);
        System.arraycopy(algorithm, 0, body, version.length, algorithm.length);
        System.arraycopy(octets, 0, body, version.length + algorithm.length, octets.length);
        return derElement(0x30, body);
    }

    private static byte[] derElement(int tag, byte[] content) {
        int n = content.length;
        byte[] length;
        if (n < 0x80) {
            length = new byte[] {(byte) n};
        } else if (n < 0x100) {
            length = new byte[] {(byte) 0x81, (byte) n};
        } else if (n < 0x10000) {
            length = new byte[] {(byte) 0x82, (byte) (n >> 8), (byte) n};
        } else {
            length = new byte[] {(byte) 0x83, (byte) (n >> 16), (byte) (n >> 8), (byte) n};
        }
        byte[] out = new byte[1 + length.length + n];
        out[0] = (byte) tag;
        System.arraycopy(length, 0, out, 1, length.length);
        System.arraycopy(content, 0, out, 1 + length.length, n);
        return out;
    }

    /**
     * For {@link TlsOptions#insecure()} only. Extended, so that the JDK does not wrap it in the
     * host name and algorithm checks that a plain X509TrustManager gets.
     */
    private static final class TrustEverything extends X509ExtendedTrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
