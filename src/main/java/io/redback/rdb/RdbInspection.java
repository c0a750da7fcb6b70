package io.redback.rdb;

import io.redback.rdb.RdbInspectionReport.BigKey;
import io.redback.rdb.RdbInspectionReport.ExpiryHistogram;
import io.redback.rdb.RdbInspectionReport.Tally;
import io.redback.bytes.ReadAheadInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.TreeMap;

/**
 * Reads one RDB file and reports where its keys and bytes go, the way rdbtools' or
 * redis-rdb-cli's memory reports do: the biggest keys by serialized size and by element count,
 * keys and bytes per data type, encoding, key prefix and database, and an expiry histogram.
 * Memory stays bounded whatever the number of keys: the biggest keys are kept in min-heaps of
 * the requested size and the prefix table stops growing at {@link Options#maxPrefixes()}. A
 * damaged file still yields everything read before the damage.
 */
public final class RdbInspection {
    private final Path file;
    private final Options options;
    private final long nowMs;
    private volatile RdbReader reader;

    /**
     * How to inspect.
     *
     * @param top             how many of the biggest keys to list (per criterion)
     * @param prefixDelimiter what separates the segments of a key name, e.g. {@code ":"}
     * @param prefixDepth     how many leading segments make a key's prefix
     * @param maxPrefixes     how many distinct prefixes to tally before folding new ones into "(other)"
     */
    public record Options(int top, String prefixDelimiter, int prefixDepth, int maxPrefixes) {
        public static final Options DEFAULTS = new Options(10, ":", 1, 10_000);

        public Options {
            if (top < 0) {
                throw new IllegalArgumentException("top must be 0 or more, not " + top);
            }
            if (prefixDelimiter == null || prefixDelimiter.isEmpty()) {
                throw new IllegalArgumentException("the prefix delimiter must not be empty");
            }
            if (prefixDepth < 1) {
                throw new IllegalArgumentException("prefix depth must be 1 or more, not " + prefixDepth);
            }
            if (maxPrefixes < 1) {
                throw new IllegalArgumentException("max prefixes must be 1 or more, not " + maxPrefixes);
            }
        }
    }

    /** @param nowMs the "now" against which expiries are bucketed (unix ms) */
    public RdbInspection(Path file, Options options, long nowMs) {
        this.file = file;
        this.options = options;
        this.nowMs = nowMs;
    }

    /** Bytes read so far (for progress); safe from another thread. */
    public long bytesRead() {
        RdbReader r = reader;
        return r == null ? 0 : r.bytesRead();
    }

    /** Runs the inspection. Throws IOException only when the file cannot be read at all. */
    public RdbInspectionReport run() throws IOException {
        long size = Files.size(file);
        long started = System.nanoTime();
        Tallies tallies = new Tallies(options, nowMs);
        RdbException error = null;
        try (InputStream in = new ReadAheadInputStream(Files.newInputStream(file))) {
            RdbReader r = new RdbReader(in);
            reader = r;
            try {
                r.read(tallies);
            } catch (RdbException e) {
                error = e;
            }
        }
        return tallies.report(file.toString(), size, error, System.nanoTime() - started);
    }

    /** The visitor: everything is decided when a key ends, from its name, type, expiry and sizes. */
    private static final class Tallies implements KeyMeasures {
        private final Options options;
        private final long nowMs;
        private final TopKeys byBytes;
        private final TopKeys byElements;
        private final PrefixCounter prefixes;
        private final Counter[] perType = new Counter[RdbType.values().length]; // by ordinal: no map per key
        private final TreeMap<Integer, Counter> perDb = new TreeMap<>();
        private final ExpiryCounter expiry;
        private final Counter total = new Counter();
        private RdbHeader header;
        private long keysWithIdle;
        private long keysWithFreq;
        private long sequence;
        private int lastDb;
        private Counter lastDbCounter;

