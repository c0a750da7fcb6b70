package io.redback.restore;

import io.redback.rdb.Crc64;
import io.redback.rdb.RdbException;
import io.redback.rdb.RdbReader;
import io.redback.redis.RedisConnection;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * The {@link KeyDigest} of a key as a running server holds it, computed without any debug
 * command: the key's {@code DUMP} payload (its value in RDB encoding, the 2-byte RDB version and
 * a CRC64) is checked, wrapped into a one-key RDB and read by the same {@link RdbReader} that
 * reads backups, and {@code PTTL} says whether the key has an expiry (the digest counts that, not
 * when). The result equals {@code DEBUG DIGEST-VALUE key} on that server, so a drill or a
 * verification compares what a server serves with what an RDB or the log holds, key by key. The
 * {@link KeyDigest.ScoreFormat} is the serving release's ({@link KeyDigest.ScoreFormat#forVersion}).
 */
public final class ServedDigest {
    /** What Redis writes as the expiry of a key whose expiry counts but not when (far in the future). */
    private static final long SOME_EXPIRY_MS = 4_102_444_800_000L;

    private final KeyDigest.ScoreFormat scoreFormat;

    public ServedDigest(KeyDigest.ScoreFormat scoreFormat) {
        this.scoreFormat = java.util.Objects.requireNonNull(scoreFormat, "scoreFormat");
    }

    /**
     * The digest of key in the database selected on c, or null when the server does not hold it.
     *
     * @throws IOException when the server cannot be asked, or its payload does not read (named)
     */
    public byte[] of(RedisConnection c, byte[] key) throws IOException {
        Object dump = c.call("DUMP", key);
        if (!(dump instanceof byte[] payload)) {
            return null;
        }
        Object ttl = c.call("PTTL", key);
        if (ttl instanceof Long t && t == -2) {
            return null; // expired between the two commands
        }
        try {
            return ofPayload(payload, ttl instanceof Long t && t >= 0);
        } catch (RdbException e) {
            throw new IOException("the DUMP payload of " + new String(key, StandardCharsets.UTF_8) + " from "
                    + c.address() + " does not read: " + e.getMessage(), e);
        }
    }

    /**
     * The digest of a DUMP payload; hasExpiry: whether the key has a TTL. Null for a module value
     * (its digest is the module's to compute).
     *
     * @throws RdbException when its value does not read
     * @throws IOException when the payload is too short or its CRC64 does not match
     */
    public byte[] ofPayload(byte[] payload, boolean hasExpiry) throws RdbException, IOException {
        int n = payload.length;
        if (n < 11) {
            throw new IOException("a DUMP payload of " + n
                    + " bytes; one holds at least a type byte, the 2-byte version and the 8-byte CRC64");
        }
        long stored = 0;
        for (int i = 0; i < 8; i++) {
            stored |= (payload[n - 8 + i] & 0xFFL) << (8 * i);
        }
        long computed = Crc64.update(0, payload, 0, n - 8);
        if (stored != 0 && stored != computed) {
            throw new IOException("the DUMP payload's CRC64 does not match its content");
        }
        int version = (payload[n - 10] & 0xFF) | (payload[n - 9] & 0xFF) << 8;
        ByteArrayOutputStream rdb = new ByteArrayOutputStream(n + 32);
        String header = version >= 80 ? String.format("VALKEY%03d", version) : String.format("REDIS%04d", version);
        rdb.writeBytes(header.getBytes(StandardCharsets.US_ASCII));
        if (hasExpiry) {
            rdb.write(0xFC);
            for (int i = 0; i < 8; i++) {
                rdb.write((int) (SOME_EXPIRY_MS >>> (8 * i)));
            }
        }
        rdb.write(payload[0]); // the type byte
        rdb.write(1);          // a one-byte key name: the name is not part of the digest
        rdb.write('k');
        rdb.write(payload, 1, n - 11);
        rdb.write(0xFF);
        byte[] body = rdb.toByteArray();
        long crc = Crc64.update(0, body, 0, body.length);
        for (int i = 0; i < 8; i++) {
            rdb.write((int) (crc >>> (8 * i)));
        }
        byte[][] out = new byte[1][];
        new RdbReader(new ByteArrayInputStream(rdb.toByteArray())).read(new KeyDigest(scoreFormat, (k, d) -> out[0] = d));
        return out[0];
    }
}
