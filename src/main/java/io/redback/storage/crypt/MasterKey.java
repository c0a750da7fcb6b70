package io.redback.storage.crypt;

import java.security.SecureRandom;
import java.util.Arrays;

/**
 * A repository's master keys, from which every object's data key is derived: one per rotation
 * (generation 0 from {@code init --encrypt}, one more for each {@code key rotate}). New objects
 * are sealed with the newest; an object's header names the generation it was sealed with, so
 * objects of before a rotation stay readable. The keys exist in the clear only in memory; the
 * repository stores them wrapped in key slots ({@link KeySlots}).
 */
public final class MasterKey {
    static final int LENGTH = 32;
    /** A header holds the generation in two bytes. */
    static final int MAX_GENERATIONS = 1 << 16;
    private final byte[] bytes;

    /** Every generation's key, oldest first, LENGTH bytes each. */
    MasterKey(byte[] bytes) {
        if (bytes.length == 0 || bytes.length % LENGTH != 0 || bytes.length / LENGTH > MAX_GENERATIONS) {
            throw new IllegalArgumentException("master keys take a multiple of " + LENGTH + " bytes, not "
                    + bytes.length);
        }
        this.bytes = bytes.clone();
    }

    /** A new random master key (for {@code init --encrypt}). */
    public static MasterKey random() {
        byte[] b = new byte[LENGTH];
        new SecureRandom().nextBytes(b);
        return new MasterKey(b);
    }

    /** These keys and a new random one, which seals every object written with the result. */
    public MasterKey rotated() {
        if (generations() == MAX_GENERATIONS) {
            throw new IllegalStateException("the repository's master key was rotated " + (MAX_GENERATIONS - 1)
                    + " times: no more rotations fit in an object's header");
        }
        byte[] b = Arrays.copyOf(bytes, bytes.length + LENGTH);
        byte[] fresh = new byte[LENGTH];
        new SecureRandom().nextBytes(fresh);
        System.arraycopy(fresh, 0, b, bytes.length, LENGTH);
        Arrays.fill(fresh, (byte) 0);
        return new MasterKey(b);
    }

    /** How many master keys there are: 1 plus the number of rotations. */
    public int generations() {
        return bytes.length / LENGTH;
    }

    /** The generation new objects are sealed with. */
    int newest() {
        return generations() - 1;
    }

    /** The key of one generation (0 to newest()). */
    byte[] generation(int generation) {
        return Arrays.copyOfRange(bytes, generation * LENGTH, (generation + 1) * LENGTH);
    }

    /** Every generation's key, oldest first (what a key slot wraps). */
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
        return "MasterKey[" + generations() + " generation(s), hidden]";
    }
}
