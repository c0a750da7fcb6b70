package io.redback.drill;

import io.redback.pitr.RestoreException;
import io.redback.rdb.RdbException;
import io.redback.rdb.RdbReader;
import io.redback.redis.RedisConnection;
import io.redback.redis.RedisErrorReply;
import io.redback.restore.KeyDigest;
import io.redback.restore.LoadedKeys;
import io.redback.restore.ServedDigest;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.random.RandomGenerator;

/**
 * The validate phase: what the served server holds against the restored point's RDB. Keys per
 * database and per type (less keys expired by now: a range, as {@link LoadedKeys} counts it),
 * function libraries, the {@code --keys-from} keys, the {@code --assert}s, and the digests of a
 * reservoir sample of the RDB's keys ({@link KeyDigest} on the RDB side, {@link ServedDigest} on
 * the served side). Each kind of problem names its first differences.
 */
final class Validation {
    /** How many differences of one kind are named before "and N more". */
    private static final int NAMED = 10;

    record Outcome(long keys, long sampled, List<String> problems) {
    }

    private Validation() {
    }

    static Outcome run(Path rdb, RedisConnection c, String serverVersion, long loadStartedMs, Drill.Options o,
                       RandomGenerator random) throws IOException, RestoreException {
        List<String> problems = new ArrayList<>();
        Map<Integer, Long> perDb = keysPerDb(c);
        Map<String, Long> perType = keysPerType(c, perDb.keySet());
        long countedMs = System.currentTimeMillis();
        long keys = perDb.values().stream().mapToLong(Long::longValue).sum();

        LoadedKeys loaded = LoadedKeys.compare(rdb, perDb, loadStartedMs, countedMs);
        List<String> dbProblems = new ArrayList<>();
        for (LoadedKeys.Db db : loaded.dbs()) {
            if (!db.matches()) {
                dbProblems.add("db " + db.db() + ": " + db.loaded() + " keys served, " + range(db.least(), db.most())
                        + " expected (" + db.inRdb() + " in the restored point less those expired)");
            }
        }
        named(problems, "keys per database differ", dbProblems);

        ExpectedKeys.Expected expected = new ExpectedKeys.Expected(KeyDigest.ScoreFormat.forVersion(serverVersion), o.sample(),
                loadStartedMs, countedMs, random);
        try (InputStream in = new BufferedInputStream(Files.newInputStream(rdb), 1 << 16)) {
            new RdbReader(in).read(expected);
        } catch (RdbException e) {
            throw new RestoreException(RestoreException.Kind.DAMAGED, rdb + " could not be read again: "
                    + e.getMessage());
        }
        List<String> typeProblems = new ArrayList<>();
        Set<String> types = new TreeSet<>(expected.typeTotal.keySet());
        types.addAll(perType.keySet());
        for (String t : types) {
            long total = expected.typeTotal.getOrDefault(t, 0L);
            long least = total - expected.typeExpiredAfter.getOrDefault(t, 0L);
            long most = total - expected.typeExpiredBefore.getOrDefault(t, 0L);
            long served = perType.getOrDefault(t, 0L);
            if (served < least || served > most) {
                typeProblems.add(t + ": " + served + " served, " + range(least, most) + " expected");
            }
        }
        named(problems, "keys per type differ", typeProblems);

        Set<String> servedLibraries = libraries(c);
        List<String> missing = new ArrayList<>();
        for (String lib : expected.libraries) {
            if (!servedLibraries.contains(lib)) {
                missing.add(lib);
            }
        }
        named(problems, "function libraries missing", missing);

        if (o.keysFrom() != null) {
            List<String> absent = new ArrayList<>();
            for (ByteBuffer k : o.keysFrom()) {
                byte[] key = new byte[k.remaining()];
                k.duplicate().get(key);
                if (!existsInAnyDb(c, key, perDb.keySet())) {
                    absent.add(text(key));
                }
            }
            named(problems, "--keys-from keys missing", absent);
        }

        c.call("SELECT", 0);
        for (Assertion a : o.asserts()) {
            a.check(c).ifPresent(problems::add);
        }

        ServedDigest served = new ServedDigest(KeyDigest.ScoreFormat.forVersion(serverVersion));
        List<String> differ = new ArrayList<>();
        int selected = -1;
        for (ExpectedKeys.Sampled s : expected.sample) {
            if (s.db() != selected) {
                c.call("SELECT", s.db());
                selected = s.db();
            }
            byte[] got = served.of(c, s.name());
            if (got == null) {
                differ.add("db " + s.db() + " key " + text(s.name()) + ": missing (expected digest "
                        + KeyDigest.hex(s.digest()) + ")");
            } else if (!java.util.Arrays.equals(got, s.digest())) {
                differ.add("db " + s.db() + " key " + text(s.name()) + ": expected digest " + KeyDigest.hex(s.digest())
                        + ", served " + KeyDigest.hex(got));
            }
        }
        named(problems, "sampled keys differ", differ);
        return new Outcome(keys, expected.sample.size(), problems);
    }

