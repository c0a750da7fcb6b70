package io.redback.restore;

import io.redback.aof.Glob;
import io.redback.rdb.RdbKey;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which keys of a source a restore takes, and into which database: source databases
 * ({@code --db}), key globs to include and exclude, data types, an explicit key list
 * ({@code --keys-from}) and a database mapping ({@code --db-map FROM:TO}). Empty lists mean
 * "all". A key must pass every criterion given.
 */
public record KeyFilter(Set<Integer> dbs, List<String> include, List<String> exclude, Set<String> types,
                        Map<Integer, Integer> dbMap, Set<ByteBuffer> keys) {
    /** Takes every key into its own database. */
    public static final KeyFilter ALL = new KeyFilter(Set.of(), List.of(), List.of(), Set.of(), Map.of(), null);

    public KeyFilter {
        dbs = Set.copyOf(dbs);
        include = List.copyOf(include);
        exclude = List.copyOf(exclude);
        types = Set.copyOf(types);
        dbMap = Map.copyOf(dbMap);
        keys = keys == null ? null : Set.copyOf(keys);
        for (String t : types) {
            if (!List.of("string", "list", "set", "zset", "hash", "stream", "module").contains(t)) {
                throw new IllegalArgumentException("--type " + t + ": expected string, list, set, zset, hash, stream "
                        + "or module");
            }
        }
    }

    /**
     * The keys a file lists ({@code --keys-from}), one a line, as bytes (keys may be binary),
     * without their line breaks ({@code \n} or {@code \r\n}); empty lines left out.
     */
    public static Set<ByteBuffer> readKeys(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("--keys-from " + file + ": no such file");
        }
        byte[] all = Files.readAllBytes(file);
        Set<ByteBuffer> keys = new HashSet<>();
        int start = 0;
        for (int i = 0; i <= all.length; i++) {
            if (i == all.length || all[i] == '\n') {
                int end = i > start && all[i - 1] == '\r' ? i - 1 : i;
                if (end > start) {
                    keys.add(ByteBuffer.wrap(Arrays.copyOfRange(all, start, end)));
                }
                start = i + 1;
            }
        }
        return keys;
    }

    /** Whether the filter narrows the keys at all (a narrowed restore leaves functions alone by default). */
    public boolean narrows() {
        return !dbs.isEmpty() || !include.isEmpty() || !exclude.isEmpty() || !types.isEmpty() || keys != null;
    }

    /** The database a key of source database {@code db} goes to. */
    public int targetDb(int db) {
        return dbMap.getOrDefault(db, db);
    }

    /** A matcher for this filter (globs compiled once). */
    Matcher matcher() {
        return new Matcher(this);
    }

    /** The compiled form of a filter. */
    static final class Matcher {
        private final KeyFilter f;
        private final List<Glob> include;
        private final List<Glob> exclude;
        private final boolean all;

        Matcher(KeyFilter f) {
            this.f = f;
            this.include = f.include.stream().map(Glob::key).toList();
            this.exclude = f.exclude.stream().map(Glob::key).toList();
            this.all = !f.narrows();
        }

        boolean accepts(RdbKey key) {
            if (all) {
                return true;
            }
            if (!f.dbs.isEmpty() && !f.dbs.contains(key.db())) {
                return false;
            }
            if (!f.types.isEmpty() && !f.types.contains(key.type().dataType())) {
                return false;
            }
            byte[] name = key.name();
            if (f.keys != null && !f.keys.contains(ByteBuffer.wrap(name))) {
                return false;
            }
            if (!include.isEmpty() && !anyMatches(include, name)) {
                return false;
            }
            return !anyMatches(exclude, name);
        }

        private static boolean anyMatches(List<Glob> globs, byte[] name) {
            for (Glob g : globs) { // a loop, not a stream: this runs for every key of the file
                if (g.matches(name)) {
                    return true;
                }
            }
            return false;
        }
    }
}
