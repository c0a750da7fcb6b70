package io.redback.restore;

import io.redback.bytes.ReadAheadInputStream;
import io.redback.rdb.RdbException;
import io.redback.rdb.RdbHeader;
import io.redback.rdb.RdbKey;
import io.redback.rdb.RdbReader;
import io.redback.rdb.RdbVisitor;
import io.redback.redis.RedisConnection;
import io.redback.redis.RedisConnector;
import io.redback.redis.RedisErrorReply;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Restores an RDB into a running server, key by key, without stopping it: each value goes as
 * {@code RESTORE key ttl payload [REPLACE] ABSTTL} whose payload is the RDB's own bytes of the
 * value with a DUMP footer (no decoding), pipelined; keys whose deadline has passed are not sent;
 * function libraries go with {@code FUNCTION LOAD}. The file is read twice: a pre-scan that
 * verifies all of it (structure and CRC64) and, with {@link OnConflict#FAIL}, asks the target
 * with {@code EXISTS} which keys it already holds, so that a damaged source or a conflict stops
 * the restore before anything is written; then the writing pass. A value above the big-key size
 * goes in batches of commands to a temporary key renamed into place ({@link BigKey}), so memory
 * is bounded by the pipeline window, the big-key size and the largest single element.
 */
public final class LiveRestore {
    /**
     * How to restore: conflict policy, which keys, whether functions go too, dry run (pre-scan
     * and conflicts only), the pipeline window (commands and bytes in flight).
     */
    public record Options(OnConflict onConflict, KeyFilter filter, boolean functions, boolean dryRun, int window,
                          long windowBytes, LeaveAlone leaveAlone, Throttle throttle, long bigKeySize,
                          Lossy lossy) {
        /** Values above this many serialized bytes go in batches of commands, not one RESTORE. */
        public static final long DEFAULT_BIG_KEY_SIZE = 64L << 20;

        public static Options defaults() {
            return new Options(OnConflict.FAIL, KeyFilter.ALL, true, false, 2048, 8L << 20, null, Throttle.DEFAULT, DEFAULT_BIG_KEY_SIZE,
                    Lossy.FAIL);
        }

        public Options withThrottle(Throttle t) {
            return new Options(onConflict, filter, functions, dryRun, window, windowBytes, leaveAlone, t, bigKeySize, lossy);
        }

        public Options withOnConflict(OnConflict c) {
            return new Options(c, filter, functions, dryRun, window, windowBytes, leaveAlone, throttle, bigKeySize, lossy);
        }

        public Options withFilter(KeyFilter f) {
            return new Options(onConflict, f, functions, dryRun, window, windowBytes, leaveAlone, throttle, bigKeySize, lossy);
        }

        public Options withFunctions(boolean on) {
            return new Options(onConflict, filter, on, dryRun, window, windowBytes, leaveAlone, throttle, bigKeySize, lossy);
        }

        public Options withDryRun(boolean on) {
            return new Options(onConflict, filter, functions, on, window, windowBytes, leaveAlone, throttle, bigKeySize, lossy);
        }

        /** Values whose serialized size exceeds {@code bytes} are written in batches to a temporary key, then renamed. */
        public Options withBigKeySize(long bytes) {
            return new Options(onConflict, filter, functions, dryRun, window, windowBytes, leaveAlone, throttle, bytes, lossy);
        }

        /** What to do with keys the target can only hold with something lost (hash field TTLs). */
        public Options withLossy(Lossy l) {
            return new Options(onConflict, filter, functions, dryRun, window, windowBytes, leaveAlone, throttle, bigKeySize, l);
        }

        /** Keys the target must keep as they are (present or not), whatever the source holds. */
        public Options withLeaveAlone(LeaveAlone keys) {
            return new Options(onConflict, filter, functions, dryRun, window, windowBytes, keys, throttle, bigKeySize, lossy);
        }
    }

    /** Keys a restore must not touch in the target (target database, name), and why. */
    public interface LeaveAlone {
        /** Why the key is left alone, or null when it is not. */
        String why(int db, byte[] key);
    }

    /**
     * A restore into one primary of a Redis Cluster: which keys this run writes (the others are
     * neither sent nor counted: another run writes them), and where a MOVED or ASK reply leads.
     * Keys of a database other than 0 (after --db-map) are refused in the pre-scan.
     */
    public interface Route {
        /** Whether this run writes key. */
        boolean owns(byte[] key);

        /** The reply to command (as sent, encoded as RESP) sent where redirect (a MOVED or ASK reply) says, following further ones. */
        Object follow(RedisErrorReply redirect, byte[] command) throws IOException;
    }

    private final RedisConnector target;
    private final Options options;
    private final AtomicLong progress;
    private final Route route;

    /** {@code progress} counts the bytes of the file processed, over both passes (so up to twice its size). */
    public LiveRestore(RedisConnector target, Options options, AtomicLong progress) {
        this(target, options, progress, null);
    }

    /** Into one primary of a cluster: only the keys route owns, MOVED and ASK followed (null: a standalone target). */
    public LiveRestore(RedisConnector target, Options options, AtomicLong progress, Route route) {
        this.target = target;
        this.options = options;
        this.progress = progress;
        this.route = route;
    }

    /**
     * Restores {@code rdb} into the target as of {@code nowMs} (keys expiring at or before it stay
     * dead). Data problems come back as the report's outcome; IOException when the target cannot be
     * reached or the file read.
     */
    public LiveReport run(Path rdb, long nowMs) throws IOException {
        long started = System.nanoTime();
        Tally t = new Tally();
        try (Pipeline pipe = new Pipeline(target, options.window, options.windowBytes, options.throttle)) {
            if (route != null) {
                pipe.redirects(route::follow);
            }
            RedisConnection c = pipe.connection();
            Map<String, String> info = new HashMap<>();
            for (String section : List.of("server", "replication", "memory")) {
                info.putAll(c.info(section));
            }
            // A database the target holds no key in needs no EXISTS: INFO keyspace names only those with keys.
            Set<Integer> filledDbs = new java.util.HashSet<>();
            for (String db : c.info("keyspace").keySet()) {
                if (db.startsWith("db")) {
                    filledDbs.add(Integer.parseInt(db.substring(2)));
                }
            }
            TargetServer server = TargetServer.fromInfo(info);
            t.target = server.describe();
            if (server.replica()) {
                return t.report(LiveReport.Outcome.REFUSED, target.uri() + " is a replica (role:slave); restore into "
                        + "its primary", started);
            }
            Map<String, String> libraries = options.functions ? libraries(c) : Map.of();
            Options options = this.options.withBigKeySize(bigKeySize(c, this.options.bigKeySize));
            Pipeline probe = pipe;
            PreScan scan = new PreScan(options, server, nowMs, t, probe, libraries, mayHoldFieldTtls(rdb), filledDbs);
            try {
                read(rdb, owned(scan), 0);
                if (!scan.cutNamesToAsk.isEmpty()) {
                    long scanned = progress.get(); // not shown as progress: the bar covers two passes
                    read(rdb, owned(scan.wholeNames()), scanned);
                    progress.set(scanned);
                }
                probe.drain();
            } catch (RdbException e) {
                scan.flushDbCount();
                return t.report(LiveReport.Outcome.DAMAGED, "the source is damaged: " + e.getMessage()
                        + "; nothing was written", started);
            } catch (Pipeline.StopRestore e) {
                scan.flushDbCount();
                return t.report(LiveReport.Outcome.REFUSED, e.getMessage() + "; nothing was written", started);
            }
            if (scan.incompatible > 0) {
                return t.report(LiveReport.Outcome.REFUSED, scan.incompatible + " key(s) are of a type the target ("
                        + t.target + ", RDB " + server.rdbVersion() + ") cannot read, e.g. " + scan.firstIncompatible
                        + "; nothing was written", started);
            }
            if (scan.lossyRefused > 0) {
                return t.report(LiveReport.Outcome.REFUSED, scan.lossyRefused + " key(s) can only go into " + t.target
                        + " with something lost (" + Lossy.REASON + "), e.g. " + String.join(", ", scan.firstLossy)
                        + "; nothing was written (--lossy skip-key leaves them out, --lossy drop-field-ttl writes them "
                        + "without the field TTLs)", started);
            }
            long scanBytes = probe.sentBytes();
            if (options.dryRun) {
                return t.report(LiveReport.Outcome.PLANNED, "dry run: nothing was written", started);
            }
            if (options.onConflict == OnConflict.FAIL && t.conflicts > 0) {
                return t.report(LiveReport.Outcome.REFUSED, t.conflicts + " key(s) or function(s) already exist in the "
                        + "target, e.g. " + t.conflictKeys.get(0).key() + "; nothing was written (--on-conflict skip "
                        + "keeps the target's, replace overwrites them)", started);
            }
            Writer writer = new Writer(options, scan, server, nowMs, t, pipe, libraries);
            try {
                // The same pipeline: it knows which database is selected. Inside the try: a target
                // already too full stops the restore with a report, as one that fills up does.
                pipe.startMemoryWatch();
                read(rdb, owned(writer), progress.get());
                pipe.drain();
                if (writer.restoreRefusedSets()) {
                    pipe.drain();
                }
                t.sentBytes = pipe.sentBytes() - scanBytes;
            } catch (RdbException e) {
                t.sentBytes = pipe.sentBytes() - scanBytes;
                drainQuietly(pipe);
                return t.report(LiveReport.Outcome.DAMAGED, "the source changed or is damaged since the pre-scan: "
                        + e.getMessage() + "; " + t.restored + " key(s) were written before it", started);
            } catch (IOException e) {
                t.sentBytes = pipe.sentBytes() - scanBytes;
                t.reconnects = pipe.reconnects();
                return t.report(LiveReport.Outcome.STOPPED, e.getMessage() + "; " + t.restored
                        + " key(s) were confirmed written before it and stay", started);
            } catch (Pipeline.StopRestore e) {
                t.sentBytes = pipe.sentBytes() - scanBytes;
                t.reconnects = pipe.reconnects();
                t.retries = pipe.retries();
                return t.report(LiveReport.Outcome.STOPPED, e.getMessage() + "; " + t.restored
                        + " key(s) were written before it and stay", started);
            }
            t.reconnects = pipe.reconnects();
            t.retries = pipe.retries();
            return t.report(LiveReport.Outcome.RESTORED, null, started);
        }
    }

    private static void drainQuietly(Pipeline pipe) {
        try {
            pipe.drain();
        } catch (IOException | RuntimeException ignored) {
            // The source's problem is what the report says; the replies only count what was written.
        }
    }

    /** With a route, the visitor sees only the keys this run writes. */
    private RdbVisitor owned(RdbVisitor v) {
        return route == null ? v : new OwnedKeys(v, route, options.filter());
    }

    private void read(Path rdb, RdbVisitor visitor, long base) throws IOException, RdbException {
        try (InputStream in = new ReadAheadInputStream(Files.newInputStream(rdb))) {
            RdbReader reader = new RdbReader(in);
            RdbVisitor counting = new Counting(visitor, reader, progress, base);
            try {
                reader.read(counting);
            } catch (java.io.UncheckedIOException e) {
                throw e.getCause(); // the target's connection, from inside the visitor
            }
            progress.set(base + reader.bytesRead());
        }
    }

    /**
     * Whether the file may hold hashes with field TTLs (RDB 12+, or a magic other than REDIS):
     * only then does the pre-scan read values, to tell lossy keys by their content.
     */
    private static boolean mayHoldFieldTtls(Path rdb) throws IOException {
        byte[] head = new byte[9];
        try (InputStream in = Files.newInputStream(rdb)) {
            if (in.readNBytes(head, 0, 9) < 9) {
                return true; // the pre-scan reports what is wrong with it
            }
        }
        String text = new String(head, StandardCharsets.US_ASCII);
        if (!text.startsWith("REDIS")) {
            return true;
        }
        try {
            return Integer.parseInt(text.substring(5)) >= 12;
        } catch (NumberFormatException e) {
            return true;
        }
    }

    /**
     * The big-key size, kept below the target's proto-max-bulk-len (a RESTORE payload larger than
     * that is refused) when CONFIG GET is allowed.
     */
    private static long bigKeySize(RedisConnection c, long wanted) throws IOException {
        try {
            Object reply = c.call("CONFIG", "GET", "proto-max-bulk-len");
            if (reply instanceof List<?> l && l.size() >= 2) {
                long max = Long.parseLong(text(l.get(1)).strip());
                return Math.min(wanted, Math.max(1, max - 4096)); // room for the type byte, footer and the command
            }
        } catch (RedisErrorReply | NumberFormatException e) {
            // CONFIG refused (ACL, renamed): the option's value stands.
        }
        return wanted;
    }

    /** The target's function libraries, name to code (empty when it has none or no FUNCTION). */
    private static Map<String, String> libraries(RedisConnection c) throws IOException {
        Map<String, String> out = new HashMap<>();
        Object reply;
        try {
            reply = c.call("FUNCTION", "LIST", "WITHCODE");
        } catch (RedisErrorReply e) {
            return out;
        }
        for (Object library : (List<?>) reply) {
            List<?> fields = (List<?>) library;
            String name = null;
            String code = null;
            for (int i = 0; i + 1 < fields.size(); i += 2) {
                String field = text(fields.get(i));
                if ("library_name".equals(field)) {
                    name = text(fields.get(i + 1));
                } else if ("library_code".equals(field)) {
                    code = text(fields.get(i + 1));
                }
            }
            if (name != null) {
                out.put(name, code);
            }
        }
        return out;
    }

    static String text(Object reply) {
        return reply instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : String.valueOf(reply);
    }

    // ------------------------------------------------------------------ state shared by both passes

    /** Counts and capped lists; what becomes the report. */
    static final class Tally {
        String target;
        long planned;
        long restored;
        long skipped;
        long failed;
        long expired;
        long filteredOut;
        long conflicts;
        long lossy;
        long functionsRestored;
        long functionsSkipped;
        long valueBytes;
        long sentBytes;
        long reconnects;
        long retries;
        final Map<Integer, Long> perDb = new TreeMap<>();
        final List<LiveReport.KeyRef> skippedKeys = new ArrayList<>();
        final List<LiveReport.KeyRef> failedKeys = new ArrayList<>();
        final List<LiveReport.KeyRef> conflictKeys = new ArrayList<>();
        final List<LiveReport.KeyRef> lossyKeys = new ArrayList<>();
        final List<LiveReport.KeyRef> sampleKeys = new ArrayList<>();

        static void add(List<LiveReport.KeyRef> list, int db, String key, String reason) {
            if (list.size() < LiveReport.LIST_LIMIT) {
                list.add(new LiveReport.KeyRef(db, key, reason));
            }
        }

        LiveReport report(LiveReport.Outcome outcome, String message, long startedNanos) {
            long ms = (System.nanoTime() - startedNanos) / 1_000_000;
            return new LiveReport(outcome, message, target, planned, restored, skipped, failed, expired, filteredOut,
                    conflicts, lossy, functionsRestored, functionsSkipped, valueBytes, sentBytes, reconnects, retries, ms, perDb,
                    skippedKeys, failedKeys, conflictKeys, lossyKeys, sampleKeys);
        }
    }

    /** Passes everything on and publishes the reader's position after each key. */
    private record Counting(RdbVisitor v, RdbReader reader, AtomicLong progress, long base) implements RdbVisitor {
        @Override
        public boolean wantsValues() {
            return v.wantsValues();
        }

        @Override
        public boolean keepsKeyNames() {
            return v.keepsKeyNames();
        }

        @Override
        public void header(RdbHeader header) {
            v.header(header);
        }

        @Override
        public void end(io.redback.rdb.RdbSummary summary) {
            v.end(summary);
        }

        @Override
        public void function(byte[] code) {
            v.function(code);
        }

        @Override
        public void startKey(RdbKey key) {
            v.startKey(key);
        }

        @Override
        public RawValueSink rawValue(RdbKey key) {
            return v.rawValue(key);
        }

        @Override
        public void element(io.redback.rdb.Element element) {
            v.element(element);
        }

        @Override
        public void endKey(RdbKey key, long elements, long valueBytes) {
            v.endKey(key, elements, valueBytes);
            progress.setRelease(base + reader.bytesRead()); // once per key: no full fence, the bar only reads it
        }
    }

    /** Names the reply of a refused key for reports. */
    static String reason(RedisErrorReply e) {
        String m = e.getMessage();
        return m.length() > 200 ? m.substring(0, 200) + "..." : m;
    }

    static final Set<String> FATAL = Set.of("OOM", "READONLY", "NOPERM", "NOAUTH", "MISCONF", "LOADING", "BUSY",
            "TRYAGAIN", "MOVED", "ASK", "CLUSTERDOWN");
}
