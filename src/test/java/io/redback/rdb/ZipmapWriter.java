package io.redback.rdb;

import java.io.ByteArrayOutputStream;

/**
 * Builds a zipmap as Redis 2.4's {@code zipmapSet} lays it out, for tests: a count byte (254 once
 * there are 254 pairs or more), then per pair a key length, the key, a value length, a free byte,
 * the value and that many padding bytes, and a final 0xFF.
 */
final class ZipmapWriter {
    private final ByteArrayOutputStream body = new ByteArrayOutputStream();
    private int count;

    ZipmapWriter put(byte[] key, byte[] value) {
        return put(key, value, 0);
    }

    /** Adds a pair whose value is followed by {@code free} unused bytes (Redis keeps up to 4). */
    ZipmapWriter put(byte[] key, byte[] value, int free) {
        writeLength(key.length);
        body.writeBytes(key);
        writeLength(value.length);
        body.write(free);
        body.writeBytes(value);
        for (int i = 0; i < free; i++) {
            body.write(0);
        }
        count++;
        return this;
    }

    byte[] toByteArray() {
        byte[] b = body.toByteArray();
        byte[] out = new byte[b.length + 2];
        out[0] = (byte) Math.min(count, Zipmap.COUNT_UNKNOWN);
        System.arraycopy(b, 0, out, 1, b.length);
        out[out.length - 1] = (byte) Zipmap.END;
        return out;
    }

    private void writeLength(int len) {
        if (len < Zipmap.BIG_LEN) {
            body.write(len);
        } else {
            body.write(Zipmap.BIG_LEN);
            for (int i = 0; i < 4; i++) {
                body.write(len >>> (8 * i));
            }
        }
    }
}
