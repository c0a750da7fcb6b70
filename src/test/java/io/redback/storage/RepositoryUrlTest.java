package io.redback.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.redback.storage.file.FileStorage;
import io.redback.storage.file.FileUrl;
import io.redback.storage.s3.S3Storage;
import io.redback.storage.s3.S3Url;
import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

@io.redback.testsupport.Fast
class RepositoryUrlTest {
    private static final Path CWD = Path.of("").toAbsolutePath();
    private static final Map<String, String> NO_ENV = Map.of();

    static Stream<Arguments> localRepositories() {
        return Stream.of(
                Arguments.of(null, CWD.resolve("redback-repo")),
                Arguments.of("", CWD.resolve("redback-repo")),
                Arguments.of("  ", CWD.resolve("redback-repo")),
                Arguments.of("./redback-repo", CWD.resolve("redback-repo")),
                Arguments.of("backups/redis/../cache", CWD.resolve("backups/cache")),
                Arguments.of("/var/backups/redis", Path.of("/var/backups/redis")),
                Arguments.of("/var/backups/redis/", Path.of("/var/backups/redis")),
                Arguments.of("file:///var/backups/redis", Path.of("/var/backups/redis")),
                Arguments.of("file:///var/backups/my%20redis", Path.of("/var/backups/my redis")),
                Arguments.of("file://localhost/var/backups/redis", Path.of("/var/backups/redis")),
                Arguments.of("FILE:///var/b", Path.of("/var/b")));
    }

    @ParameterizedTest
    @MethodSource("localRepositories")
    void pathsAndFileUrlsNameAFolder(String text, Path root) {
        assertThat(RepositoryUrl.parse(text, NO_ENV)).isEqualTo(new FileUrl(root));
    }

    static Stream<Arguments> s3Repositories() {
        URI minio = URI.create("http://127.0.0.1:9000");
        return Stream.of(
                Arguments.of("s3://backups", NO_ENV,
                        new S3Url("backups", "", null, null, false, null, null)),
                Arguments.of("s3://backups/redis/prod/", NO_ENV,
                        new S3Url("backups", "redis/prod", null, null, false, null, null)),
                Arguments.of("s3://backups/redis?endpoint=http://127.0.0.1:9000", NO_ENV,
                        new S3Url("backups", "redis", minio, "us-east-1", true, null, null)),
                Arguments.of("s3://backups/redis?endpoint=http://127.0.0.1:9000/&region=eu-west-1&path-style=false&sse=aws:kms",
                        NO_ENV, new S3Url("backups", "redis", minio, "eu-west-1", false, S3Url.Sse.KMS, null)),
                Arguments.of("s3://backups/redis?sse=aws%3Akms&path-style=true", NO_ENV,
                        new S3Url("backups", "redis", null, null, true, S3Url.Sse.KMS, null)),
                Arguments.of("s3://backups/redis?sse=aes256", NO_ENV,
                        new S3Url("backups", "redis", null, null, false, S3Url.Sse.AES256, null)),
                Arguments.of("s3://backups/redis", Map.of("REDBACK_S3_ENDPOINT", "http://127.0.0.1:9000"),
                        new S3Url("backups", "redis", minio, "us-east-1", true, null, null)),
                Arguments.of("s3://backups/redis?endpoint=https://s3.example.net",
                        Map.of("REDBACK_S3_ENDPOINT", "http://127.0.0.1:9000"),
                        new S3Url("backups", "redis", URI.create("https://s3.example.net"), "us-east-1", true, null, null)),
                Arguments.of("s3://backups/redis", Map.of("AWS_REGION", "eu-central-1", "AWS_DEFAULT_REGION", "us-west-2"),
                        new S3Url("backups", "redis", null, "eu-central-1", false, null, null)),
                Arguments.of("s3://backups/redis", Map.of("AWS_DEFAULT_REGION", "us-west-2"),
                        new S3Url("backups", "redis", null, "us-west-2", false, null, null)),
                Arguments.of("s3://backups/redis?region=ap-south-1", Map.of("AWS_REGION", "eu-central-1"),
                        new S3Url("backups", "redis", null, "ap-south-1", false, null, null)),
                Arguments.of("s3://backups/redis", Map.of("AWS_ACCESS_KEY_ID", "AKIA1", "AWS_SECRET_ACCESS_KEY", "s3cr3t"),
                        new S3Url("backups", "redis", null, null, false, null,
                                new S3Url.AccessKey("AKIA1", "s3cr3t", null))),
                Arguments.of("s3://backups/redis", Map.of("AWS_ACCESS_KEY_ID", "AKIA1", "AWS_SECRET_ACCESS_KEY", "s3cr3t",
                                "AWS_SESSION_TOKEN", "tok", "AWS_REGION", ""),
                        new S3Url("backups", "redis", null, null, false, null,
                                new S3Url.AccessKey("AKIA1", "s3cr3t", "tok"))));
    }

    @ParameterizedTest
    @MethodSource("s3Repositories")
    void s3UrlsAndTheEnvironment(String text, Map<String, String> env, S3Url expected) {
        assertThat(RepositoryUrl.parse(text, env)).isEqualTo(expected);
    }