    private static String range(long least, long most) {
        return least == most ? Long.toString(most) : least + ".." + most;
    }

    /** Adds "what: first, second, ... and N more" when there is anything. */
    private static void named(List<String> problems, String what, List<String> items) {
        if (items.isEmpty()) {
            return;
        }
        StringBuilder b = new StringBuilder(what).append(": ");
        for (int i = 0; i < Math.min(NAMED, items.size()); i++) {
            b.append(i == 0 ? "" : "; ").append(items.get(i));
        }
        if (items.size() > NAMED) {
            b.append("; and ").append(items.size() - NAMED).append(" more");
        }
        problems.add(b.toString());
    }

    private static String text(byte[] key) {
        return io.redback.rdb.Printable.escape(key);
    }

    private static Map<Integer, Long> keysPerDb(RedisConnection c) throws IOException {
        Map<Integer, Long> keys = new TreeMap<>();
        c.info("keyspace").forEach((db, v) -> {
            if (db.startsWith("db")) {
                for (String field : v.split(",")) {
                    if (field.startsWith("keys=")) {
                        keys.put(Integer.parseInt(db.substring(2)), Long.parseLong(field.substring(5)));
                    }
                }
            }
        });
        return keys;
    }

    /** One SCAN of every database, with a pipelined TYPE of each key. */
    private static Map<String, Long> keysPerType(RedisConnection c, Set<Integer> dbs) throws IOException {
        Map<String, Long> counts = new TreeMap<>();
        for (int db : dbs) {
            c.call("SELECT", db);
            String cursor = "0";
            do {
                List<?> reply = (List<?>) c.call("SCAN", cursor, "COUNT", 1000);
                cursor = new String((byte[]) reply.get(0), StandardCharsets.US_ASCII);
                List<?> names = (List<?>) reply.get(1);
                for (Object n : names) {
                    c.send("TYPE", n);
                }
                for (int i = 0; i < names.size(); i++) {
                    Object t = c.receive();
                    String type = t instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : String.valueOf(t);
                    if (!type.equals("none")) { // expired since the SCAN
                        counts.merge(type, 1L, Long::sum);
                    }
                }
            } while (!cursor.equals("0"));
        }
        return counts;
    }

    private static Set<String> libraries(RedisConnection c) throws IOException {
        Set<String> names = new TreeSet<>();
        Object reply;
        try {
            reply = c.call("FUNCTION", "LIST");
        } catch (RedisErrorReply e) {
            return names; // before Redis 7: no functions
        }
        for (Object library : (List<?>) reply) {
            List<?> fields = (List<?>) library;
            for (int i = 0; i + 1 < fields.size(); i += 2) {
                Object f = fields.get(i);
                if (f instanceof byte[] b && new String(b, StandardCharsets.UTF_8).equals("library_name")) {
                    names.add(new String((byte[]) fields.get(i + 1), StandardCharsets.UTF_8));
                }
            }
        }
        return names;
    }

    private static boolean existsInAnyDb(RedisConnection c, byte[] key, Set<Integer> dbs) throws IOException {
        for (int db : dbs.isEmpty() ? Set.of(0) : dbs) {
            c.call("SELECT", db);
            if (c.call("EXISTS", key) instanceof Long n && n > 0) {
                return true;
            }
        }
        return false;
    }
}
