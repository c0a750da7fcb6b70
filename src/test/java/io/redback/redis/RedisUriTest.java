package io.redback.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@io.redback.testsupport.Fast
class RedisUriTest {

    @Test
    void aFullUriGivesEveryPart() {
        RedisUri uri = RedisUri.parse("rediss://backup:s3cret@cache-1.internal:6380/2");
        assertThat(uri.tls()).isTrue();
        assertThat(uri.host()).isEqualTo("cache-1.internal");
        assertThat(uri.port()).isEqualTo(6380);
        assertThat(uri.db()).isEqualTo(2);
        assertThat(uri.username()).isEqualTo("backup");
        assertThat(uri.password()).isEqualTo("s3cret");
        assertThat(uri.address()).isEqualTo("cache-1.internal:6380");
    }

    @Test
    void defaultsArePlainPort6379Db0NoUser() {
        RedisUri uri = RedisUri.parse("redis://10.0.0.5");
        assertThat(uri.tls()).isFalse();
        assertThat(uri.port()).isEqualTo(6379);
        assertThat(uri.db()).isZero();
        assertThat(uri.username()).isNull();
        assertThat(uri.hasPassword()).isFalse();
        assertThat(uri.connectTimeout()).isEqualTo(RedisUri.DEFAULT_CONNECT_TIMEOUT);
        assertThat(RedisUri.parse("REDIS://h/").db()).isZero();
    }

    @Test
    void passwordOnlyUserOnlyIpv6AndPercentEncoding() {
        RedisUri passwordOnly = RedisUri.parse("redis://:p%40ss:word@h:1");
        assertThat(passwordOnly.username()).isNull();
        assertThat(passwordOnly.password()).isEqualTo("p@ss:word");

        RedisUri userOnly = RedisUri.parse("redis://backup@h");
        assertThat(userOnly.username()).isEqualTo("backup");
        assertThat(userOnly.hasPassword()).isFalse();

        RedisUri unencodedAt = RedisUri.parse("redis://u:a@b@h:7");
        assertThat(unencodedAt.password()).isEqualTo("a@b");
        assertThat(unencodedAt.host()).isEqualTo("h");

        RedisUri v6 = RedisUri.parse("redis://[::1]:6390/3");
        assertThat(v6.host()).isEqualTo("::1");
        assertThat(v6.address()).isEqualTo("[::1]:6390");
        assertThat(v6.db()).isEqualTo(3);
    }

    @Test
    void thePasswordNeverAppearsInToStringOrErrors() {
        RedisUri uri = RedisUri.parse("rediss://backup:hunter2@h:6380/1");
        assertThat(uri.toString()).isEqualTo("rediss://backup:***@h:6380/1").doesNotContain("hunter2");
        assertThat(uri.withTlsOptions(TlsOptions.DEFAULT.withClientPkcs12(Path.of("c.p12"), "hunter2")).toString())
                .doesNotContain("hunter2");
        assertThat(uri.tlsOptions().withClientPkcs12(Path.of("c.p12"), "hunter2").toString()).doesNotContain("hunter2");
        assertThat(RedisUri.parse("redis://h").toString()).isEqualTo("redis://h:6379");

        assertThatThrownBy(() -> RedisUri.parse("redis://u:hunter2%zz@h"))
                .hasMessageContaining("percent-encoding").hasMessageNotContaining("hunter2");
        assertThatThrownBy(() -> RedisUri.parse("http://u:hunter2@h"))
                .hasMessageContaining("not a Redis URI").hasMessageNotContaining("hunter2");
    }

    @Test
    void aUriWithoutItsHostDoesNotEchoThePassword() {
        // Without '@' the password is taken for a host and port, a path or a query: none is echoed.
        for (String uri : new String[] {"redis://admin:SECRET", "redis://:SECRET", "rediss://admin:SECRET",
                "redis://admin:SEC/RET", "redis://admin:SE?CRET", "redis://[admin:SECRET", "redis://[::1]SECRET",
                "redis://admin:SECRET@", "redis://admin:SECRET@h:SECRET2"}) {
            assertThatThrownBy(() -> RedisUri.parse(uri)).as(uri)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageNotContaining("SECRET").hasMessageNotContaining("SEC").hasMessageNotContaining("RET");
        }
        assertThatThrownBy(() -> RedisUri.parse("redis://admin:SECRET"))
                .hasMessageContaining("the host is missing");
    }

    @Test
    void malformedUrisSayWhatIsWrong() {
        assertThatThrownBy(() -> RedisUri.parse("redis://h:abc")).hasMessageContaining("port of the Redis URI is not a number");
        assertThatThrownBy(() -> RedisUri.parse("redis://h:70000")).hasMessageContaining("between 1 and 65535");
        assertThatThrownBy(() -> RedisUri.parse("redis://h/x")).hasMessageContaining("database number");
        assertThatThrownBy(() -> RedisUri.parse("redis://:6379")).hasMessageContaining("no host");
        assertThatThrownBy(() -> RedisUri.parse("redis://::1")).hasMessageContaining("brackets");
        assertThatThrownBy(() -> RedisUri.parse("redis://h?timeout=3")).hasMessageContaining("query parameters");
        assertThatThrownBy(() -> RedisUri.parse("localhost:6379")).hasMessageContaining("redis://");
    }

    @Test
    void thePasswordComesFromAnEnvironmentVariableOrAFile(@TempDir Path dir) throws IOException {
        RedisUri uri = RedisUri.parse("redis://backup@h");
        assertThat(uri.withPasswordFromEnv("REDIS_PW", Map.of("REDIS_PW", "from-env")).password()).isEqualTo("from-env");
        assertThatThrownBy(() -> uri.withPasswordFromEnv("REDIS_PW", Map.of()))
                .hasMessage("environment variable REDIS_PW (--password-env) is not set");

        Path file = dir.resolve("pw");
        Files.writeString(file, "from file\n");
        assertThat(uri.withPasswordFromFile(file).password()).isEqualTo("from file");
        Files.writeString(file, "");
        assertThatThrownBy(() -> uri.withPasswordFromFile(file)).hasMessageContaining("is empty");
        assertThatThrownBy(() -> uri.withPasswordFromFile(dir.resolve("missing")))
                .hasMessageContaining("cannot read the password file");
    }

    @Test
    void tlsOptionsRefuseHalfAClientCertificate() {
        assertThatThrownBy(() -> new TlsOptions(null, Path.of("c.pem"), null, null, null, false))
                .hasMessageContaining("--tls-cert and --tls-key");
        assertThatThrownBy(() -> new TlsOptions(null, Path.of("c"), Path.of("k"), Path.of("p12"), null, false))
                .hasMessageContaining("not both");
    }
}
