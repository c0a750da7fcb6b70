package io.redback.testsupport;

import com.github.luben.zstd.Zstd;
import io.redback.backup.SnapshotResult;
import io.redback.backup.SnapshotWriter;
import io.redback.bytes.Sha256;
import io.redback.redis.LocalRedisServer;
import io.redback.redis.RedisConnection;
import io.redback.redis.TransferProgress;
import io.redback.repo.Compression;
import io.redback.repo.Repository;
import io.redback.repo.SegmentManifest;
import io.redback.repo.SnapshotId;
import io.redback.repo.SnapshotManifest;
import io.redback.repo.TimelineManifest;
import io.redback.storage.file.FileStorage;
import io.redback.resp.RespWriter;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

/**
 * Builds a timeline in a file repository the way {@code redback stream} ships one, from a real
 * redis-server (the "source"), so that tests of restore, log and status have true data without
 * running a stream: data loaded first becomes the base snapshot (the source's own SAVE, stored
 * with {@link SnapshotWriter} as a {@code sync} snapshot at an invented replication id and
 * offset), then every {@link #command} is run on the source and appended to the replication
 * stream with the arrival time set by {@link #at} ({@code #TS} lines, offsets, index), a
 * {@code SELECT} put before it whenever the database changes, as Redis propagates. {@link #segment}
 * commits what was appended as one segment; {@link #loseSegment} drops it (a gap);
 * {@link #snapshot} takes a snapshot mid-timeline, {@link #failover} changes the replication id.
 * {@link #replayTo} starts a reference server holding exactly the commands up to an offset.
 *
 * <pre>{@code
 * try (TimelineBuilder t = TimelineBuilder.start(tmp.resolve("repo"), "cache-1", T0)) {
 *     t.load("SET", "a", "1");
 *     t.baseSnapshot();
 *     t.at(T0.plusSeconds(1)).command("SET", "b", "2");
 *     t.db(1).command("SET", "c", "3");
 *     t.segment();
 *     try (LocalRedisServer ref = t.replayTo(t.offset())) { ... }
 * }
 * }</pre>
 */
public final class TimelineBuilder implements AutoCloseable {
    /** The replication offset of the base snapshot, where the log starts. */
    public static final long START_OFFSET = 1_000L;

    private final Path repositoryDir;
    private final FileStorage storage;
    private final Repository repository;
    private final String source;
    private final LocalRedisServer server;
    private final RedisConnection connection;
    private final Random random;
    private final List<Recorded> log = new ArrayList<>();
    private Compression compression = Compression.zstd(3);
    private Instant now;
    private String replicationId;
    private SnapshotManifest base;
    private Path baseRdb;
    private long offset = START_OFFSET;
    private int streamDb = -1;
    private int db;
    private int connectionDb;
    private boolean inMulti;
    private Pending pending;

    /** One command of the stream and the offset after it. */
    private record Recorded(String[] args, long end) {
    }

    private TimelineBuilder(Path repositoryDir, String source, Instant time, long seed) throws IOException {
        this.repositoryDir = repositoryDir;
        this.source = source;
        this.now = time.truncatedTo(ChronoUnit.MILLIS);
        this.random = new Random(seed);
        this.storage = new FileStorage(repositoryDir);
        this.repository = Repository.openOrInit(storage, Clock.fixed(now, ZoneOffset.UTC), notice -> { });
        this.server = Datasets.server().start();
        this.connection = server.connect();
    }

    /**
     * A builder for a new timeline of source in the repository at repositoryDir (created if
     * there is none; an existing one gets another timeline), its clock at time.
     */
    public static TimelineBuilder start(Path repositoryDir, String source, Instant time) throws IOException {
        return new TimelineBuilder(repositoryDir, source, time, time.toEpochMilli());
    }

    /** How segments are stored from now on (default zstd:3). */
    public TimelineBuilder compression(Compression c) {
        this.compression = c;
        return this;
    }

    // ------------------------------------------------------------------ time and databases

    /** The arrival time of the commands that follow (never earlier than the last one). */
    public TimelineBuilder at(Instant time) {
        Instant t = time.truncatedTo(ChronoUnit.MILLIS);
        if (t.isBefore(now)) {
            throw new IllegalArgumentException("time goes forward only: " + t + " is before " + now);
        }
        now = t;
        return this;
    }

    public TimelineBuilder advance(Duration d) {
        return at(now.plus(d));
    }

    /** The database the following commands apply to. */
    public TimelineBuilder db(int n) {
        this.db = n;
        return this;
    }

    // ------------------------------------------------------------------ data

