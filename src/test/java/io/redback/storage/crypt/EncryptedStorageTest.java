package io.redback.storage.crypt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.redback.storage.Storage;
import io.redback.storage.StorageContract;
import io.redback.storage.file.FileStorage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The storage contract through the encrypting wrapper on a folder, and what encryption adds:
 * sizes exact around chunk boundaries, ranges, and every kind of tampering detected and named.
 */
@io.redback.testsupport.Fast
class EncryptedStorageTest extends StorageContract {
    private static final int K = Chunks.CHUNK;
    private static final String ID = "3f9c0e5b8a1d4c7e9b2a6f0d1e8c7b5a";

    @TempDir
    Path temp;

    private FileStorage backend;
    private EncryptedStorage storage;

    @BeforeEach
    void setUp() {
        backend = new FileStorage(temp.resolve("repo"));
        storage = new EncryptedStorage(backend, MasterKey.random(), ID);
    }

    @Override
    protected Storage storage() {
        return storage;
    }

    private static byte[] bytes(int n) {
        byte[] b = new byte[n];
        new Random(n).nextBytes(b);
        return b;
    }

    private void put(String key, byte[] data) throws IOException {
        storage.put(key, new ByteArrayInputStream(data), data.length);
    }

    private byte[] raw(String key) throws IOException {
        try (InputStream in = backend.get(key)) {
            return in.readAllBytes();
        }
    }

    private void putRaw(String key, byte[] data) throws IOException {
        backend.put(key, new ByteArrayInputStream(data), data.length);
    }

    private byte[] read(String key) throws IOException {
        try (InputStream in = storage.get(key)) {
            return in.readAllBytes();
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, K - 1, K, K + 1, 2 * K, 3 * 1024 * 1024 + 17})
    void objectsRoundTripAndReportTheirPlaintextSizeAroundChunkBoundaries(int size) throws IOException {
        byte[] data = bytes(size);
        put("sources/a/data", data);
        assertThat(read("sources/a/data")).isEqualTo(data);
        assertThat(storage.stat("sources/a/data").orElseThrow().size()).isEqualTo(size);
        assertThat(storage.list("sources/").get(0).size()).isEqualTo(size);
        assertThat(backend.stat("sources/a/data").orElseThrow().size()).isEqualTo(Chunks.storedSize(size));
        // unknown length: same bytes
        storage.put("sources/a/other", new ByteArrayInputStream(data), -1);
        assertThat(read("sources/a/other")).isEqualTo(data);
    }

    @Test
    void sizesMapBothWaysExactly() {
        for (long p : new long[] {0, 1, K - 1, K, K + 1, 5L * K, 5L * K + 3, 1L << 32}) {
            assertThat(Chunks.plainSize(Chunks.storedSize(p))).as("plain %d", p).isEqualTo(p);
        }
    }

    @Test
    void aRangeDecryptsOnlyTheChunksThatCoverIt() throws IOException {
        byte[] data = bytes(3 * K + 100);
        put("d", data);
        long[][] ranges = {{0, 10}, {K - 5, 10}, {K, K}, {2 * K - 1, K + 2}, {3 * K + 90, 50}, {0, 4 * K}, {3 * K + 100, 5},
            {5 * K, 1}};
        for (long[] r : ranges) {
            int from = (int) Math.min(r[0], data.length);
            int to = (int) Math.min(r[0] + r[1], data.length);
            try (InputStream in = storage.getRange("d", r[0], r[1])) {
                assertThat(in.readAllBytes()).as("range %d+%d", r[0], r[1]).isEqualTo(Arrays.copyOfRange(data, from, to));
            }
        }
    }

    @Test
    void nothingOfThePlaintextIsStoredAndConfigAndKeysStayReadable() throws IOException {
        byte[] secret = "session:4711 token=very-secret-value ".repeat(5000).getBytes(StandardCharsets.UTF_8);
        put("sources/a/data", secret);
        put("config.json", "{\"formatVersion\":2}".getBytes(StandardCharsets.UTF_8));
        assertThat(new String(raw("sources/a/data"), StandardCharsets.ISO_8859_1)).doesNotContain("very-secret");
        assertThat(new String(raw("config.json"), StandardCharsets.UTF_8)).isEqualTo("{\"formatVersion\":2}");
    }

    @Test
    void theSameBytesPutTwiceAreStoredDifferently() throws IOException {
        put("a", bytes(100));
        byte[] first = raw("a");
        put("a", bytes(100));
        assertThat(raw("a")).isNotEqualTo(first);
    }

    @Test
    void aTamperedByteIsDetectedNamingTheObject() throws IOException {
        put("sources/a/seg", bytes(2 * K + 10));
        byte[] b = raw("sources/a/seg");
        b[Chunks.HEADER + K + 100] ^= 1;
        putRaw("sources/a/seg", b);
        assertDamaged("sources/a/seg", "chunk 1");
    }

