package io.redback.storage.crypt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.redback.storage.file.FileStorage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code key rotate}: objects sealed before and after a rotation both read with the rotated
 * keys; a slot of before the rotation (a removed password's, kept by whoever held it) still
 * opens the old objects but not the new ones; a rotation refuses when a slot does not open with
 * the password; the header's generation is authenticated.
 */
@io.redback.testsupport.Fast
class KeyRotationTest {
    private static final String ID = "0a1b2c3d4e5f60718293a4b5c6d7e8f9";
    private static final KeySlots.Scrypt CHEAP = new KeySlots.Scrypt(1 << 4, 8, 1);
    private static final Instant NOW = Instant.parse("2026-12-06T12:00:00Z");

    @TempDir
    Path temp;

    private static void put(EncryptedStorage s, String key, String text) throws IOException {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        s.put(key, new ByteArrayInputStream(b), b.length);
    }

    private static String get(EncryptedStorage s, String key) throws IOException {
        try (InputStream in = s.get(key)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void objectsOfBeforeAndAfterARotationReadAndAnOldSlotReadsOnlyTheOld() throws Exception {
        FileStorage backend = new FileStorage(temp.resolve("repo"));
        MasterKey first = MasterKey.random();
        KeySlots.add(backend, ID, first, "alice".toCharArray(), NOW, CHEAP);
        KeySlots.Slot bob = KeySlots.add(backend, ID, first, "bob".toCharArray(), NOW, CHEAP);
        Path bobsCopy = temp.resolve("bob.json");
        Files.copy(temp.resolve("repo").resolve(KeySlots.key(bob.id())), bobsCopy);
        put(EncryptedStorage.unlock(backend, ID, "alice".toCharArray()), "sources/a/old", "before");

        // bob leaves: his slot goes, then the key rotates
        assertThatThrownBy(() -> KeySlots.rotate(backend, ID, "alice".toCharArray(), NOW))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining(bob.id());
        KeySlots.remove(backend, bob.id());
        MasterKey rotated = KeySlots.rotate(backend, ID, "alice".toCharArray(), NOW);
        assertThat(rotated.generations()).isEqualTo(2);
        assertThat(KeySlots.list(backend)).allSatisfy(s -> assertThat(s.generations()).isEqualTo(2));

        EncryptedStorage alice = EncryptedStorage.unlock(backend, ID, "alice".toCharArray());
        assertThat(alice.masterKey()).isEqualTo(rotated);
        put(alice, "sources/a/new", "after");
        assertThat(get(alice, "sources/a/old")).isEqualTo("before");
        assertThat(get(alice, "sources/a/new")).isEqualTo("after");
        assertThat(readHeader(backend, "sources/a/old")[7]).isEqualTo((byte) 0);
        assertThat(readHeader(backend, "sources/a/new")[7]).isEqualTo((byte) 1);

        // bob kept his slot file (or the master key it held): the old object, not the new one
        Files.copy(bobsCopy, temp.resolve("repo").resolve(KeySlots.key(bob.id())));
        EncryptedStorage old = new EncryptedStorage(backend, first, ID);
        assertThat(get(old, "sources/a/old")).isEqualTo("before");
        assertThatThrownBy(() -> get(old, "sources/a/new")).isInstanceOf(DamagedObjectException.class)
                .hasMessageContaining("sources/a/new").hasMessageContaining("master key generation 1");
        // alice still opens the rotated keys, whatever order the slots are tried in
        assertThat(EncryptedStorage.unlock(backend, ID, "alice".toCharArray()).masterKey()).isEqualTo(rotated);

        // the generation byte is authenticated: set back to 0 it fails, never reads with the old key
        Path stored = temp.resolve("repo").resolve("sources/a/new");
        byte[] b = Files.readAllBytes(stored);
        b[7] = 0;
        Files.write(stored, b);
        assertThatThrownBy(() -> get(alice, "sources/a/new")).isInstanceOf(DamagedObjectException.class)
                .hasMessageContaining("fails authentication");
    }

    @Test
    void aWrongPasswordRotatesNothing() throws Exception {
        FileStorage backend = new FileStorage(temp.resolve("repo"));
        KeySlots.add(backend, ID, MasterKey.random(), "alice".toCharArray(), NOW, CHEAP);
        assertThatThrownBy(() -> KeySlots.rotate(backend, ID, "nope".toCharArray(), NOW))
                .isInstanceOf(WrongPasswordException.class);
        assertThat(KeySlots.list(backend)).allSatisfy(s -> assertThat(s.generations()).isEqualTo(1));
    }

    private static byte[] readHeader(FileStorage backend, String key) throws IOException {
        try (InputStream in = backend.get(key)) {
            return in.readNBytes(Chunks.HEADER);
        }
    }
}