        Tallies(Options options, long nowMs) {
            this.options = options;
            this.nowMs = nowMs;
            this.byBytes = new TopKeys(options.top());
            this.byElements = new TopKeys(options.top());
            this.prefixes = new PrefixCounter(options.prefixDelimiter().getBytes(StandardCharsets.UTF_8),
                    options.prefixDepth(), options.maxPrefixes());
            this.expiry = new ExpiryCounter(nowMs);
        }

        @Override
        public void header(RdbHeader h) {
            header = h;
        }

        @Override
        public boolean wantsValues() {
            return false;
        }

        @Override
        public boolean keepsKeyNames() {
            return false; // endKey copies what it keeps (an escaped name, a prefix) into Strings
        }

        @Override
        public void keyMeasured(int db, byte[] buf, int nameOff, int nameLen, RdbType type, long valueBytes,
                                long elements, long expireAtMs, long idleSeconds, int lfuFreq) {
            measure(db, buf, nameOff, nameLen, type, expireAtMs, idleSeconds, lfuFreq, valueBytes, elements);
        }

        /**
         * One key counted everywhere; its name is {@code buf[off, off + len)}, only read during the
         * call (what is kept is copied), so a name in the reader's buffer is never copied per key.
         */
        private void measure(int db, byte[] buf, int off, int len, RdbType type, long expireAtMs, long idleSeconds,
                             int lfuFreq, long valueBytes, long elements) {
            // The name as stored may be LZF-compressed or an integer; its decoded length is close
            // enough and is what a user reasons about.
            long bytes = len + valueBytes;
            long seq = sequence++;
            total.add(bytes, elements);
            Counter t = perType[type.ordinal()];
            if (t == null) {
                t = perType[type.ordinal()] = new Counter();
            }
            t.add(bytes, elements);
            if (db != lastDb || lastDbCounter == null) {
                lastDb = db;
                lastDbCounter = perDb.computeIfAbsent(lastDb, d -> new Counter());
            }
            lastDbCounter.add(bytes, elements);
            prefixes.add(buf, off, len, bytes, elements);
            expiry.add(expireAtMs);
            if (idleSeconds >= 0) {
                keysWithIdle++;
            }
            if (lfuFreq >= 0) {
                keysWithFreq++;
            }
            // Build the (escaped) entry only for keys that make it into a heap: most do not.
            BigKey big = null;
            if (byBytes.wants(bytes)) {
                big = bigKey(db, buf, off, len, type, expireAtMs, bytes, elements);
                byBytes.add(bytes, seq, big);
            }
            if (byElements.wants(elements)) {
                byElements.add(elements, seq, big != null ? big : bigKey(db, buf, off, len, type, expireAtMs, bytes,
                        elements));
            }
        }

        private static BigKey bigKey(int db, byte[] buf, int off, int len, RdbType type, long expireAtMs, long bytes,
                                     long elements) {
            return new BigKey(db, Printable.escape(buf, off, len, 200), type.dataType(), type.encoding(),
                    bytes, elements, expireAtMs != RdbKey.NO_EXPIRY ? Instant.ofEpochMilli(expireAtMs) : null);
        }

        RdbInspectionReport report(String file, long size, RdbException error, long elapsedNanos) {
            Map<String, Counter> types = new HashMap<>();
            Map<String, Counter> encodings = new HashMap<>();
            for (RdbType t : RdbType.values()) {
                Counter c = perType[t.ordinal()];
                if (c != null) {
                    types.computeIfAbsent(t.dataType(), k -> new Counter()).add(c);
                    encodings.computeIfAbsent(t.dataType() + "/" + t.encoding(), k -> new Counter()).add(c);
                }
            }
            Map<Integer, Tally> dbs = new LinkedHashMap<>();
            perDb.forEach((db, c) -> dbs.put(db, c.tally()));
            return new RdbInspectionReport(file, size, header, options, nowMs, total.keys, total.bytes,
                    total.elements, byBytes.biggestFirst(), byElements.biggestFirst(), biggestFirst(types),
                    biggestFirst(encodings), prefixes.biggestFirst(), prefixes.limitReached,
                    Collections.unmodifiableMap(dbs), expiry.histogram(), keysWithIdle, keysWithFreq,
                    error, elapsedNanos);
        }
    }