    @Test
    void aChangedHeaderIsDetected() throws IOException {
        put("h", bytes(10));
        byte[] b = raw("h");
        b[20] ^= 1; // the salt: another data key
        putRaw("h", b);
        assertDamaged("h", "chunk 0");
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 16, 17, Chunks.SEALED})
    void aTruncatedObjectIsDetected(int cut) throws IOException {
        put("t", bytes(3 * K));
        byte[] b = raw("t");
        putRaw("t", Arrays.copyOf(b, b.length - cut));
        assertDamaged("t", "");
        assertThatThrownBy(() -> storage.getRange("t", 0, 3L * K).readAllBytes())
                .isInstanceOf(DamagedObjectException.class).hasMessageContaining("t is damaged");
    }

    @Test
    void bytesAppendedAfterTheLastChunkAreDetected() throws IOException {
        put("x", bytes(K + 5));
        byte[] b = raw("x");
        byte[] longer = Arrays.copyOf(b, b.length + Chunks.SEALED);
        System.arraycopy(b, Chunks.HEADER, longer, b.length, Chunks.SEALED);
        putRaw("x", longer);
        assertDamaged("x", "chunk 1");
    }

    @Test
    void anObjectStoredUnderAnotherNameIsDetected() throws IOException {
        put("sources/a/one", bytes(1000));
        put("sources/a/two", bytes(1000));
        byte[] one = raw("sources/a/one");
        putRaw("sources/a/one", raw("sources/a/two"));
        putRaw("sources/a/two", one);
        assertDamaged("sources/a/one", "chunk 0");
        assertDamaged("sources/a/two", "chunk 0");
    }

    @Test
    void anObjectFromAnotherRepositoryIsDetected() throws IOException {
        MasterKey key = MasterKey.random();
        EncryptedStorage a = new EncryptedStorage(backend, key, ID);
        a.put("o", new ByteArrayInputStream(bytes(10)), 10);
        EncryptedStorage b = new EncryptedStorage(backend, key, "another-repository-id");
        assertThatThrownBy(() -> b.get("o").readAllBytes()).isInstanceOf(DamagedObjectException.class);
    }

    @Test
    void reorderedChunksAreDetected() throws IOException {
        put("r", bytes(3 * K));
        byte[] b = raw("r");
        byte[] swapped = b.clone();
        int c0 = Chunks.HEADER;
        int c1 = Chunks.HEADER + Chunks.SEALED;
        System.arraycopy(b, c0, swapped, c1, Chunks.SEALED);
        System.arraycopy(b, c1, swapped, c0, Chunks.SEALED);
        putRaw("r", swapped);
        assertDamaged("r", "chunk 0");
    }

    @Test
    void aPlaintextObjectIsNeverReadAsPlaintext() throws IOException {
        putRaw("sources/a/manifest.json", "{\"formatVersion\":1}".getBytes(StandardCharsets.UTF_8));
        assertDamaged("sources/a/manifest.json", "does not start as an encrypted object");
    }

    @Test
    void keySlotsOpenWithTheirPasswordAndOnlyWithIt() throws IOException {
        KeySlots.Scrypt cheap = new KeySlots.Scrypt(1 << 10, 8, 1);
        MasterKey key = MasterKey.random();
        KeySlots.Slot first = KeySlots.add(backend, ID, key, "correct horse".toCharArray(), Instant.now(), cheap);
        KeySlots.Slot second = KeySlots.add(backend, ID, key, "battery staple".toCharArray(), Instant.now(), cheap);
        assertThat(KeySlots.unlock(backend, ID, "correct horse".toCharArray()))
                .isEqualTo(new KeySlots.Unlocked(key, first.id()));
        assertThat(KeySlots.unlock(backend, ID, "battery staple".toCharArray()).slotId()).isEqualTo(second.id());
        assertThatThrownBy(() -> KeySlots.unlock(backend, ID, "wrong".toCharArray()))
                .isInstanceOf(WrongPasswordException.class).hasMessageStartingWith("wrong password");
        assertThatThrownBy(() -> KeySlots.unlock(backend, "other-repository", "correct horse".toCharArray()))
                .isInstanceOf(WrongPasswordException.class);
        assertThat(new String(raw(KeySlots.key(first.id())), StandardCharsets.UTF_8)).contains("\"kdf\" : \"scrypt\"")
                .contains("\"n\" : 1024");

        KeySlots.remove(backend, first.id());
        assertThat(KeySlots.list(backend)).extracting(KeySlots.Slot::id).containsExactly(second.id());
        assertThatThrownBy(() -> KeySlots.remove(backend, second.id())).hasMessageContaining("the last one");
    }

    private void assertDamaged(String key, String detail) {
        assertThatThrownBy(() -> {
            try (InputStream in = storage.get(key)) {
                in.readAllBytes();
            }
        }).isInstanceOf(DamagedObjectException.class).hasMessageStartingWith(key + " is damaged")
                .hasMessageContaining(detail);
    }

}
