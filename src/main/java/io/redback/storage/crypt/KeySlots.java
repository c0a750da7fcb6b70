package io.redback.storage.crypt;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.redback.storage.Storage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.crypto.generators.SCrypt;

/**
 * The key slots under {@code keys/}: the master key wrapped with AES-256-GCM by a key derived
 * from one password with scrypt, its parameters recorded in the slot. Adding, listing and
 * removing slots, and unlocking the master key with a password.
 */
public final class KeySlots {
    /** Where key slots live; they stay plaintext JSON. */
    public static final String PREFIX = "keys/";
    private static final ObjectMapper JSON = new ObjectMapper()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(SerializationFeature.INDENT_OUTPUT);

    private KeySlots() {
    }

    /** scrypt's cost parameters; {@link #DEFAULT} costs 32 MiB and a fraction of a second. */
    public record Scrypt(int n, int r, int p) {
        public static final Scrypt DEFAULT = new Scrypt(1 << 15, 8, 1);

        public Scrypt {
            if (n < 2 || (n & (n - 1)) != 0 || r < 1 || p < 1) {
                throw new IllegalArgumentException("scrypt needs N a power of 2 and r, p of 1 or more");
            }
        }
    }

    /**
     * One key slot as stored in {@code keys/<id>.json}; keys is how many master key generations
     * it wraps (absent in slots written before rotations existed: one).
     */
    @JsonPropertyOrder({"version", "id", "created", "kdf", "n", "r", "p", "keys", "salt", "nonce", "wrapped"})
    public record Slot(int version, String id, String created, String kdf, int n, int r, int p, int keys, String salt,
            String nonce, String wrapped) {
        /** How many master key generations this slot wraps. */
        public int generations() {
            return Math.max(1, keys);
        }
    }

    /** A master key opened by a password, and the slot that opened it. */
    public record Unlocked(MasterKey key, String slotId) {
    }

    /** Adds a slot holding key under password; returns it. */
    public static Slot add(Storage storage, String repositoryId, MasterKey key, char[] password, Instant now,
            Scrypt cost) throws IOException {
        byte[] id = new byte[4];
        new SecureRandom().nextBytes(id);
        return write(storage, repositoryId, HexFormat.of().formatHex(id), key, password, now, cost);
    }

