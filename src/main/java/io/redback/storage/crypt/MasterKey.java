package io.redback.storage.crypt;

import java.security.SecureRandom;
import java.util.Arrays;

/**
 * A repository's 256-bit master key, from which every object's data key is derived. It exists
 * in the clear only in memory; the repository stores it wrapped in key slots ({@link KeySlots}).
 */
public final class MasterKey {
    static final int LENGTH = 32;
    private final byte[] bytes;

    MasterKey(byte[] bytes) {
        if (bytes.length != LENGTH) {
            throw new IllegalArgumentException("a master key has " + LENGTH + " bytes, not " + bytes.length);
        }
        this.bytes = bytes.clone();
    }

    /** A new random master key (for {@code init --encrypt}). */
    public static MasterKey random() {
        byte[] b = new byte[LENGTH];
        new SecureRandom().nextBytes(b);
        return new MasterKey(b);
    }

    byte[] bytes() {
        return bytes;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MasterKey k && java.security.MessageDigest.isEqual(bytes, k.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return "MasterKey[hidden]";
    }
}
