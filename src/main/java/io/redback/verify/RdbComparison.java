package io.redback.verify;

import io.redback.rdb.RdbException;
import io.redback.rdb.RdbKey;
import io.redback.rdb.RdbReader;
import io.redback.rdb.RdbVisitor;
import io.redback.restore.KeyDigest;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Two RDBs compared key by key: the source's (as it arrived from a full sync) and the one rebuilt
 * from the repository. Each key of the source is read into a table of (db, 128-bit fingerprint of
 * the name) to its {@link KeyDigest} and expiry, then the rebuilt RDB is read against the table,
 * and, only when keys are missing from it, the source once more to name them. Memory is the table:
 * about 200 bytes of heap per key of the source (a few million keys per GB of heap), never a
 * value or a key name. Values are compared by digest, expiries to the millisecond; a key whose
 * deadline is at or before {@code nowMs} is left out on both sides (the rebuilt point drops it
 * as Redis would on load). Function libraries are compared as a set of code digests.
 */
public final class RdbComparison {
    /** How a key differs. */
    public enum Kind {
        /** In the source, not in the rebuilt point. */
        MISSING,
        /** In the rebuilt point, not in the source. */
        EXTRA,
        /** In both, with different values (or types). */
        VALUE,
        /** In both, with the same value and a different expiry (or one without). */
        EXPIRY,
        /** The function libraries differ. */
        FUNCTIONS;

        /** {@code missing}, {@code extra}, ...: the name JSON output uses. */
        public String jsonName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * One difference: its kind, the database and printable key name (null for functions), and
     * what each side holds, in words.
     */
    public record Difference(Kind kind, Integer db, String key, String detail) {
        public Difference {
            Objects.requireNonNull(kind, "kind");
            Objects.requireNonNull(detail, "detail");
        }
    }

