package io.redback.storage.crypt;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.generators.HKDFBytesGenerator;
import org.bouncycastle.crypto.params.HKDFParameters;

/**
 * The byte layout of one encrypted object (docs/repository-format.md, "One encrypted object"):
 * a 40-byte header, then AES-256-GCM chunks of 64 KiB of plaintext, each with its 16-byte tag,
 * the chunk index and a last-chunk flag in the nonce. One instance seals or opens the chunks of
 * one object; it holds that object's data key.
 */
final class Chunks {
    static final int CHUNK = 1 << 16;
    static final int TAG = 16;
    static final int SEALED = CHUNK + TAG;
    static final int HEADER = 40;
    static final int SALT = 32;
    /** The repository format an encrypted repository has; bound into every chunk. */
    static final int FORMAT = 2;
    private static final byte[] MAGIC = {'R', 'B', 'X', '1'};
    private static final byte VERSION = 1;

    private final String objectKey;
    private final SecretKeySpec dataKey;
    private final byte[] associated;
    private final Cipher cipher;

    private Chunks(String objectKey, SecretKeySpec dataKey, byte[] associated) {
        this.objectKey = objectKey;
        this.dataKey = dataKey;
        this.associated = associated;
        try {
            this.cipher = Cipher.getInstance("AES/GCM/NoPadding");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this Java has no AES/GCM: " + e.getMessage(), e);
        }
    }

    String objectKey() {
        return objectKey;
    }

    /** A new header with a fresh random salt, naming the master key generation that seals the object. */
    static byte[] newHeader(java.security.SecureRandom random, int generation) {
        byte[] h = new byte[HEADER];
        System.arraycopy(MAGIC, 0, h, 0, 4);
        h[4] = VERSION;
        h[5] = 16; // log2(CHUNK)
        h[6] = (byte) (generation >>> 8);
        h[7] = (byte) generation;
        byte[] salt = new byte[SALT];
        random.nextBytes(salt);
        System.arraycopy(salt, 0, h, 8, SALT);
        return h;
    }

    /** The chunks of the object stored under objectKey with this header; refuses a header that is not ours. */
    static Chunks of(MasterKey master, String repositoryId, String objectKey, byte[] header) throws IOException {
        if (header.length < 4 || header[0] != MAGIC[0] || header[1] != MAGIC[1] || header[2] != MAGIC[2] || header[3] != MAGIC[3]) {
            throw damaged(objectKey, "it does not start as an encrypted object (a plaintext object, or damaged)");
        }
        if (header.length < HEADER) {
            throw damaged(objectKey, "it is shorter than its header (" + header.length + " bytes)");
        }
        if (header[4] != VERSION || header[5] != 16) {
            throw damaged(objectKey, "its header has version " + header[4] + " and chunk size 2^" + header[5]
                    + ", which this release does not read");
        }
        // The generation is in the associated data too: changing it fails authentication.
        int generation = ((header[6] & 0xff) << 8) | (header[7] & 0xff);
        if (generation >= master.generations()) {
            throw damaged(objectKey, "it is sealed with master key generation " + generation + ", and the key slot "
                    + "that opened the repository holds only " + master.generations() + " (the master key was rotated "
                    + "after that slot was last re-wrapped, or the header was changed)");
        }
        byte[] salt = java.util.Arrays.copyOfRange(header, 8, HEADER);
        byte[] info = join("redback object", repositoryId, objectKey);
        HKDFBytesGenerator hkdf = new HKDFBytesGenerator(new SHA256Digest());
        hkdf.init(new HKDFParameters(master.generation(generation), salt, info));
        byte[] key = new byte[32];
        hkdf.generateBytes(key, 0, key.length);
        ByteBuffer ad = ByteBuffer.allocate(8 + 1 + repositoryId.length() * 3 + 1 + objectKey.length() * 3 + 1 + 8);
        ad.put("redback".getBytes(StandardCharsets.US_ASCII)).put((byte) 0).put((byte) FORMAT)
                .put(repositoryId.getBytes(StandardCharsets.UTF_8)).put((byte) 0)
                .put(objectKey.getBytes(StandardCharsets.UTF_8)).put((byte) 0).put(header, 0, 8);
        byte[] associated = java.util.Arrays.copyOf(ad.array(), ad.position());
        return new Chunks(objectKey, new SecretKeySpec(key, "AES"), associated);
    }

    /** Seals plaintext chunk index (len bytes of in) into out; returns the sealed length. */
    int seal(long index, boolean last, byte[] in, int len, byte[] out) throws IOException {
        try {
            cipher.init(Cipher.ENCRYPT_MODE, dataKey, new GCMParameterSpec(TAG * 8, nonce(index, last)));
            cipher.updateAAD(associated);
            return cipher.doFinal(in, 0, len, out, 0);
        } catch (GeneralSecurityException e) {
            throw new IOException("could not encrypt " + objectKey + ": " + e.getMessage(), e);
        }
    }

    /** Opens sealed chunk index (len bytes of in) into out; returns the plaintext length, or throws naming the object. */
    int open(long index, boolean last, byte[] in, int len, byte[] out) throws IOException {
        if (len < TAG) {
            throw damaged(objectKey, "chunk " + index + " is cut short (" + len + " bytes)");
        }
        try {
            cipher.init(Cipher.DECRYPT_MODE, dataKey, new GCMParameterSpec(TAG * 8, nonce(index, last)));
            cipher.updateAAD(associated);
            return cipher.doFinal(in, 0, len, out, 0);
        } catch (AEADBadTagException e) {
            throw damaged(objectKey, "chunk " + index + (last ? " (the last)" : "") + " fails authentication: the object "
                    + "was changed, cut, extended, reordered or stored under another name");
        } catch (GeneralSecurityException e) {
            throw new IOException("could not decrypt " + objectKey + ": " + e.getMessage(), e);
        }
    }

    private static byte[] nonce(long index, boolean last) {
        byte[] n = new byte[12];
        ByteBuffer.wrap(n).putLong(index);
        n[11] = (byte) (last ? 1 : 0);
        return n;
    }

    static byte[] join(String... parts) {
        return String.join("\0", parts).getBytes(StandardCharsets.UTF_8);
    }

    static DamagedObjectException damaged(String objectKey, String why) {
        return new DamagedObjectException(objectKey, why);
    }

    /** How many chunks an object of this plaintext size has (at least one). */
    static long chunks(long plain) {
        return Math.max(1, (plain + CHUNK - 1) / CHUNK);
    }

    /** The stored size of plain bytes of plaintext: exact, since chunking is fixed. */
    static long storedSize(long plain) {
        return HEADER + plain + TAG * chunks(plain);
    }

    /** How many chunks a stored object of this size has (at least one). */
    static long storedChunks(long stored) {
        return Math.max(1, (stored - HEADER + SEALED - 1) / SEALED);
    }

    /**
     * The plaintext size of a stored object of this size; a size no encrypted object can have
     * (cut inside a header or a tag) gives an approximation, never negative, and reading fails.
     */
    static long plainSize(long stored) {
        return Math.max(0, stored - HEADER - TAG * storedChunks(stored));
    }
}