    private static Slot write(Storage storage, String repositoryId, String slotId, MasterKey key, char[] password,
            Instant now, Scrypt cost) throws IOException {
        SecureRandom random = new SecureRandom();
        byte[] salt = new byte[32];
        random.nextBytes(salt);
        byte[] nonce = new byte[12];
        random.nextBytes(nonce);
        byte[] wrapped;
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, wrappingKey(password, salt, cost), new GCMParameterSpec(128, nonce));
            c.updateAAD(Chunks.join("redback key slot", repositoryId, slotId));
            wrapped = c.doFinal(key.bytes());
        } catch (GeneralSecurityException e) {
            throw new IOException("could not wrap the master key: " + e.getMessage(), e);
        }
        Base64.Encoder b64 = Base64.getEncoder();
        Slot slot = new Slot(1, slotId, now.truncatedTo(ChronoUnit.SECONDS).toString(), "scrypt", cost.n(), cost.r(),
                cost.p(), key.generations(), b64.encodeToString(salt), b64.encodeToString(nonce), b64.encodeToString(wrapped));
        byte[] json = JSON.writeValueAsBytes(slot);
        storage.put(key(slotId), new ByteArrayInputStream(json), json.length);
        return slot;
    }

    /** Every slot, sorted by id; a slot that cannot be read is an exception naming it. */
    public static List<Slot> list(Storage storage) throws IOException {
        List<Slot> slots = new ArrayList<>();
        for (Storage.ObjectInfo o : storage.list(PREFIX)) {
            if (!o.key().endsWith(".json")) {
                continue;
            }
            try (InputStream in = storage.get(o.key())) {
                slots.add(JSON.readValue(in.readNBytes(64 * 1024), Slot.class));
            } catch (IOException e) {
                throw new IOException("key slot " + o.key() + " cannot be read: " + e.getMessage(), e);
            }
        }
        return slots;
    }

    /**
     * The master key, from the first slot that password opens. A {@link WrongPasswordException}
     * when none does (also when there are no slots).
     */
    public static Unlocked unlock(Storage storage, String repositoryId, char[] password) throws IOException {
        List<Slot> slots = new ArrayList<>(list(storage));
        if (slots.isEmpty()) {
            throw new WrongPasswordException("the encrypted repository at " + storage.describe()
                    + " has no key slot (" + PREFIX + " is empty): it cannot be opened");
        }
        // The slots with the most generations first: a rotation cut short leaves some slots behind.
        slots.sort(java.util.Comparator.comparingInt(Slot::generations).reversed());
        for (Slot s : slots) {
            Optional<MasterKey> key = open(s, repositoryId, password);
            if (key.isPresent()) {
                return new Unlocked(key.get(), s.id());
            }
        }
        throw new WrongPasswordException("wrong password for the encrypted repository at " + storage.describe());
    }

    /**
     * {@code key rotate}: a new master key generation, which seals every object written from now
     * on, re-wrapped into every slot; the password must open every slot (a slot left with the old
     * keys would go on sealing new objects with an old key). Returns the new keys. Objects already
     * stored keep their generation: a rotation re-encrypts nothing.
     */
    public static MasterKey rotate(Storage storage, String repositoryId, char[] password, Instant now)
            throws IOException {
        List<Slot> slots = list(storage);
        MasterKey newest = null;
        List<String> closed = new ArrayList<>();
        for (Slot s : slots) {
            Optional<MasterKey> key = open(s, repositoryId, password);
            if (key.isEmpty()) {
                closed.add(s.id());
            } else if (newest == null || key.get().generations() > newest.generations()) {
                newest = key.get();
            }
        }
        if (newest == null) {
            throw new WrongPasswordException("wrong password for the encrypted repository at " + storage.describe());
        }
        if (!closed.isEmpty()) {
            throw new IllegalStateException("key slot(s) " + String.join(", ", closed) + " do not open with this "
                    + "password and could not be given the new key: remove them first (`redback key remove ID`) and "
                    + "add them again after the rotation (`redback key add`)");
        }
        MasterKey rotated = newest.rotated();
        for (Slot s : slots) {
            write(storage, repositoryId, s.id(), rotated, password, now, new Scrypt(s.n(), s.r(), s.p()));
        }
        return rotated;
    }

    /** The master keys slot s wraps, if password opens it. */
    private static Optional<MasterKey> open(Slot s, String repositoryId, char[] password) throws IOException {
        try {
            Base64.Decoder b64 = Base64.getDecoder();
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.DECRYPT_MODE, wrappingKey(password, b64.decode(s.salt()), new Scrypt(s.n(), s.r(), s.p())),
                    new GCMParameterSpec(128, b64.decode(s.nonce())));
            c.updateAAD(Chunks.join("redback key slot", repositoryId, s.id()));
            return Optional.of(new MasterKey(c.doFinal(b64.decode(s.wrapped()))));
        } catch (AEADBadTagException e) {
            return Optional.empty(); // not this slot's password
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IOException("key slot " + key(s.id()) + " is damaged: " + e.getMessage(), e);
        }
    }

    /** Removes slot id; refuses to remove the last slot, or one that is not there. */
    public static void remove(Storage storage, String id) throws IOException {
        List<Slot> slots = list(storage);
        if (slots.stream().noneMatch(s -> s.id().equals(id))) {
            throw new IllegalArgumentException("no key slot " + id + " in " + storage.describe());
        }
        if (slots.size() == 1) {
            throw new IllegalStateException("key slot " + id + " is the last one: add another before removing it, "
                    + "or the repository can never be opened again");
        }
        storage.delete(key(id));
    }

    static String key(String slotId) {
        return PREFIX + slotId + ".json";
    }

    private static SecretKeySpec wrappingKey(char[] password, byte[] salt, Scrypt cost) {
        ByteBuffer encoded = StandardCharsets.UTF_8.encode(CharBuffer.wrap(password));
        byte[] pw = Arrays.copyOf(encoded.array(), encoded.limit());
        Arrays.fill(encoded.array(), (byte) 0);
        try {
            return new SecretKeySpec(SCrypt.generate(pw, salt, cost.n(), cost.r(), cost.p(), 32), "AES");
        } finally {
            Arrays.fill(pw, (byte) 0);
        }
    }
}