    /**
     * The outcome: keys on each side (expired ones left out), how many were left out as expired
     * (both sides together), module values seen (compared by presence only: Redis asks the module
     * for their digest), every difference counted by kind and the first ones named.
     */
    public record Result(long sourceKeys, long rebuiltKeys, long expiredIgnored, long moduleValues,
                         Map<Kind, Long> counts, List<Difference> differences) {
        public Result {
            counts = java.util.Collections.unmodifiableMap(new EnumMap<>(counts));
            differences = List.copyOf(differences);
        }

        /** Whether both sides hold the same keys, values, expiries and functions. */
        public boolean equal() {
            return counts.values().stream().allMatch(n -> n == 0);
        }

        /** All differences found, named or not. */
        public long differing() {
            return counts.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    private final KeyDigest.ScoreFormat scoreFormat;
    private final long nowMs;
    private final int cap;
    private final AtomicLong progress;
    private final MessageDigest names = io.redback.bytes.Sha256.create();

    /**
     * @param scoreFormat how scores are hashed (any works for two RDBs; the source's release's keeps
     *                    the digests equal to its DEBUG DIGEST-VALUE)
     * @param nowMs       keys whose deadline is at or before this are left out on both sides
     * @param cap         how many differences to name at most
     * @param progress    advanced by the RDB bytes read, for a progress bar
     */
    public RdbComparison(KeyDigest.ScoreFormat scoreFormat, long nowMs, int cap, AtomicLong progress) {
        if (cap < 0) {
            throw new IllegalArgumentException("cap cannot be negative: " + cap);
        }
        this.scoreFormat = Objects.requireNonNull(scoreFormat, "scoreFormat");
        this.nowMs = nowMs;
        this.cap = cap;
        this.progress = Objects.requireNonNull(progress, "progress");
    }

    /** The bytes {@link #compare} reads at most (for a progress bar): both files, and the source again. */
    public static long bytes(Path source, Path rebuilt) throws IOException {
        return Files.size(source) + Files.size(rebuilt);
    }

    /**
     * Compares source with rebuilt.
     *
     * @throws IOException when either file cannot be read or does not read as an RDB (the message
     *     names the side, the file and the offset; the cause is the {@link RdbException})
     */
    public Result compare(Path source, Path rebuilt) throws IOException {
        Map<Fingerprint, Entry> table = new HashMap<>();
        Map<Kind, Long> counts = new EnumMap<>(Kind.class);
        for (Kind k : Kind.values()) {
            counts.put(k, 0L);
        }
        List<Difference> named = new ArrayList<>();
        long[] expired = {0};
        long[] modules = {0};
        Map<String, Integer> sourceFunctions = new TreeMap<>();
        Map<String, Integer> rebuiltFunctions = new TreeMap<>();

        long sourceKeys = read("the source", source, sourceFunctions, (key, digest) -> {
            if (expired(key)) {
                expired[0]++;
                return false;
            }
            if (digest == null) {
                modules[0]++;
            }
            table.put(Fingerprint.of(key, names), new Entry(digest, key.expireAtMs()));
            return true;
        });
        long rebuiltKeys = read("the rebuilt", rebuilt, rebuiltFunctions, (key, digest) -> {
            if (expired(key)) {
                expired[0]++;
                return false;
            }
            Entry e = table.get(Fingerprint.of(key, names));
            if (e == null) {
                note(counts, named, new Difference(Kind.EXTRA, key.db(), key.printableName(),
                        "in the rebuilt point only (" + key.type().dataType() + ")"));
                return true;
            }
            e.seen = true;
            if (!Arrays.equals(e.digest, digest)) {
                note(counts, named, new Difference(Kind.VALUE, key.db(), key.printableName(), "value digest "
                        + hex(e.digest) + " in the source, " + hex(digest) + " rebuilt (" + key.type().dataType() + ")"));
            } else if (e.expireAtMs != key.expireAtMs()) {
                note(counts, named, new Difference(Kind.EXPIRY, key.db(), key.printableName(), "expires "
                        + expiry(e.expireAtMs) + " in the source, " + expiry(key.expireAtMs()) + " rebuilt"));
            }
            return true;
        });
        long missing = table.values().stream().filter(e -> !e.seen).count();
        if (missing > 0) {
            counts.put(Kind.MISSING, missing);
            int room = Math.max(0, cap - named.size());
            if (room > 0) {
                List<Difference> missed = new ArrayList<>();
                read("the source", source, new TreeMap<>(), (key, digest) -> {
                    Entry e = expired(key) || missed.size() >= room ? null : table.get(Fingerprint.of(key, names));
                    if (e != null && !e.seen) {
                        missed.add(new Difference(Kind.MISSING, key.db(), key.printableName(),
                                "in the source, not in the rebuilt point (" + key.type().dataType() + ")"));
                    }
                    return true;
                });
                named.addAll(missed);
            }
        }
        if (!sourceFunctions.equals(rebuiltFunctions)) {
            note(counts, named, new Difference(Kind.FUNCTIONS, null, null, sourceFunctions.size()
                    + " function librar" + (sourceFunctions.size() == 1 ? "y" : "ies") + " in the source, "
                    + rebuiltFunctions.size() + " rebuilt, not the same code"));
        }
        return new Result(sourceKeys, rebuiltKeys, expired[0], modules[0], counts, named);
    }

    private boolean expired(RdbKey key) {
        return key.hasExpiry() && key.expireAtMs() <= nowMs;
    }

    private void note(Map<Kind, Long> counts, List<Difference> named, Difference d) {
        counts.merge(d.kind(), 1L, Long::sum);
        if (named.size() < cap) {
            named.add(d);
        }
    }

    private static String hex(byte[] digest) {
        return digest == null ? "(module value)" : KeyDigest.hex(digest);
    }

    private static String expiry(long at) {
        return at == RdbKey.NO_EXPIRY ? "never" : "at " + java.time.Instant.ofEpochMilli(at);
    }

    /** Told each key with its digest; returns whether the key counts (false: expired). */
    private interface KeySink {
        boolean key(RdbKey key, byte[] digest);
    }

    /** Reads one RDB, giving each key to sink and each function's code digest to functions; returns the keys counted. */
    private long read(String side, Path file, Map<String, Integer> functions, KeySink sink) throws IOException {
        long[] keys = {0};
        KeyDigest digest = new KeyDigest(scoreFormat, (key, d) -> {
            if (sink.key(key, d)) {
                keys[0]++;
            }
        });
        RdbVisitor visitor = new RdbVisitor() {
            @Override
            public void function(byte[] code) {
                functions.merge(KeyDigest.hex(sha1(code)), 1, Integer::sum);
            }

            @Override
            public void startKey(RdbKey key) {
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
        };
        try (InputStream in = new Counting(Files.newInputStream(file), progress)) {
            new RdbReader(in).read(visitor);
        } catch (RdbException e) {
            throw new IOException(side + " RDB " + file + " does not read: " + e.getMessage(), e);
        }
        return keys[0];
    }

    private static byte[] sha1(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-1").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM lacks SHA-1", e);
        }
    }

    /** What the table keeps of a source key. */
    private static final class Entry {
        final byte[] digest;
        final long expireAtMs;
        boolean seen;

        Entry(byte[] digest, long expireAtMs) {
            this.digest = digest;
            this.expireAtMs = expireAtMs;
        }
    }

    /** A key by database and the first 128 bits of its name's SHA-256: the name itself is never held. */
    private record Fingerprint(int db, long high, long low) {
        static Fingerprint of(RdbKey key, MessageDigest sha256) {
            sha256.reset();
            byte[] h = sha256.digest(key.name());
            return new Fingerprint(key.db(), longAt(h, 0), longAt(h, 8));
        }

        private static long longAt(byte[] b, int at) {
            long v = 0;
            for (int i = at; i < at + 8; i++) {
                v = (v << 8) | (b[i] & 0xff);
            }
            return v;
        }
    }

    /** Counts the bytes read into progress. */
    private static final class Counting extends FilterInputStream {
        private final AtomicLong progress;

        Counting(InputStream in, AtomicLong progress) {
            super(in);
            this.progress = progress;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                progress.incrementAndGet();
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                progress.addAndGet(n);
            }
            return n;
        }
    }
}
