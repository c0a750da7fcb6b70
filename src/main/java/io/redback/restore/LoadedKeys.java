package io.redback.restore;

import io.redback.pitr.RestoreException;
import io.redback.rdb.RdbException;
import io.redback.rdb.RdbKey;
import io.redback.rdb.RdbReader;
import io.redback.rdb.RdbVisitor;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The keys per database a server loaded, against what the RDB it loaded holds: every key of
 * the RDB, less those whose TTL had passed. Keys expire while the server loads and counts, so
 * the expected count is a range: all keys less those expired when the server started
 * ({@code most}), down to all keys less those expired when it was asked ({@code least}).
 *
 * @param dbs every database the RDB or the server has keys in, in order
 */
public record LoadedKeys(List<Db> dbs) {
    /** One database: the server's count, the RDB's, and the range expected. */
    public record Db(int db, long loaded, long inRdb, long least, long most) {
        public boolean matches() {
            return loaded >= least && loaded <= most;
        }
    }

    public LoadedKeys {
        dbs = List.copyOf(dbs);
    }

    /** Whether every database's count is in its range. */
    public boolean matches() {
        return dbs.stream().allMatch(Db::matches);
    }

    /**
     * Reads rdb (keys only) and compares with loaded.
     *
     * @param loaded    keys per database as the server counted them
     * @param startedMs when the server started loading (unix ms)
     * @param countedMs when it was asked (unix ms)
     * @throws RestoreException DAMAGED when the RDB cannot be read again
     */
    public static LoadedKeys compare(Path rdb, Map<Integer, Long> loaded, long startedMs, long countedMs)
            throws IOException, RestoreException {
        Expiring counts = new Expiring(startedMs, countedMs);
        try (InputStream in = new BufferedInputStream(Files.newInputStream(rdb), 1 << 16)) {
            new RdbReader(in).read(counts);
        } catch (RdbException e) {
            throw new RestoreException(RestoreException.Kind.DAMAGED, rdb + " could not be read again: "
                    + e.getMessage());
        }
        TreeSet<Integer> all = new TreeSet<>(counts.total.keySet());
        all.addAll(loaded.keySet());
        List<Db> dbs = new ArrayList<>();
        for (int db : all) {
            long total = counts.total.getOrDefault(db, 0L);
            dbs.add(new Db(db, loaded.getOrDefault(db, 0L), total,
                    total - counts.expiredAfter.getOrDefault(db, 0L),
                    total - counts.expiredBefore.getOrDefault(db, 0L)));
        }
        return new LoadedKeys(dbs);
    }

    /** Keys per db, and those whose TTL had passed by two instants. */
    private static final class Expiring implements RdbVisitor {
        final long t0;
        final long t1;
        final Map<Integer, Long> total = new TreeMap<>();
        final Map<Integer, Long> expiredBefore = new TreeMap<>();
        final Map<Integer, Long> expiredAfter = new TreeMap<>();

        Expiring(long t0, long t1) {
            this.t0 = t0;
            this.t1 = t1;
        }

        @Override
        public boolean wantsValues() {
            return false;
        }

        @Override
        public void startKey(RdbKey key) {
            total.merge(key.db(), 1L, Long::sum);
            if (key.hasExpiry()) {
                if (key.expireAtMs() <= t0) {
                    expiredBefore.merge(key.db(), 1L, Long::sum);
                }
                if (key.expireAtMs() <= t1) {
                    expiredAfter.merge(key.db(), 1L, Long::sum);
                }
            }
        }
    }
}