    /** Runs a command on the source before the base snapshot: it is part of the snapshot, not of the log. */
    public TimelineBuilder load(String... args) throws IOException {
        if (base != null) {
            throw new IllegalStateException("load() is for data before the base snapshot; use command() after it");
        }
        run(args);
        return this;
    }

    /** Takes the base snapshot of the source and starts the timeline at {@link #START_OFFSET}. */
    public SnapshotManifest baseSnapshot() throws IOException {
        if (base != null) {
            throw new IllegalStateException("the base snapshot was taken already");
        }
        replicationId = newReplicationId();
        base = takeSnapshot();
        baseRdb = Files.createTempFile("redback-timeline-base-", ".rdb");
        Files.copy(server.rdbFile(), baseRdb, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        repository.commit(new TimelineManifest(TimelineManifest.FORMAT_VERSION, base.id(), source, address(),
                replicationId, START_OFFSET, now));
        return base;
    }

    /** Runs a write on the source and appends it to the stream (after a SELECT when the db changed); returns the offset after it. */
    public long command(String... args) throws IOException {
        if (base == null) {
            throw new IllegalStateException("take the base snapshot first; load() writes data before it");
        }
        if (streamDb != db) {
            append(new String[]{"SELECT", Integer.toString(db)});
            streamDb = db;
        }
        run(args);
        append(args);
        if (args[0].equalsIgnoreCase("MULTI")) {
            inMulti = true;
        } else if (args[0].equalsIgnoreCase("EXEC")) {
            inMulti = false;
        }
        return offset;
    }

    /** Appends a PING to the stream (the master's keepalive: counted in offsets, not a write). */
    public long ping() {
        append(new String[]{"PING"});
        return offset;
    }

    /** Appends REPLCONF GETACK * to the stream. */
    public long getack() {
        append(new String[]{"REPLCONF", "GETACK", "*"});
        return offset;
    }

    private void run(String... args) throws IOException {
        if (connectionDb != db) {
            connection.call("SELECT", Integer.toString(db));
            connectionDb = db;
        }
        connection.call((Object[]) args);
    }

    private void append(String[] args) {
        byte[] bytes = RespWriter.encode(args);
        if (pending == null) {
            pending = new Pending(offset, streamDb, replicationId);
        }
        pending.add(bytes, now);
        offset += bytes.length;
        log.add(new Recorded(args, offset));
    }

    // ------------------------------------------------------------------ segments and snapshots

    /** Commits what was appended since the last segment as one segment. */
    public SegmentManifest segment() throws IOException {
        byte[] stored = stored(pending());
        SegmentManifest m = manifest(pending(), stored);
        storage.put(m.object(), new ByteArrayInputStream(stored), stored.length);
        repository.commit(m);
        pending = null;
        return m;
    }

    /**
     * Closes what was appended since the last segment without storing it: its offsets become a
     * gap. Returns the manifest it would have had (never committed).
     */
    public SegmentManifest loseSegment() {
        SegmentManifest m = manifest(pending(), stored(pending()));
        pending = null;
        return m;
    }

    private Pending pending() {
        if (pending == null) {
            throw new IllegalStateException("no command was appended since the last segment");
        }
        return pending;
    }

    private byte[] stored(Pending p) {
        byte[] raw = p.bytes.toByteArray();
        return compression.algorithm().equals("none") ? raw : Zstd.compress(raw, compression.level());
    }

    private SegmentManifest manifest(Pending p, byte[] stored) {
        byte[] raw = p.bytes.toByteArray();
        String key = repository.segmentDataKey(source, base.id(), p.start, offset, compression);
        return new SegmentManifest(SegmentManifest.FORMAT_VERSION, source, base.id(), p.start, offset, p.replicationId,
                p.selectedDb, p.first, p.last, p.commands, raw.length, stored.length, compression, sha256(stored),
                sha256(raw), p.index, key);
    }

    /** A sync snapshot of the source at the current offset (not inside a MULTI), committed. */
    public SnapshotManifest snapshot() throws IOException {
        if (base == null) {
            throw new IllegalStateException("take the base snapshot first");
        }
        if (inMulti) {
            throw new IllegalStateException("a replication offset inside a MULTI/EXEC is never a snapshot's");
        }
        return takeSnapshot();
    }

    /** A new replication id for the following segments, as after a failover that keeps the offsets. */
    public TimelineBuilder failover() {
        if (pending != null) {
            throw new IllegalStateException("close the segment first: a segment has one replication id");
        }
        replicationId = newReplicationId();
        streamDb = -1; // the new master selects a database again before its first write
        return this;
    }

    private SnapshotManifest takeSnapshot() throws IOException {
        connection.call("SAVE");
        SnapshotId id = SnapshotId.at(now, random);
        String key = repository.dataKey(source, id, Compression.DEFAULT);
        SnapshotResult r;
        try (InputStream in = Files.newInputStream(server.rdbFile())) {
            r = new SnapshotWriter(storage, Compression.DEFAULT, TransferProgress.NONE)
                    .write(key, in, Files.size(server.rdbFile()), SnapshotManifest.Method.SYNC);
        } catch (io.redback.rdb.RdbException e) {
            throw new IOException("the source's RDB does not read: " + e.getMessage(), e);
        }
        SnapshotManifest m = new SnapshotManifest(SnapshotManifest.FORMAT_VERSION, id, source, address(),
                r.redisVersion(), r.rdbVersion(), replicationId, offset, SnapshotManifest.Method.SYNC, now, now,
                r.rawSize(), r.storedSize(), Compression.DEFAULT, r.sha256Stored(), r.sha256Raw(), r.keysPerDbAndType(),
                r.keysWithExpiry(), SnapshotManifest.VALID, key);
        repository.commit(m);
        return m;
    }

    // ------------------------------------------------------------------ what tests look at

    /** The replication offset after the last appended command. */
    public long offset() {
        return offset;
    }

    /** The arrival time of the next command. */
    public Instant time() {
        return now;
    }

    public String replicationId() {
        return replicationId;
    }

    public SnapshotManifest base() {
        return base;
    }

    /** The timeline's id (its base snapshot's). */
    public SnapshotId timelineId() {
        return base.id();
    }

    public String source() {
        return source;
    }

    public Repository repository() {
        return repository;
    }

    public Path repositoryDir() {
        return repositoryDir;
    }

    /** The source server: it has run every command (the state at the end of the log). */
    public LocalRedisServer server() {
        return server;
    }

    /** The file of a data object (a segment's or a snapshot's), e.g. to damage it. */
    public Path objectPath(String key) {
        return repositoryDir.resolve(key);
    }

    /** DEBUG DIGEST of the source now. */
    public String digest() throws IOException {
        return Datasets.digest(server);
    }

    /**
     * A new reference server (debug commands on; the caller closes it) holding the base snapshot
     * and every command of the stream that ends at or before offset, sent as a client sends them:
     * what a restore to that offset must hold. A MULTI without its EXEC before the offset is
     * never executed, as a cut before the MULTI.
     */
    public LocalRedisServer replayTo(long upTo) throws IOException {
        LocalRedisServer ref = Datasets.server().rdb(baseRdb).start();
        try (RedisConnection c = ref.connect()) {
            for (Recorded r : log) {
                if (r.end() > upTo) {
                    break;
                }
                String name = r.args()[0];
                if (!name.equalsIgnoreCase("PING") && !name.equalsIgnoreCase("REPLCONF")) {
                    c.call((Object[]) r.args());
                }
            }
        } catch (IOException | RuntimeException e) {
            ref.close();
            throw e;
        }
        return ref;
    }

    @Override
    public void close() throws IOException {
        try {
            connection.close();
            server.close();
        } finally {
            if (baseRdb != null) {
                Files.deleteIfExists(baseRdb);
            }
            storage.close();
        }
    }

    private String address() {
        return server.host() + ":" + server.port();
    }

    private String newReplicationId() {
        byte[] b = new byte[20];
        random.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    static String sha256(byte[] data) {
        return Sha256.of(data);
    }

    /** The segment being appended to: AOF bytes with #TS lines, and its index. */
    private static final class Pending {
        final long start;
        final int selectedDb;
        final String replicationId;
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final List<SegmentManifest.IndexEntry> index = new ArrayList<>();
        long annotated = Long.MIN_VALUE;
        long commands;
        long end;
        Instant first;
        Instant last;

        Pending(long start, int selectedDb, String replicationId) {
            this.start = start;
            this.end = start;
            this.selectedDb = selectedDb;
            this.replicationId = replicationId;
        }

        void add(byte[] command, Instant arrival) {
            long second = arrival.getEpochSecond();
            if (second != annotated) {
                bytes.writeBytes(("#TS:" + second + "\r\n").getBytes(StandardCharsets.US_ASCII));
                annotated = second;
            }
            bytes.writeBytes(command);
            end += command.length;
            commands++;
            index.add(new SegmentManifest.IndexEntry(end, arrival.toEpochMilli()));
            first = first == null ? arrival : first;
            last = arrival;
        }
    }
}