    static Stream<Arguments> mistakes() {
        return Stream.of(
                Arguments.of("s3://", "names no bucket"),
                Arguments.of("s3:///prefix", "names no bucket"),
                Arguments.of("s3://b/prefix", "bucket name 'b' is not valid"),
                Arguments.of("s3://my bucket/x", "bucket name 'my bucket' is not valid"),
                Arguments.of("s3://bucket//x", "empty path segment"),
                Arguments.of("s3://bucket/a/../b", "'..' segment"),
                Arguments.of("s3://bucket/x?encrypt=yes", "unknown option 'encrypt'"),
                Arguments.of("s3://bucket/x?region=us-east-1&region=eu-west-1", "appears twice"),
                Arguments.of("s3://bucket/x?sse=des", "use sse=AES256 or sse=aws:kms"),
                Arguments.of("s3://bucket/x?path-style=maybe", "path-style=maybe is not valid"),
                Arguments.of("s3://bucket/x?endpoint=ftp://host", "use http://host:port"),
                Arguments.of("s3://bucket/x?endpoint=http://host/path", "(no path)"),
                Arguments.of("s3://bucket/x?endpoint=", "has no value"),
                Arguments.of("s3://bucket/x?region=Not_A_Region", "region 'Not_A_Region' is not valid"),
                Arguments.of("file://backup-host/var/b", "three slashes"),
                Arguments.of("file:relative/path", "three slashes"),
                Arguments.of("file:///var/b?x=1", "query or fragment"),
                Arguments.of("gs://bucket/prefix", "unsupported repository URL 'gs://bucket/prefix'"),
                Arguments.of("https://s3.amazonaws.com/bucket", "use a path, file:///absolute/path or s3://bucket/prefix"));
    }

    @ParameterizedTest
    @MethodSource("mistakes")
    void mistakesAreExplained(String text, String message) {
        assertThatThrownBy(() -> RepositoryUrl.parse(text, NO_ENV)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(message);
    }

    @Test
    void halfAnAccessKeyInTheEnvironmentIsAMistake() {
        assertThatThrownBy(() -> RepositoryUrl.parse("s3://bucket/x", Map.of("AWS_ACCESS_KEY_ID", "AKIA1")))
                .hasMessage("AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not: set both, or neither to use the "
                        + "AWS credential chain (profile, instance role)");
    }

    @Test
    void noSecretEverAppearsInAUrlOrItsParts() {
        RepositoryUrl url = RepositoryUrl.parse("s3://bucket/x?endpoint=http://127.0.0.1:9000&sse=AES256",
                Map.of("AWS_ACCESS_KEY_ID", "AKIA1", "AWS_SECRET_ACCESS_KEY", "s3cr3t", "AWS_SESSION_TOKEN", "t0ken"));
        assertThat(url.toString()).isEqualTo("s3://bucket/x?endpoint=http://127.0.0.1:9000&region=us-east-1&sse=AES256")
                .doesNotContain("s3cr3t").doesNotContain("AKIA1");
        assertThat(((S3Url) url).accessKey().toString()).doesNotContain("s3cr3t").doesNotContain("t0ken");
    }

    @Test
    void theCanonicalFormParsesBackToTheSameUrl() {
        for (String text : new String[] {"s3://bucket", "s3://bucket/a/b?endpoint=http://127.0.0.1:9000",
                "s3://bucket/a?endpoint=http://minio:9000&region=eu-west-1&path-style=false&sse=aws:kms",
                "s3://bucket/a?region=eu-west-1&path-style=true", "/var/backups/redis"}) {
            RepositoryUrl url = RepositoryUrl.parse(text, NO_ENV);
            assertThat(RepositoryUrl.parse(url.toString(), NO_ENV)).as(text).isEqualTo(url);
        }
        assertThat(RepositoryUrl.parse("/var/backups/redis", NO_ENV)).hasToString("file:///var/backups/redis");
    }

    @Test
    void openGivesTheBackendWithoutTouchingTheNetwork() throws Exception {
        try (Storage local = RepositoryUrl.parse("/var/backups/redis", NO_ENV).open()) {
            assertThat(local).isInstanceOf(RetryingStorage.class);
            assertThat(((RetryingStorage) local).backend()).isInstanceOf(FileStorage.class);
            assertThat(local.describe()).isEqualTo("file:///var/backups/redis");
        }
        try (Storage s3 = RepositoryUrl.parse("s3://bucket/x?endpoint=http://127.0.0.1:9", Map.of("AWS_ACCESS_KEY_ID",
                "a", "AWS_SECRET_ACCESS_KEY", "b")).open()) {
            assertThat(s3).isInstanceOf(RetryingStorage.class);
            assertThat(((RetryingStorage) s3).backend()).isInstanceOf(S3Storage.class);
            assertThat(s3.describe()).isEqualTo("s3://bucket/x?endpoint=http://127.0.0.1:9&region=us-east-1");
        }
    }
}