    /** Orders groups by bytes, biggest first, then by name so equal groups print in a stable order. */
    static Map<String, Tally> biggestFirst(Map<String, Counter> groups) {
        List<Map.Entry<String, Counter>> list = new ArrayList<>(groups.entrySet());
        list.sort(Comparator.<Map.Entry<String, Counter>>comparingLong(e -> -e.getValue().bytes)
                .thenComparing(Map.Entry::getKey));
        Map<String, Tally> out = new LinkedHashMap<>();
        for (Map.Entry<String, Counter> e : list) {
            out.put(e.getKey(), e.getValue().tally());
        }
        return Collections.unmodifiableMap(out);
    }

    /** A mutable {@link Tally}. */
    static final class Counter {
        long keys;
        long bytes;
        long elements;

        void add(long keyBytes, long keyElements) {
            keys++;
            bytes += keyBytes;
            elements += keyElements;
        }

        void add(Counter other) {
            keys += other.keys;
            bytes += other.bytes;
            elements += other.elements;
        }

        Tally tally() {
            return new Tally(keys, bytes, elements);
        }
    }

    /**
     * The {@code limit} biggest keys by one measure, in a min-heap of at most {@code limit}
     * entries: the smallest of the kept keys is the one a bigger newcomer evicts. On a tie the
     * key met first in the file stays, so the result does not depend on heap internals.
     */
    static final class TopKeys {
        private record Entry(long measure, long seq, BigKey key) {
        }

        private static final Comparator<Entry> SMALLEST_FIRST = Comparator.comparingLong(Entry::measure)
                .thenComparing(Comparator.comparingLong(Entry::seq).reversed());

        private final int limit;
        private final PriorityQueue<Entry> heap = new PriorityQueue<>(SMALLEST_FIRST);
        /** The measure at the top of the heap, kept in a field: wants() is asked for every key. */
        private long smallestKept = Long.MIN_VALUE;

        TopKeys(int limit) {
            this.limit = limit;
        }

        /** Whether a key of this measure (met after every key offered so far) would be kept. */
        boolean wants(long measure) {
            return heap.size() < limit || (limit > 0 && measure > smallestKept);
        }

        void add(long measure, long seq, BigKey key) {
            heap.add(new Entry(measure, seq, key));
            if (heap.size() > limit) {
                heap.poll();
            }
            smallestKept = heap.isEmpty() ? Long.MIN_VALUE : heap.peek().measure();
        }

        List<BigKey> biggestFirst() {
            List<Entry> entries = new ArrayList<>(heap);
            entries.sort(SMALLEST_FIRST.reversed());
            return entries.stream().map(Entry::key).toList();
        }
    }

    /**
     * Tallies keys by prefix: the name up to the {@code depth}-th delimiter, or up to the last
     * one when the name has fewer (so {@code user:42} is under {@code user} at any depth: the
     * last segment is the key's own id, never part of its group). Names without the delimiter go
     * to {@link RdbInspectionReport#NO_PREFIX}. At most {@code max} distinct prefixes are kept;
     * after that, keys with a prefix not yet seen go to {@link RdbInspectionReport#OTHER_PREFIXES}.
     */
    static final class PrefixCounter {
        private final byte[] delimiter;
        private final int depth;
        private final int max;
        private final HashMap<String, Counter> groups = new HashMap<>();
        private final Counter noPrefix = new Counter();
        private final Counter other = new Counter();
        boolean limitReached;
        /**
         * Recent prefixes and their groups by a hash of their bytes, so that a key whose prefix
         * was seen lately skips the escaping and the map (keys come in hash-table order, their
         * few prefixes interleaved).
         */
        private final byte[][] recentPrefix = new byte[RECENT][];
        private final Counter[] recentGroup = new Counter[RECENT];
        private static final int RECENT = 64;

        PrefixCounter(byte[] delimiter, int depth, int max) {
            this.delimiter = delimiter;
            this.depth = depth;
            this.max = max;
        }

