package io.redback.backup;

import io.redback.rdb.RdbHeader;
import io.redback.rdb.RdbKey;
import io.redback.rdb.KeyCounts;
import io.redback.rdb.RdbVisitor;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Counts what a snapshot manifest tells about the RDB (keys per database and type, keys with an
 * expiry) and keeps the aux fields it quotes (redis-ver, valkey-ver, repl-id, repl-offset).
 * It never looks at values, so the reader validates them without copying.
 */
final class SnapshotCounter implements RdbVisitor {
    RdbHeader header;
    String redisVersion;
    String valkeyVersion;
    String replicationId;
    Long replicationOffset;
    long keys;
    long keysWithExpiry;
    private final KeyCounts counts = new KeyCounts();

    @Override
    public boolean wantsValues() {
        return false;
    }

    @Override
    public void header(RdbHeader h) {
        header = h;
    }

    @Override
    public void aux(byte[] key, byte[] value) {
        String k = new String(key, StandardCharsets.US_ASCII);
        switch (k) {
            case "redis-ver" -> redisVersion = text(value);
            case "valkey-ver" -> valkeyVersion = text(value);
            case "repl-id" -> replicationId = text(value);
            case "repl-offset" -> {
                try {
                    replicationOffset = Long.parseLong(text(value));
                } catch (NumberFormatException ignored) {
                    // Not ours to judge: the offset is just not known.
                }
            }
            default -> {
            }
        }
    }

    @Override
    public void endKey(RdbKey key, long elements, long valueBytes) {
        keys++;
        counts.add(key);
        if (key.hasExpiry()) {
            keysWithExpiry++;
        }
    }

    /** Database number to data type ("string", "hash", ...) to keys, sorted. */
    Map<Integer, Map<String, Long>> keysPerDbAndType() {
        return counts.perDbAndType();
    }

    private static String text(byte[] value) {
        return new String(value, StandardCharsets.UTF_8);
    }
}
