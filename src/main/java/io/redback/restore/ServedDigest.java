package io.redback.restore;

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
    private static final byte[] ONE_BYTE_NAME = {'k'};

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
        return of(c::call, c.address(), key);
    }

    /** One command's reply: a connection's, or one that follows a cluster's redirects. */
    @FunctionalInterface
    public interface Reads {
        Object call(Object... command) throws IOException;
    }

    /** As {@link #of(RedisConnection, byte[])}, with the commands sent through c; from names the server. */
    public byte[] of(Reads c, String from, byte[] key) throws IOException {
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
                    + from + " does not read: " + e.getMessage(), e);
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
        int version = DumpRdb.version(payload);
        ByteArrayOutputStream rdb = new ByteArrayOutputStream(n + 32);
        DumpRdb one = new DumpRdb(rdb, version);
        one.key(ONE_BYTE_NAME, hasExpiry, SOME_EXPIRY_MS, payload); // the name is not part of the digest
        one.finish();
        byte[][] out = new byte[1][];
        new RdbReader(new ByteArrayInputStream(rdb.toByteArray())).read(new KeyDigest(scoreFormat, (k, d) -> out[0] = d));
        return out[0];
    }
}
