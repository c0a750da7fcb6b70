package io.redback.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.redback.storage.RepositoryUrl;
import io.redback.storage.Retry;
import io.redback.storage.RetryingStorage;
import io.redback.storage.Storage;
import io.redback.storage.StorageContract;
import io.redback.repo.TestBytes;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;

/** The storage contract and the S3-only promises, against a real S3 API (S3Proxy) on loopback. */
@io.redback.testsupport.Slow
class S3StorageTest extends StorageContract {
    private static final String BUCKET = "redback-test";
    private static final AtomicInteger PREFIXES = new AtomicInteger();
    private static TestS3 s3;

    /** Every request the storage under test sent, by SDK request class, with its SSE header. */
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private Storage storage;

    @BeforeAll
    static void startS3() throws Exception {
        s3 = TestS3.start();
        s3.createBucket(BUCKET);
    }

    @AfterAll
    static void stopS3() throws Exception {
        if (s3 != null) {
            s3.close();
        }
    }

    @BeforeEach
    void setUp() {
        // Each test gets its own prefix in the shared bucket, which also exercises prefix handling.
        storage = open(s3.url(BUCKET, "repos/t" + PREFIXES.incrementAndGet()));
    }

    @AfterEach
    void tearDown() throws IOException {
        storage.close();
    }

    @Override
    protected Storage storage() {
        return storage;
    }

    /** As a repository opens it (the backend inside RetryingStorage), with 3 tries. */
    private Storage open(S3Url url) {
        Retry retry = new Retry(3, Duration.ofMillis(200), Duration.ofSeconds(20));
        return new RetryingStorage(S3Storage.open(url, List.of(new Recorder()), retry), retry);
    }

    @Override
    protected void afterBigUnknownLengthPut(String key) {
        assertThat(requests).as("40 MiB of unknown length goes up in 16 MiB parts").containsExactly(
                "CreateMultipartUpload", "UploadPart", "UploadPart", "UploadPart", "CompleteMultipartUpload");
    }

    @Test
    void smallAndKnownLengthObjectsGoUpInOnePut() throws IOException {
        storage.put("small", new ByteArrayInputStream(new byte[1000]), -1);
        storage.put("exactly-a-part", TestBytes.stream(7, S3Storage.PART_SIZE), S3Storage.PART_SIZE);
        assertThat(requests).containsExactly("PutObject", "PutObject");
        assertThat(storage.stat("exactly-a-part")).hasValueSatisfying(i -> assertThat(i.size()).isEqualTo(S3Storage.PART_SIZE));
    }

    @Test
    void aKnownLengthBiggerThanAPartGoesMultipart() throws IOException {
        long size = S3Storage.PART_SIZE + 5;
        storage.put("big", TestBytes.stream(3, size), size);
        assertThat(requests).containsExactly("CreateMultipartUpload", "UploadPart", "UploadPart", "CompleteMultipartUpload");
        assertThat(TestBytes.sha256(storage.get("big"))).isEqualTo(TestBytes.sha256(TestBytes.stream(3, size)));
    }

    @Test
    void aMultipartUploadThatFailsIsAbortedAndLeavesNothing() throws IOException {
        InputStream breaksAt20MiB = new BreaksAtTheEnd(TestBytes.stream(5, 20L << 20));
        assertThatThrownBy(() -> storage.put("broken", breaksAt20MiB, -1)).isInstanceOf(IOException.class)
                .hasMessageContaining("the source broke");
        assertThat(requests).containsExactly("CreateMultipartUpload", "UploadPart", "AbortMultipartUpload");
        assertThat(storage.stat("broken")).isEmpty();
        assertThat(storage.list("")).isEmpty();
    }

    @Test
    void aMissingBucketIsOneClearLine() throws IOException {
        try (Storage missing = open(s3.url("no-such-bucket", "prefix"))) {
            String line = "bucket 'no-such-bucket' does not exist at " + s3.endpoint() + ": create it or fix the repository URL";
            assertThatThrownBy(() -> missing.stat("config.json")).hasMessage(line);
            assertThatThrownBy(() -> missing.get("config.json")).hasMessage(line);
            assertThatThrownBy(() -> missing.getRange("config.json", 0, 1)).hasMessage(line);
            assertThatThrownBy(() -> missing.list("")).hasMessage(line);
            assertThatThrownBy(() -> missing.put("config.json", new ByteArrayInputStream(new byte[1]), 1)).hasMessage(line);
            assertThatThrownBy(() -> missing.put("big", TestBytes.stream(1, 17L << 20), -1)).hasMessage(line);
        }
    }

