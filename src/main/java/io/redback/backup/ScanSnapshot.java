package io.redback.backup;

import io.redback.bytes.BulkInputStream;
import io.redback.redis.RedisConnection;
import io.redback.redis.RedisConnector;
import io.redback.redis.RedisErrorReply;
import io.redback.redis.RedisUri;
import io.redback.redis.ServerIdentity;
import io.redback.repo.SnapshotManifest;
import io.redback.restore.DumpRdb;
import io.redback.restore.RdbTarget;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * A snapshot by {@code --method scan}, for servers that allow neither replication nor BGSAVE
 * (managed services): every database INFO keyspace lists is selected and scanned with SCAN, each
 * window of keys read with pipelined DUMP and PEXPIRETIME (PTTL before Redis 7.0), and the
 * libraries with FUNCTION DUMP; {@link #rdb()} is an RDB made of those payloads
 * ({@link DumpRdb}), produced as the caller reads it, so memory holds one payload at a time
 * whatever the dataset (and, per database, an 8-byte fingerprint of each key name, because SCAN
 * may name a key twice and an RDB must not hold it twice). Keys read one after the other: the RDB
 * is not one point in time, and keys that vanish between SCAN and DUMP are left out and counted.
 * The RDB's version is the newest the server's payloads say (FUNCTION DUMP's, the first key's, or
 * the release's), so that every payload fits it; a later payload newer still stops the backup.
 * Commands a provider renamed are given by {@link Options#commandNames}.
 */
public final class ScanSnapshot implements AutoCloseable {
    /** Keys whose DUMP is in flight at once unless told otherwise. */
    public static final int DEFAULT_WINDOW = 256;
    /** The commands a scan sends, which {@link Options#commandNames} may rename. */
    public static final Set<String> COMMANDS = Set.of("SCAN", "DUMP", "PEXPIRETIME", "PTTL", "SELECT", "INFO", "FUNCTION");

    /**
     * How to scan: commands a provider renamed (upper-case name to the name to send) and how
     * many keys' DUMPs go in one pipelined window.
     */
    public record Options(Map<String, String> commandNames, int window) {
        public Options {
            Map<String, String> names = new TreeMap<>();
            Objects.requireNonNull(commandNames, "commandNames").forEach((k, v) -> {
                String name = k.strip().toUpperCase(Locale.ROOT);
                if (!COMMANDS.contains(name)) {
                    throw new IllegalArgumentException("--command-name " + k + "=" + v + ": a scan sends only "
                            + String.join(", ", new java.util.TreeSet<>(COMMANDS)));
                }
                if (v == null || v.isBlank() || v.strip().contains(" ")) {
                    throw new IllegalArgumentException("--command-name " + k + "=" + v + ": give the name the server "
                            + "knows the command by");
                }
                names.put(name, v.strip());
            });
            commandNames = Map.copyOf(names);
            if (window < 1) {
                throw new IllegalArgumentException("the DUMP window must be 1 key or more");
            }
        }

        public static Options defaults() {
            return new Options(Map.of(), DEFAULT_WINDOW);
        }
    }

    private final RedisUri uri;
    private final Options options;
    private final RedisConnection c;
    private final ServerIdentity server;
    private final Map<String, String> serverInfo;
    private final List<Integer> dbs;
    private final boolean pexpiretime;
    private final byte[] functions;
    private final Instant startedAt;
    private final Producer rdb;
    private Instant scanStartedAt;
    private Instant scanFinishedAt;
    private long vanished;
    private long repeated;

    private ScanSnapshot(RedisUri uri, Options options, RedisConnection c, Map<String, String> serverInfo,
                         List<Integer> dbs, boolean pexpiretime, byte[] functions, Instant startedAt) {
        this.uri = uri;
        this.options = options;
        this.c = c;
        this.serverInfo = serverInfo;
        this.server = ServerIdentity.fromInfo(serverInfo);
        this.dbs = dbs;
        this.pexpiretime = pexpiretime;
        this.functions = functions;
        this.startedAt = startedAt;
        this.rdb = new Producer(); // last: it reads the fields above
    }

    /**
     * Connects and makes sure every command the scan needs is allowed (asking for a key that
     * need not exist), before anything is stored.
     *
     * @throws IOException one line naming the command refused and what to do
     */
    public static ScanSnapshot start(RedisUri uri, Options options) throws IOException {
        Instant startedAt = Instant.now();
        RedisConnection c = RedisConnector.of(uri).connect();
        try {
            Names n = new Names(uri, options);
            Map<String, String> info = n.info(c, "server");
            Map<String, String> keyspace = n.info(c, "keyspace");
            List<Integer> dbs = new ArrayList<>();
            keyspace.keySet().stream().filter(k -> k.matches("db\\d+"))
                    .map(k -> Integer.parseInt(k.substring(2))).sorted().forEach(dbs::add);
            byte[] probe = "redback:scan:probe".getBytes(StandardCharsets.US_ASCII);
            n.require(c, "DUMP", probe);
            boolean pexpiretime = n.allowed(c, "PEXPIRETIME", probe);
            if (!pexpiretime) {
                n.require(c, "PTTL", probe);
            }
            byte[] functions = null;
            Object f = n.send(c, "FUNCTION", "DUMP");
            if (f instanceof byte[] payload) {
                functions = payload;
            } else if (f instanceof RedisErrorReply e && major(info) >= 7) {
                throw n.refused("FUNCTION", e);
            }
            n.require(c, "SCAN", "0", "COUNT", "1");
            return new ScanSnapshot(uri, options, c, info, dbs, pexpiretime, functions, startedAt);
        } catch (IOException | RuntimeException e) {
            c.close();
            throw e;
        }
    }

    /** The RDB, written as it is read; read it once, to the end. */
    public InputStream rdb() {
        return rdb;
    }

    /** Which server was scanned. */
    public ServerIdentity server() {
        return server;
    }

    /** When {@link #start} was called. */
    public Instant startedAt() {
        return startedAt;
    }

    /** The scan's times and counts, once {@link #rdb()} has been read to its end. */
    public SnapshotManifest.Scan summary() {
        if (scanFinishedAt == null) {
            throw new IllegalStateException("the scan has not ended");
        }
        return new SnapshotManifest.Scan(scanStartedAt, scanFinishedAt, vanished, repeated);
    }

    @Override
    public void close() {
        c.close();
    }

    /**
     * The RDB version of a server's own files, for a server that gave no payload to tell it: the
     * newest it reads, or 6 (what every release reads) when its release is unknown.
     */
    static int rdbVersionOf(ServerIdentity server) {
        int v = RdbTarget.of(server.name(), server.version()).rdbVersion();
        return v == 0 ? 6 : v;
    }

    private static int major(Map<String, String> info) {
        String v = info.getOrDefault("redis_version", "0");
        return number(v.split("\\.")[0]);
    }

    private static int number(String s) {
        try {
            return Integer.parseInt(s.strip());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** The scan's commands under the names the server knows them by, refusals said in one line. */
    private static final class Names {
        private final RedisUri uri;
        private final Options options;

        Names(RedisUri uri, Options options) {
            this.uri = uri;
            this.options = options;
        }

        String of(String command) {
            return options.commandNames().getOrDefault(command, command);
        }

        Object send(RedisConnection c, String command, Object... args) throws IOException {
            Object[] all = new Object[args.length + 1];
            all[0] = of(command);
            System.arraycopy(args, 0, all, 1, args.length);
            try {
                return c.call(all);
            } catch (RedisErrorReply e) {
                return e;
            }
        }

        void require(RedisConnection c, String command, Object... args) throws IOException {
            if (send(c, command, args) instanceof RedisErrorReply e && !redirected(e)) {
                throw refused(command, e);
            }
        }

        boolean allowed(RedisConnection c, String command, Object... args) throws IOException {
            return !(send(c, command, args) instanceof RedisErrorReply e) || redirected(e);
        }

        /** A cluster node sends the probe's key elsewhere: the command itself is allowed. */
        private static boolean redirected(RedisErrorReply e) {
            return e.code().equals("MOVED") || e.code().equals("ASK");
        }

        Map<String, String> info(RedisConnection c, String section) throws IOException {
            Object reply = send(c, "INFO", section);
            if (reply instanceof RedisErrorReply e) {
                throw refused("INFO", e);
            }
            Map<String, String> fields = new LinkedHashMap<>();
            String text = reply instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : String.valueOf(reply);
            for (String line : text.split("\r?\n")) {
                int colon = line.indexOf(':');
                if (colon > 0 && !line.startsWith("#")) {
                    fields.put(line.substring(0, colon), line.substring(colon + 1));
                }
            }
            return fields;
        }

        IOException refused(String command, RedisErrorReply e) {
            String sent = of(command);
            String how = e.code().equals("NOPERM")
                    ? "grant the user +" + command.toLowerCase(Locale.ROOT)
                    : "if the provider renamed it, give --command-name " + command + "=NEWNAME";
            return new IOException(uri.address() + " refuses " + sent + " (" + e.getMessage() + "): --method scan needs "
                    + "SCAN, DUMP, PEXPIRETIME or PTTL, INFO and FUNCTION DUMP (7.0+); " + how);
        }
    }

    /** One window: keys of one database whose DUMP and expiry were sent, their replies not read yet. */
    private record Window(int db, List<byte[]> keys) {
    }

    /**
     * The RDB, produced as it is read: a window's commands are sent at once, and each key's two
     * replies read and written only when the reader wants more bytes, so that redback holds one
     * payload at a time (the rest waits in the connection).
     */
    private final class Producer extends BulkInputStream {
        private final Buffer out = new Buffer();
        private final Names names = new Names(uri, options);
        private final KeyNames seen = new KeyNames();
        private DumpRdb writer;
        private Window window;
        private int next;
        private int dbIndex = -1;
        private int selected = uri.db();
        private String cursor = "0";
        private int writtenDb = -1;
        private boolean done;

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            while (out.available() == 0) {
                if (done) {
                    return -1;
                }
                step();
            }
            return out.take(b, off, len);
        }

        private void step() throws IOException {
            if (scanStartedAt == null) {
                scanStartedAt = Instant.now();
            }
            if (window == null || next == window.keys().size()) {
                window = next();
                next = 0;
                if (window == null) {
                    header(null);
                    writer.finish();
                    scanFinishedAt = Instant.now();
                    done = true;
                    return;
                }
            }
            byte[] name = window.keys().get(next++);
            Object dump = c.receive();
            Object expiry = c.receive();
            if (dump instanceof RedisErrorReply e) {
                throw new IOException("DUMP " + printable(name) + " at " + uri.address() + " failed: " + e.getMessage());
            }
            if (expiry instanceof RedisErrorReply e) {
                throw new IOException((pexpiretime ? "PEXPIRETIME " : "PTTL ") + printable(name) + " at "
                        + uri.address() + " failed: " + e.getMessage());
            }
            header(dump);
            long t = expiry instanceof Long l ? l : -1;
            if (!(dump instanceof byte[] payload) || t == -2) {
                vanished++; // deleted or expired since SCAN named it (or between DUMP and its expiry)
                return;
            }
            if (writtenDb != window.db()) {
                writer.selectDb(window.db());
                writtenDb = window.db();
            }
            try {
                writer.key(name, t >= 0, pexpiretime ? t : System.currentTimeMillis() + t, payload);
            } catch (IOException e) {
                throw new IOException("the DUMP of " + printable(name) + " at " + uri.address() + ": "
                        + e.getMessage(), e);
            }
        }

        /**
         * The header, aux fields and functions, before the first key: its RDB version the newest of
         * FUNCTION DUMP's, the first key's payload and (without either) the server release's.
         */
        private void header(Object firstDump) throws IOException {
            if (writer != null) {
                return;
            }
            int version = functions != null ? DumpRdb.version(functions) : rdbVersionOf(server);
            if (firstDump instanceof byte[] payload) {
                version = Math.max(version, DumpRdb.version(payload));
            }
            writer = new DumpRdb(out, version);
            writer.aux("redis-ver", serverInfo.getOrDefault("redis_version", "0.0.0"));
            if (serverInfo.containsKey("valkey_version")) {
                writer.aux("valkey-ver", serverInfo.get("valkey_version"));
            }
            writer.aux("redis-bits", serverInfo.getOrDefault("arch_bits", "64"));
            writer.aux("ctime", Long.toString(scanStartedAt.getEpochSecond()));
            if (functions != null) {
                writer.functions(functions);
            }
        }

        /** The next window of keys, their commands sent; null when every database has been scanned. */
        private Window next() throws IOException {
            while (true) {
                if (dbIndex < 0 || cursor == null) {
                    if (++dbIndex >= dbs.size()) {
                        return null;
                    }
                    int db = dbs.get(dbIndex);
                    if (db != selected) {
                        names.require(c, "SELECT", db);
                        selected = db;
                    }
                    cursor = "0";
                    seen.clear();
                }
                List<byte[]> keys = new ArrayList<>();
                while (cursor != null && keys.size() < options.window()) {
                    Object reply = names.send(c, "SCAN", cursor, "COUNT", options.window());
                    if (!(reply instanceof List<?> parts) || parts.size() != 2) {
                        throw new IOException("SCAN at " + uri.address() + " answered " + reply + " where a cursor and "
                                + "keys were expected");
                    }
                    String nextCursor = text(parts.get(0));
                    for (Object k : (List<?>) parts.get(1)) {
                        byte[] name = k instanceof byte[] b ? b : String.valueOf(k).getBytes(StandardCharsets.UTF_8);
                        if (seen.add(name)) {
                            keys.add(name);
                        } else {
                            repeated++;
                        }
                    }
                    cursor = "0".equals(nextCursor) ? null : nextCursor;
                }
                if (keys.isEmpty()) {
                    continue;
                }
                String dump = names.of("DUMP");
                String ttl = names.of(pexpiretime ? "PEXPIRETIME" : "PTTL");
                for (byte[] k : keys) {
                    c.send(dump, k);
                    c.send(ttl, k);
                }
                c.flush();
                return new Window(selected, keys);
            }
        }
    }

    private static String text(Object o) {
        return o instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : String.valueOf(o);
    }

    private static String printable(byte[] name) {
        String s = new String(name, StandardCharsets.UTF_8);
        StringBuilder out = new StringBuilder("'");
        for (int i = 0; i < s.length() && i < 200; i++) {
            char ch = s.charAt(i);
            out.append(ch < 0x20 || ch == 0x7f ? String.format("\\x%02x", (int) ch) : String.valueOf(ch));
        }
        return out.append(s.length() > 200 ? "...'" : "'").toString();
    }

    /**
     * Fingerprints of the key names of one database already scanned (64-bit, seeded per run):
     * 8 bytes a key in an open-addressing table kept at most half full.
     */
    private static final class KeyNames {
        private final long seed = new java.security.SecureRandom().nextLong();
        private long[] table = new long[1024];
        private boolean zero; // 0 marks an empty slot; the fingerprint 0 is kept aside
        private int size;

        void clear() {
            table = new long[1024];
            zero = false;
            size = 0;
        }

        /** Adds name; false when it was there already. */
        boolean add(byte[] name) {
            long h = fingerprint(name);
            if (h == 0) {
                boolean was = zero;
                zero = true;
                return !was;
            }
            if ((size + 1) * 2 > table.length) {
                grow();
            }
            if (!insert(table, h)) {
                return false;
            }
            size++;
            return true;
        }

        private static boolean insert(long[] t, long h) {
            int mask = t.length - 1;
            int i = (int) (h ^ (h >>> 32)) & mask;
            while (t[i] != 0) {
                if (t[i] == h) {
                    return false;
                }
                i = (i + 1) & mask;
            }
            t[i] = h;
            return true;
        }

        private void grow() {
            long[] bigger = new long[table.length * 2];
            for (long h : table) {
                if (h != 0) {
                    insert(bigger, h);
                }
            }
            table = bigger;
        }

        private long fingerprint(byte[] b) {
            long h = seed ^ (b.length * 0x9E3779B97F4A7C15L);
            int i = 0;
            for (; i + 8 <= b.length; i += 8) {
                long k = 0;
                for (int j = 0; j < 8; j++) {
                    k |= (b[i + j] & 0xFFL) << (8 * j);
                }
                h = mix(h ^ mix(k));
            }
            long k = 0;
            for (int j = 0; i + j < b.length; j++) {
                k |= (b[i + j] & 0xFFL) << (8 * j);
            }
            return mix(h ^ mix(k ^ 0x5bd1e995L));
        }

        private static long mix(long z) {
            z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
            z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
            return z ^ (z >>> 33);
        }
    }

    /** Bytes written by the RDB writer and read by the snapshot writer; one window at a time. */
    private static final class Buffer extends OutputStream {
        private byte[] bytes = new byte[64 * 1024];
        private int start;
        private int end;

        int available() {
            return end - start;
        }

        int take(byte[] b, int off, int len) {
            int n = Math.min(len, end - start);
            System.arraycopy(bytes, start, b, off, n);
            start += n;
            if (start == end) {
                start = 0;
                end = 0;
                if (bytes.length > 4 << 20) {
                    bytes = new byte[64 * 1024]; // do not keep a big window's buffer
                }
            }
            return n;
        }

        @Override
        public void write(int b) {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            if (end + len > bytes.length) {
                bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, end + len));
            }
            System.arraycopy(b, off, bytes, end, len);
            end += len;
        }
    }
}
