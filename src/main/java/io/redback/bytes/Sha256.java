package io.redback.bytes;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * SHA-256, the hash every manifest records (stored and raw bytes of snapshots and segments), in
 * one place: a new digest without the checked exception of asking for it by name (every JVM has
 * SHA-256), and the lower-case hex the manifests hold.
 */
public final class Sha256 {
    private Sha256() {}

    /** A new SHA-256 digest. */
    public static MessageDigest create() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no SHA-256", e);
        }
    }

    /** A digest as lower-case hex, as manifests write it. */
    public static String hex(byte[] digest) {
        return HexFormat.of().formatHex(digest);
    }

    /** The SHA-256 of all of data, as lower-case hex. */
    public static String of(byte[] data) {
        return hex(create().digest(data));
    }
}