    @Test
    void theBucketRootWorksAsARepository() throws IOException {
        s3.createBucket("whole-bucket");
        try (Storage root = open(s3.url("whole-bucket", ""))) {
            put(root, "config.json", "{}");
            assertThat(root.list("")).extracting(Storage.ObjectInfo::key).containsExactly("config.json");
            assertThat(root.describe()).isEqualTo("s3://whole-bucket?endpoint=" + s3.endpoint() + "&region=us-east-1");
        }
    }

    @Test
    void objectsOutsideThePrefixOrWithForeignKeysAreNotListed() throws IOException {
        s3.createBucket("shared");
        try (Storage a = open(s3.url("shared", "team/a")); Storage ab = open(s3.url("shared", "team/ab"));
             Storage whole = open(s3.url("shared", ""))) {
            put(a, "config.json", "a");
            put(ab, "config.json", "ab");
            put(whole, "team/a-folder-marker/x", "console");
            assertThat(a.list("")).extracting(Storage.ObjectInfo::key).containsExactly("config.json");
            assertThat(TestBytes.readString(a.get("config.json"))).isEqualTo("a");
        }
    }

    @Test
    void serverSideEncryptionIsAskedOfEveryWrite() throws IOException {
        S3Url url = (S3Url) RepositoryUrl.parse("s3://" + BUCKET + "/sse-test?endpoint="
                + s3.endpoint() + "&sse=AES256", s3.env());
        try (Storage encrypted = open(url)) {
            requests.clear();
            put(encrypted, "small", "x");
            encrypted.put("big", TestBytes.stream(9, 17L << 20), -1);
            assertThat(encrypted.list("")).extracting(Storage.ObjectInfo::key).containsExactly("big", "small");
        }
        // S3Proxy ignores the header; what matters is that redback asks for it on every write.
        assertThat(requests).containsExactly("PutObject sse=AES256", "CreateMultipartUpload sse=AES256", "UploadPart",
                "UploadPart", "CompleteMultipartUpload");
    }

    @Test
    void wrongCredentialsSayWhichVariablesToCheck() throws IOException {
        S3Url url = s3.url(BUCKET, "creds").withAccessKey(new S3Url.AccessKey(TestS3.ACCESS_KEY, "wrong", null));
        try (Storage wrong = open(url)) {
            assertThatThrownBy(() -> wrong.list("")).isInstanceOf(IOException.class)
                    .hasMessageContaining("AWS_SECRET_ACCESS_KEY").hasMessageNotContaining("wrong");
        }
    }

    @Test
    void anUnreachableEndpointFailsAfterTheRetriesWithOneClearError() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        S3Url url = (S3Url) RepositoryUrl.parse("s3://bucket/p?endpoint=http://127.0.0.1:" + port, s3.env());
        try (Storage down = open(url)) {
            assertThatThrownBy(() -> down.get("config.json")).isInstanceOf(IOException.class)
                    .isNotInstanceOf(NoSuchFileException.class)
                    .hasMessageStartingWith("cannot read config.json in s3://bucket/p?endpoint=http://127.0.0.1:" + port)
                    .hasMessageContaining("failed after 3 tries")
                    .hasMessageContaining("check the endpoint, the network and that the store is up");
            // A put's requests are repeated by the backend itself, under the same policy.
            assertThatThrownBy(() -> down.put("config.json", new ByteArrayInputStream(new byte[1]), 1))
                    .hasMessageStartingWith("cannot write config.json in s3://bucket/p?endpoint=http://127.0.0.1:" + port)
                    .hasMessageContaining("failed after 3 tries");
        }
    }

    /** Records each request's type (and its server-side-encryption header when set). */
    private final class Recorder implements ExecutionInterceptor {
        @Override
        public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
            String type = context.request().getClass().getSimpleName().replaceAll("Request$", "");
            if (type.equals("HeadObject") || type.equals("GetObject") || type.equals("ListObjectsV2")) {
                return;
            }
            String sse = context.httpRequest().firstMatchingHeader("x-amz-server-side-encryption").map(v -> " sse=" + v)
                    .orElse("");
            requests.add(type + sse);
        }
    }
}
