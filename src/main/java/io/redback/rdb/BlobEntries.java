package io.redback.rdb;

/**
 * The entries of one embedded blob, collected by a single validating walk so that the
 * type-specific rules (pairs, duplicates, stream layout) can be checked before anything is
 * delivered. Arrays are reused from blob to blob; strings stay views into the blob.
 */
final class BlobEntries implements EntrySink {
    byte[] buf;
    int count;
    boolean[] isInt = new boolean[256];
    long[] ints = new long[256];
    int[] offs = new int[256];
    int[] lens = new int[256];
    /** Entries kept at most; past it the walk goes on validating but records nothing more. */
    private int limit = Integer.MAX_VALUE;
    private boolean overflow;

    void limit(int max) {
        limit = max;
    }

    void reset(byte[] blob) {
        buf = blob;
        count = 0;
        overflow = false;
    }

    /** Whether the last blob had more entries than the limit (then only the first ones are here). */
    boolean overflowed() {
        return overflow;
    }

    private void grow() {
        if (count >= limit) {
            overflow = true;
            return;
        }
        int n = (int) Math.min(limit, isInt.length * 2L);
        isInt = java.util.Arrays.copyOf(isInt, n);
        ints = java.util.Arrays.copyOf(ints, n);
        offs = java.util.Arrays.copyOf(offs, n);
        lens = java.util.Arrays.copyOf(lens, n);
    }

    @Override
    public void string(byte[] b, int off, int len) {
        if (count == isInt.length) {
            grow();
            if (overflow) {
                return;
            }
        }
        isInt[count] = false;
        offs[count] = off;
        lens[count] = len;
        count++;
    }

    @Override
    public void integer(long value) {
        if (count == isInt.length) {
            grow();
            if (overflow) {
                return;
            }
        }
        isInt[count] = true;
        ints[count] = value;
        count++;
    }

    /** The fingerprint of entry i, for duplicate detection. */
    long fingerprint(int i) {
        return isInt[i] ? Fingerprints.ofLong(ints[i]) : Fingerprints.of(buf, offs[i], lens[i]);
    }

    /** Entry i as a long if it is an integer (or a decimal string that fits), else null-ish. */
    boolean asLong(int i, long[] out) {
        if (isInt[i]) {
            out[0] = ints[i];
            return true;
        }
        return Numbers.parseLong(buf, offs[i], lens[i], out);
    }

    String describe(int i) {
        return isInt[i] ? Long.toString(ints[i]) : "\"" + Printable.escape(buf, offs[i], lens[i], 60) + "\"";
    }
}
