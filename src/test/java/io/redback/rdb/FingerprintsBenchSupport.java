package io.redback.rdb;

/**
 * Public door to the package-private fingerprint table for the JMH benchmarks in
 * {@code io.redback.bench}: one key's members added after a clear, as a check does per key.
 */
public final class FingerprintsBenchSupport {
    private final Fingerprints table = new Fingerprints();

    /** Clears the table and adds members fingerprints from first on; returns how many were new. */
    public int key(long first, int members) {
        table.clear();
        int added = 0;
        for (int i = 0; i < members; i++) {
            if (table.add(Fingerprints.ofLong(first + i))) {
                added++;
            }
        }
        return added;
    }
}
