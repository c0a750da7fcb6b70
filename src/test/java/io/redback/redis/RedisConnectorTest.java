package io.redback.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.redback.redis.RedisAccessException.Reason;
import io.redback.testsupport.TestRedis;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

/** Logging in to real servers: ACL users, passwords, TLS, and the one line a user gets when it fails. */
@io.redback.testsupport.Slow
class RedisConnectorTest {

    @Test
    void anAclUserLogsInWithUserAndPasswordAndLandsInItsDatabase() throws IOException {
        try (LocalRedisServer redis = TestRedis.server().start(); RedisConnection admin = redis.connect()) {
            admin.call("ACL", "SETUSER", "backup", "on", ">pw", "+@all", "~*");
            admin.call("SELECT", "1");
            admin.call("SET", "in-db-1", "yes");
            RedisUri uri = RedisUri.parse("redis://backup@127.0.0.1:" + redis.port() + "/1")
                    .withPasswordFromEnv("PW", Map.of("PW", "pw"));
            try (RedisConnection c = RedisConnector.of(uri).connect()) {
                assertThat(c.callString("ACL", "WHOAMI")).isEqualTo("backup");
                assertThat(c.callString("GET", "in-db-1")).isEqualTo("yes");
            }
        }
    }

    @Test
    void passwordMistakesAreOneClearLineWithoutThePassword() throws IOException {
        try (LocalRedisServer redis = TestRedis.server().start(); RedisConnection admin = redis.connect()) {
            // Set after the start: LocalRedisServer's readiness probe and SHUTDOWN do not log in.
            admin.call("CONFIG", "SET", "requirepass", "right-one");
            RedisUri base = RedisUri.parse("redis://127.0.0.1:" + redis.port());
            try (RedisConnection c = RedisConnector.of(base.withPassword("right-one")).connect()) {
                assertThat(c.callString("PING")).isEqualTo("PONG");
            }
            assertOneLine(() -> RedisConnector.of(base.withPassword("wrong-one")).connect(), Reason.AUTH,
                    "wrong password for the default user");
            assertOneLine(() -> RedisConnector.of(base).connect(), Reason.AUTH,
                    "requires a password: give it with --password-env NAME or --password-file PATH");
            assertOneLine(() -> RedisConnector.of(base.withUsername("nobody").withPassword("right-one")).connect(),
                    Reason.AUTH, "wrong password for user 'nobody'");
            admin.call("CONFIG", "SET", "requirepass", "");
        }
        try (LocalRedisServer open = TestRedis.server().start()) {
            RedisUri uri = RedisUri.parse("redis://:unneeded@127.0.0.1:" + open.port());
            assertOneLine(() -> RedisConnector.of(uri).connect(), Reason.AUTH, "the server has no password");
        }
    }

    @Test
    void aClosedPortFailsAtOnce() throws IOException {
        RedisUri uri = RedisUri.parse("redis://user:secret@127.0.0.1:" + TestTls.freePort());
        long started = System.nanoTime();
        assertOneLine(() -> RedisConnector.of(uri).connect(), Reason.UNREACHABLE, "connection refused");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(2));
    }

    @Test
    void tlsChecksTheServerCertificateAndSaysWhatToFix() throws Exception {
        TestTls tls = TestTls.shared();
        int tlsPort = TestTls.freePort();
        try (LocalRedisServer redis = tlsServer(tls, tlsPort, "no").start()) {
            RedisUri uri = RedisUri.parse("rediss://127.0.0.1:" + tlsPort);
            try (RedisConnection c = RedisConnector.of(uri.withTlsOptions(TlsOptions.DEFAULT.withCaCert(tls.ca))).connect()) {
                assertThat(c.callString("PING")).isEqualTo("PONG");
            }
            RedisUri byName = RedisUri.parse("rediss://localhost:" + tlsPort)
                    .withTlsOptions(TlsOptions.DEFAULT.withCaCert(tls.ca));
            try (RedisConnection c = RedisConnector.of(byName).connect()) {
                assertThat(c.callString("PING")).isEqualTo("PONG");
            }
            try (RedisConnection c = RedisConnector.of(uri.withTlsOptions(TlsOptions.DEFAULT.withInsecure(true))).connect()) {
                assertThat(c.callString("PING")).isEqualTo("PONG");
            }
            assertOneLine(() -> RedisConnector.of(uri).connect(), Reason.TLS, "not trusted; give the CA that signed it with --tls-ca");
            assertOneLine(() -> RedisConnector.of(uri.withTlsOptions(TlsOptions.DEFAULT.withCaCert(tls.otherCa))).connect(),
                    Reason.TLS, "not trusted");
            assertOneLine(() -> RedisConnector.of(RedisUri.parse("redis://127.0.0.1:" + tlsPort)).connect(),
                    Reason.PROTOCOL, "use rediss://");
            // A plain port takes the TLS hello for the start of an inline command and waits for more.
            assertOneLine(() -> RedisConnector.of(RedisUri.parse("rediss://127.0.0.1:" + redis.port())
                    .withTlsOptions(TlsOptions.DEFAULT.withCaCert(tls.ca)).withConnectTimeout(Duration.ofMillis(500)))
                    .connect(), Reason.TLS, "use redis:// for a plain port");
        }
    }

    @Test
    void clientCertificatesComeAsPemPkcs8PemPkcs1OrPkcs12() throws Exception {
        TestTls tls = TestTls.shared();
        int tlsPort = TestTls.freePort();
        try (LocalRedisServer redis = tlsServer(tls, tlsPort, "yes").start();
             RedisConnection admin = redis.connect()) {
            admin.call("ACL", "SETUSER", "backup", "on", ">pw", "+@all", "~*");
            RedisUri uri = RedisUri.parse("rediss://backup:pw@127.0.0.1:" + tlsPort);
            TlsOptions trusted = TlsOptions.DEFAULT.withCaCert(tls.ca);
            for (TlsOptions options : new TlsOptions[] {
                trusted.withClientPem(tls.clientCert, tls.clientKey),
                trusted.withClientPem(tls.clientCert, tls.clientKeyPkcs1),
                trusted.withClientPkcs12(tls.clientP12, TestTls.PKCS12_PASSWORD)}) {
                try (RedisConnection c = RedisConnector.of(uri.withTlsOptions(options)).connect()) {
                    assertThat(c.callString("PING")).as(options.toString()).isEqualTo("PONG");
                }
            }
            assertOneLine(() -> RedisConnector.of(uri.withTlsOptions(trusted)).connect(), Reason.TLS,
                    "client certificate");
            assertOneLine(() -> RedisConnector.of(uri.withTlsOptions(trusted.withClientPkcs12(tls.clientP12, "wrong")))
                    .connect(), Reason.TLS, "wrong password?");
        }
    }

    static LocalRedisServer.Builder tlsServer(TestTls tls, int tlsPort, String authClients) {
        return TestRedis.server()
                .config("tls-port", Integer.toString(tlsPort))
                .config("tls-cert-file", tls.serverCert.toString())
                .config("tls-key-file", tls.serverKey.toString())
                .config("tls-ca-cert-file", tls.ca.toString())
                .config("tls-auth-clients", authClients);
    }

    /** The failure is a RedisAccessException of this reason, one line, containing the text, no password. */
    static void assertOneLine(ThrowingCallable call, Reason reason, String text) {
        assertThatThrownBy(call)
                .isInstanceOfSatisfying(RedisAccessException.class, e -> assertThat(e.reason()).isEqualTo(reason))
                .hasMessageContaining(text)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n", "secret", "wrong-one", "right-one",
                        "unneeded"));
    }
}
