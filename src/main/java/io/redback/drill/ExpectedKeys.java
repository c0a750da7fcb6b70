package io.redback.drill;

import io.redback.rdb.FunctionCode;
import io.redback.rdb.RdbKey;
import io.redback.rdb.RdbVisitor;
import io.redback.restore.KeyDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.random.RandomGenerator;

/**
 * What a drill expects to be served, read in one pass over the RDB (or several, one after the
 * other): keys per type with their expiries, function library names, and a reservoir sample of
 * the keys still alive with their digests; shared by the single-server and the cluster drill.
 */
final class ExpectedKeys {
    /** Keys expiring this soon after the count are left out of the sample: they may be gone when read. */
    static final long EXPIRY_MARGIN_MS = 60_000;

    private ExpectedKeys() {
    }

    /** A key of the sample: where it is and its digest in the RDB. */
    record Sampled(int db, byte[] name, byte[] digest) {
    }

    /**
     * One pass over the RDB: keys per type with their expiries, function library names, and a
     * reservoir sample of the keys still alive (Algorithm R: every key equally likely, memory
     * bounded by the sample's size).
     */
    static final class Expected implements RdbVisitor {
        final Map<String, Long> typeTotal = new TreeMap<>();
        final Map<String, Long> typeExpiredBefore = new TreeMap<>();
        final Map<String, Long> typeExpiredAfter = new TreeMap<>();
        final List<String> libraries = new ArrayList<>();
        final List<Sampled> sample = new ArrayList<>();
        private final KeyDigest digest;
        private final int size;
        private final long t0;
        private final long t1;
        private final RandomGenerator random;
        private long candidates;

        Expected(KeyDigest.ScoreFormat format, int size, long t0, long t1, RandomGenerator random) {
            this.size = size;
            this.t0 = t0;
            this.t1 = t1;
            this.random = random;
            this.digest = new KeyDigest(format, this::offer);
        }

        @Override
        public void function(byte[] code) {
            String name = FunctionCode.libraryName(code);
            if (name != null && !libraries.contains(name)) {
                libraries.add(name);
            }
        }

        @Override
        public void startKey(RdbKey key) {
            String t = key.type().dataType();
            typeTotal.merge(t, 1L, Long::sum);
            if (key.hasExpiry() && key.expireAtMs() <= t0) {
                typeExpiredBefore.merge(t, 1L, Long::sum);
            }
            if (key.hasExpiry() && key.expireAtMs() <= t1) {
                typeExpiredAfter.merge(t, 1L, Long::sum);
            }
            digest.startKey(key);
        }

        @Override
        public void element(io.redback.rdb.Element element) {
            digest.element(element);
        }

        @Override
        public void endKey(RdbKey key, long elements, long valueBytes) {
            digest.endKey(key, elements, valueBytes);
        }

        /** Keys in the RDB(s) read so far. */
        long total() {
            return typeTotal.values().stream().mapToLong(Long::longValue).sum();
        }

        /** Of those, keys whose expiry was at or before the first time given (the load's start). */
        long expiredBefore() {
            return typeExpiredBefore.values().stream().mapToLong(Long::longValue).sum();
        }

        /** Of those, keys whose expiry was at or before the second time given (the count's time). */
        long expiredAfter() {
            return typeExpiredAfter.values().stream().mapToLong(Long::longValue).sum();
        }

        private void offer(RdbKey key, byte[] d) {
            if (d == null || size == 0 || (key.hasExpiry() && key.expireAtMs() <= t1 + EXPIRY_MARGIN_MS)) {
                return;
            }
            candidates++;
            Sampled s = new Sampled(key.db(), key.name().clone(), d);
            if (size < 0 || sample.size() < size) {
                sample.add(s);
            } else {
                long j = random.nextLong(candidates);
                if (j < size) {
                    sample.set((int) j, s);
                }
            }
        }
    }
}
