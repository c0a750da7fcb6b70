package io.redback.rdb;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Writes synthetic RDB files byte by byte, for layouts no server at hand produces. */
final class RdbBuilder {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    static RdbBuilder redis(int version) {
        return new RdbBuilder().raw(String.format("REDIS%04d", version).getBytes(StandardCharsets.US_ASCII));
    }

    static RdbBuilder valkey(int version) {
        return new RdbBuilder().raw(String.format("VALKEY%03d", version).getBytes(StandardCharsets.US_ASCII));
    }

    RdbBuilder raw(byte[] b) {
        out.writeBytes(b);
        return this;
    }

    RdbBuilder u8(int b) {
        out.write(b);
        return this;
    }

    RdbBuilder le(long v, int bytes) {
        for (int i = 0; i < bytes; i++) {
            out.write((int) (v >>> (8 * i)));
        }
        return this;
    }

    RdbBuilder be(long v, int bytes) {
        for (int i = bytes - 1; i >= 0; i--) {
            out.write((int) (v >>> (8 * i)));
        }
        return this;
    }

    RdbBuilder len(long n) {
        if (n >= 0 && n < 64) {
            return u8((int) n);
        }
        if (n >= 0 && n < 16384) {
            return u8(0x40 | (int) (n >> 8)).u8((int) n & 0xFF);
        }
        if (n >= 0 && n <= 0xFFFFFFFFL) {
            return u8(0x80).be(n, 4);
        }
        return u8(0x81).be(n, 8);
    }

    RdbBuilder str(byte[] s) {
        return len(s.length).raw(s);
    }

    RdbBuilder str(String s) {
        return str(s.getBytes(StandardCharsets.UTF_8));
    }

    RdbBuilder aux(String k, String v) {
        return u8(0xFA).str(k).str(v);
    }

    RdbBuilder selectDb(int db) {
        return u8(0xFE).len(db);
    }

    RdbBuilder key(int type, String name) {
        return u8(type).str(name);
    }

    RdbBuilder streamId(long ms, long seq) {
        return be(ms, 8).be(seq, 8);
    }

    /** The bytes written so far, with no EOF or footer (for nested values such as stream node keys). */
    byte[] end0() {
        return out.toByteArray();
    }

    /** Appends EOF and, for version 5 and up, the CRC64 footer (or zeroes when checksum is false). */
    byte[] end(boolean checksum) {
        u8(0xFF);
        byte[] body = out.toByteArray();
        String magic = new String(body, 0, 6, StandardCharsets.US_ASCII);
        int version = magic.startsWith("VALKEY") ? Integer.parseInt(new String(body, 6, 3, StandardCharsets.US_ASCII))
                : Integer.parseInt(new String(body, 5, 4, StandardCharsets.US_ASCII));
        if (version >= 5) {
            le(checksum ? Crc64.update(0, body, 0, body.length) : 0, 8);
        }
        return out.toByteArray();
    }

    byte[] end() {
        return end(true);
    }
}
