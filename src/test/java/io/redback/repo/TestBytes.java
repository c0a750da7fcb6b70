package io.redback.repo;

import io.redback.bytes.Sha256;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/** Test data that never has to sit in memory whole: deterministic pseudo-random streams and their digests. */
public final class TestBytes {
    private TestBytes() {
    }

    /** size bytes from a xorshift generator seeded with seed; the same seed gives the same bytes. */
    public static InputStream stream(long seed, long size) {
        return new InputStream() {
            private long state = seed * 0x9E3779B97F4A7C15L + 1;
            private long left = size;

            @Override
            public int read() {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (left <= 0) {
                    return -1;
                }
                int n = (int) Math.min(len, left);
                for (int i = 0; i < n; i++) {
                    state ^= state << 13;
                    state ^= state >>> 7;
                    state ^= state << 17;
                    b[off + i] = (byte) state;
                }
                left -= n;
                return n;
            }
        };
    }

    /** SHA-256 of everything in (which is closed), hex. */
    public static String sha256(InputStream in) {
        try (in) {
            MessageDigest digest = Sha256.create();
            byte[] buffer = new byte[1 << 16];
            for (int n; (n = in.read(buffer)) >= 0; ) {
                digest.update(buffer, 0, n);
            }
            return Sha256.hex(digest.digest());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static String sha256(byte[] bytes) {
        return sha256(new java.io.ByteArrayInputStream(bytes));
    }

    public static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    public static String readString(InputStream in) throws IOException {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
