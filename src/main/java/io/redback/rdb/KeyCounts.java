package io.redback.rdb;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * Keys per database and type, counted for every key of an RDB: arrays indexed by type, so the
 * per-key cost is an increment. The maps are built once, when asked for.
 */
public final class KeyCounts {
    private final TreeMap<Integer, long[]> perDb = new TreeMap<>();
    private int lastDb = -1;
    private long[] lastCounts;

    public void add(RdbKey key) {
        add(key.db(), key.type());
    }

    /** Counts a key of this type in database db. */
    public void add(int db, RdbType type) {
        if (db != lastDb) {
            lastDb = db;
            lastCounts = perDb.computeIfAbsent(lastDb, d -> new long[RdbType.values().length]);
        }
        lastCounts[type.ordinal()]++;
    }

    /** Database number to data type ("string", "hash", ...) to keys, sorted. */
    public Map<Integer, Map<String, Long>> perDbAndType() {
        Map<Integer, Map<String, Long>> out = new TreeMap<>();
        perDb.forEach((db, counts) -> {
            Map<String, Long> types = new TreeMap<>();
            for (RdbType t : RdbType.values()) {
                if (counts[t.ordinal()] > 0) {
                    types.merge(t.dataType(), counts[t.ordinal()], Long::sum);
                }
            }
            out.put(db, Collections.unmodifiableMap(types));
        });
        return Collections.unmodifiableMap(out);
    }

    /** "type/encoding" (e.g. "hash/listpack") to keys, over all databases, sorted. */
    public Map<String, Long> perEncoding() {
        Map<String, Long> out = new TreeMap<>();
        perDb.values().forEach(counts -> {
            for (RdbType t : RdbType.values()) {
                if (counts[t.ordinal()] > 0) {
                    out.merge(t.dataType() + "/" + t.encoding(), counts[t.ordinal()], Long::sum);
                }
            }
        });
        return Collections.unmodifiableMap(out);
    }
}
