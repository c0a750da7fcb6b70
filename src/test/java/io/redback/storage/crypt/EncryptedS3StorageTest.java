package io.redback.storage.crypt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.redback.storage.Storage;
import io.redback.storage.StorageContract;
import io.redback.storage.s3.TestS3;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The storage contract through the encrypting wrapper on S3 (S3Proxy on loopback), multipart and ranges included. */
@io.redback.testsupport.Slow
class EncryptedS3StorageTest extends StorageContract {
    private static final String BUCKET = "redback-crypt";
    private static final AtomicInteger PREFIXES = new AtomicInteger();
    private static TestS3 s3;
    private Storage backend;
    private EncryptedStorage storage;

    @BeforeAll
    static void startS3() throws Exception {
        s3 = TestS3.start();
        s3.createBucket(BUCKET);
    }

    @AfterAll
    static void stopS3() {
        if (s3 != null) {
            s3.close();
        }
    }

    @BeforeEach
    void setUp() throws IOException {
        backend = s3.url(BUCKET, "enc/t" + PREFIXES.incrementAndGet()).open();
        storage = new EncryptedStorage(backend, MasterKey.random(), "0123456789abcdef0123456789abcdef");
    }

    @AfterEach
    void tearDown() throws IOException {
        storage.close();
    }

    @Override
    protected Storage storage() {
        return storage;
    }

    @Test
    void aMultiMebibyteObjectRoundTripsWithRangesAndACutOneIsRefused() throws IOException {
        byte[] data = new byte[5 * 1024 * 1024 + 3];
        new Random(7).nextBytes(data);
        storage.put("sources/a/data", new ByteArrayInputStream(data), data.length);
        try (InputStream in = storage.get("sources/a/data")) {
            assertThat(in.readAllBytes()).isEqualTo(data);
        }
        try (InputStream in = storage.getRange("sources/a/data", 65530, 200_000)) {
            assertThat(in.readAllBytes()).isEqualTo(Arrays.copyOfRange(data, 65530, 265530));
        }
        assertThat(storage.stat("sources/a/data").orElseThrow().size()).isEqualTo(data.length);
        byte[] stored;
        try (InputStream in = backend.get("sources/a/data")) {
            stored = in.readAllBytes();
        }
        byte[] cut = Arrays.copyOf(stored, stored.length - Chunks.SEALED);
        backend.put("sources/a/data", new ByteArrayInputStream(cut), cut.length);
        assertThatThrownBy(() -> storage.get("sources/a/data").readAllBytes())
                .isInstanceOf(DamagedObjectException.class).hasMessageStartingWith("sources/a/data is damaged");
    }
}