        /** Counts a key whose name is {@code buf[off, off + len)}. */
        void add(byte[] buf, int off, int len, long bytes, long elements) {
            int end = prefixEnd(buf, off, len, delimiter, depth);
            if (end < 0) {
                noPrefix.add(bytes, elements);
                return;
            }
            // A cheap slot (length and three bytes): a collision only costs the map below.
            int slot = end == 0 ? 0 : (end * 31 + buf[off] * 7 + buf[off + end / 2] * 3 + buf[off + end - 1]) & (RECENT - 1);
            byte[] recent = recentPrefix[slot];
            if (recent != null && recent.length == end && java.util.Arrays.equals(buf, off, off + end, recent, 0, end)) {
                recentGroup[slot].add(bytes, elements);
                return;
            }
            // Escaped like key names so binary prefixes print (and compare) safely.
            String prefix = Printable.escape(buf, off, end, 200);
            Counter c = groups.get(prefix);
            if (c == null) {
                if (groups.size() >= max) {
                    limitReached = true;
                    other.add(bytes, elements);
                    return;
                }
                c = new Counter();
                groups.put(prefix, c);
            }
            c.add(bytes, elements);
            recentPrefix[slot] = java.util.Arrays.copyOfRange(buf, off, off + end);
            recentGroup[slot] = c;
        }

        /**
         * Where the prefix of the name {@code buf[off, off + len)} ends (the start of its terminating
         * delimiter, relative to off), or -1 for none.
         */
        static int prefixEnd(byte[] buf, int off, int len, byte[] delimiter, int depth) {
            int end = -1;
            if (delimiter.length == 1) { // the usual ':'
                byte d = delimiter[0];
                int found = 0;
                for (int i = 0; i < len && found < depth; i++) {
                    if (buf[off + i] == d) {
                        end = i;
                        found++;
                    }
                }
                return end;
            }
            int from = 0;
            for (int found = 0; found < depth; found++) {
                int at = indexOf(buf, off, len, delimiter, from);
                if (at < 0) {
                    break;
                }
                end = at;
                from = at + delimiter.length;
            }
            return end;
        }

        private static int indexOf(byte[] buf, int off, int len, byte[] needle, int from) {
            outer:
            for (int i = from; i <= len - needle.length; i++) {
                for (int j = 0; j < needle.length; j++) {
                    if (buf[off + i + j] != needle[j]) {
                        continue outer;
                    }
                }
                return i;
            }
            return -1;
        }

        Map<String, Tally> biggestFirst() {
            Map<String, Counter> all = new HashMap<>(groups);
            if (noPrefix.keys > 0) {
                all.put(RdbInspectionReport.NO_PREFIX, noPrefix);
            }
            if (other.keys > 0) {
                all.put(RdbInspectionReport.OTHER_PREFIXES, other);
            }
            return RdbInspection.biggestFirst(all);
        }
    }

    /** Buckets keys by time left before they expire. */
    static final class ExpiryCounter {
        private static final long HOUR = 3_600_000L;
        private static final long DAY = 24 * HOUR;

        private final long nowMs;
        private long none;
        private long expired;
        private long hour;
        private long day;
        private long week;
        private long month;
        private long later;

        ExpiryCounter(long nowMs) {
            this.nowMs = nowMs;
        }

        /** A key's deadline, or {@link RdbKey#NO_EXPIRY}. */
        void add(long at) {
            if (at == RdbKey.NO_EXPIRY) {
                none++;
                return;
            }
            if (at <= nowMs) {
                expired++;
                return;
            }
            long left = at - nowMs; // cannot overflow: at > nowMs
            if (left <= HOUR) {
                hour++;
            } else if (left <= DAY) {
                day++;
            } else if (left <= 7 * DAY) {
                week++;
            } else if (left <= 30 * DAY) {
                month++;
            } else {
                later++;
            }
        }

        ExpiryHistogram histogram() {
            return new ExpiryHistogram(none, expired, hour, day, week, month, later);
        }
    }
}
