package io.redback.pitr;

import io.redback.aof.AofManifest;
import io.redback.aof.AofManifestException;
import io.redback.files.NewFile;
import io.redback.log.Damage;
import io.redback.log.LogCursor;
import io.redback.log.SegmentReader;
import io.redback.log.StreamCommands;
import io.redback.rdb.RdbCheckReport;
import io.redback.redis.LocalRedisServer;
import io.redback.redis.RedisConnection;
import io.redback.repo.SegmentManifest;
import io.redback.storage.Storage;
import io.redback.repo.VerifiedObject;
import io.redback.resp.RespCommand;
import io.redback.resp.RespWriter;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * Materialises a {@link Plan} as a Redis data directory. {@link Format#AOF} writes
 * {@code DIR/appendonlydir}, a Redis 7 multi-part AOF: {@code appendonly.aof.1.base.rdb} is the
 * snapshot (decompressed, sizes and SHA-256s checked, the RDB read whole),
 * {@code appendonly.aof.1.incr.aof} the log from the snapshot's offset to the cut (each segment
 * verified; a {@code SELECT} of the database in force first, {@code #TS} lines kept, PING and
 * REPLCONF left out) and the manifest naming them. {@link Format#RDB} loads that directory in a
 * scratch redis-server, SAVEs and writes {@code DIR/dump.rdb} (checked). Everything is written
 * in a temporary folder inside DIR and renamed into place at the end; an existing target is
 * refused unless forced, and nothing is left behind on failure.
 */
public final class RestoreWriter {
    /** What the restore produces. */
    public enum Format { AOF, RDB }

    /**
     * How to write: the format, whether an existing target is replaced, the redis-server to
     * run for {@link Format#RDB} (else unused, may be null), and the instant against which
     * expired keys are counted.
     */
    public record Options(Format format, boolean force, Path redisServer, Instant now) {
    }

    static final String DIR_NAME = "appendonlydir";
    static final String PREFIX = "appendonly.aof";
    static final String BASE = PREFIX + ".1.base.rdb";
    static final String INCR = PREFIX + ".1.incr.aof";
    static final String MANIFEST = PREFIX + ".manifest";
    private static final Duration SCRATCH_TIMEOUT = Duration.ofHours(12);

    private final Storage storage;
    private final AtomicLong progress;

    /** @param progress advanced by the raw bytes downloaded (snapshot and segments), for a progress bar */
    public RestoreWriter(Storage storage, AtomicLong progress) {
        this.storage = storage;
        this.progress = progress;
    }

    /** Where a restore of format into dir goes. */
    public static Path target(Path dir, Format format) {
        Path d = dir.toAbsolutePath().normalize();
        return format == Format.AOF ? d.resolve(DIR_NAME) : d.resolve("dump.rdb");
    }

    /**
     * Writes the plan into dir.
     *
     * @throws RestoreException TARGET_EXISTS (without force), DAMAGED when an object does not
     *     verify
     * @throws IOException when files cannot be written or the scratch server fails
     */
    public RestoreResult write(Plan plan, Path dir, Options options) throws IOException, RestoreException {
        Path d = dir.toAbsolutePath().normalize();
        Path target = target(d, options.format());
        if (Files.exists(d) && !Files.isDirectory(d)) {
            throw new RestoreException(RestoreException.Kind.TARGET_EXISTS, d + " exists and is not a directory: "
                    + "choose another --to-dir");
        }
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS) && !options.force()) {
            throw new RestoreException(RestoreException.Kind.TARGET_EXISTS, target + " already exists: add --force to "
                    + "replace it, or choose another --to-dir");
        }
        NewFile.refuseLink(target); // before the work, not only at the rename
        if (options.format() == Format.RDB && options.redisServer() == null) {
            throw new IllegalArgumentException("--format rdb needs a redis-server to load the result");
        }
        boolean created = !Files.exists(d);
        Files.createDirectories(d);
        Path scratch = Files.createTempDirectory(d, ".redback-restore-");
        boolean done = false;
        try {
            long nowMs = options.now().toEpochMilli();
            Path aofDir = Files.createDirectory(scratch.resolve(DIR_NAME));
            Path base = aofDir.resolve(BASE);
            // Only the AOF format keeps this folder; for an RDB it is read once by redis-server and
            // deleted, so it is not fsynced (the RDB redis-server saves is).
            boolean durable = options.format() == Format.AOF;
            RdbCheckReport baseReport;
            try (FileChannel out = NewFile.create(base, NewFile.Mode.DEFAULT)) {
                baseReport = SnapshotFiles.downloadChecked(storage, plan.snapshot(), out, base, progress, nowMs, () -> { });
                if (durable) {
                    out.force(true);
                }
            }
            Incr incr = writeIncr(plan, aofDir.resolve(INCR), scratch, nowMs, durable);
            writeManifest(aofDir, durable);
            if (durable) {
                fsync(aofDir);
            }
            long resultKeys = -1;
            List<String> command;
            if (options.format() == Format.AOF) {
                moveIntoPlace(aofDir, target, scratch);
                command = List.of("redis-server", "--dir", d.toString(), "--appendonly", "yes", "--appenddirname",
                        DIR_NAME);
            } else {
                Path rdb = saveAsRdb(scratch, options.redisServer());
                resultKeys = SnapshotFiles.check(rdb, null, nowMs).keys();
                moveIntoPlace(rdb, target, scratch);
                command = List.of("redis-server", "--dir", d.toString(), "--dbfilename", "dump.rdb", "--appendonly", "no");
            }
            done = true;
            return new RestoreResult(options.format(), target, baseReport.keys(), baseReport.checksum(), incr.commands,
                    incr.dropped,
                    plan.segments().size(), incr.bytes, baseReport.keysAlreadyExpired(), incr.expired, resultKeys,
                    command);
        } finally {
            deleteTree(scratch);
            if (!done && created) {
                deleteIfEmpty(d);
            }
        }
    }

    // ------------------------------------------------------------------ the incr file

    private record Incr(long commands, long dropped, long bytes, long expired) {
    }

    private Incr writeIncr(Plan plan, Path incr, Path scratch, long nowMs, boolean durable)
            throws IOException, RestoreException {
        long from = plan.fromOffset();
        long cut = plan.cutOffset();
        ExpiryTracker expiry = new ExpiryTracker(nowMs);
        long commands = 0;
        long dropped = 0;
        try (FileChannel out = NewFile.create(incr, NewFile.Mode.DEFAULT)) {
            long lastTs = plan.startTime();
            if (lastTs >= 0) {
                write(out, ("#TS:" + lastTs + "\r\n").getBytes(StandardCharsets.US_ASCII));
            }
            write(out, RespWriter.encode("SELECT", Integer.toString(plan.startDb())));
            // Follows only the commands kept: from the plan's start, where its database is selected.
            LogCursor cursor = new LogCursor(plan.startDb(), lastTs, -1);
            Path file = scratch.resolve("segment.aof");
            for (SegmentManifest s : plan.segments()) {
                fetch(s, file);
                try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ);
                     InputStream stream = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
                    SegmentReader r = new SegmentReader(stream, s);
                    Ranges kept = new Ranges(in, out);
                    SegmentReader.Event ev;
                    while ((ev = r.next()) != SegmentReader.Event.END) {
                        long b = r.start();
                        if (ev == SegmentReader.Event.COMMAND) {
                            if (b < from || b >= cut) {
                                if (b < from && r.end() > from || b < cut && r.end() > cut) {
                                    throw new IllegalStateException("offset " + (b < from ? from : cut) + " is inside the "
                                            + "command at offsets " + b + ".." + r.end() + " of " + s.object());
                                }
                                continue;
                            }
                            RespCommand c = r.command();
                            if (StreamCommands.isStreamOnly(c)) {
                                dropped++;
                                continue;
                            }
                            cursor.command(c, b);
                            expiry.observe(c, cursor.db());
                            kept.add(r.fileStart(), r.fileEnd());
                            commands++;
                        } else if (ev == SegmentReader.Event.TIMESTAMP && b >= from && b < cut && r.timestamp() != lastTs) {
                            kept.add(r.fileStart(), r.fileEnd());
                            lastTs = r.timestamp();
                        }
                    }
                    kept.flush();
                } catch (Damage e) {
                    throw DataObjects.damaged(e);
                }
                Files.delete(file);
            }
            if (durable) {
                out.force(true);
            }
            if (commands != plan.commands() || dropped != plan.dropped()) {
                throw new IllegalStateException("the incr file got " + commands + " command(s) and left out " + dropped
                        + ", the plan counted " + plan.commands() + " and " + plan.dropped());
            }
            return new Incr(commands, dropped, out.size(), expiry.count());
        }
    }

    /** The segment's AOF bytes into file, verified against its manifest. */
    private void fetch(SegmentManifest s, Path file) throws IOException, RestoreException {
        try (FileChannel out = NewFile.create(file, NewFile.Mode.DEFAULT)) {
            DataObjects.fetch(storage, VerifiedObject.Expected.of(s), Channels.newOutputStream(out), progress);
        }
    }

    /**
     * The byte ranges of a segment file kept for the incr file, copied as few long runs rather
     * than one transfer per command (a million commands were a million sendfile calls).
     */
    private static final class Ranges {
        private final FileChannel in;
        private final FileChannel out;
        private long start = -1;
        private long end = -1;

        Ranges(FileChannel in, FileChannel out) {
            this.in = in;
            this.out = out;
        }

        void add(long from, long to) throws IOException {
            if (from != end) {
                flush();
                start = from;
            }
            end = to;
        }

        void flush() throws IOException {
            if (start >= 0 && end > start) {
                copy(in, start, end, out);
            }
            start = -1;
            end = -1;
        }
    }

    private static void copy(FileChannel in, long start, long end, FileChannel out) throws IOException {
        long at = start;
        while (at < end) {
            long n = in.transferTo(at, end - at, out);
            if (n <= 0) {
                throw new IOException("could not copy bytes " + at + ".." + end + " of a segment");
            }
            at += n;
        }
    }

    private static void write(FileChannel out, byte[] bytes) throws IOException {
        write(out, bytes, bytes.length);
    }

    private static void write(FileChannel out, byte[] bytes, int length) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(bytes, 0, length);
        while (b.hasRemaining()) {
            out.write(b);
        }
    }

    private static void writeManifest(Path aofDir, boolean durable) throws IOException {
        String text = "file " + BASE + " seq 1 type b\nfile " + INCR + " seq 1 type i\n";
        Path file = aofDir.resolve(MANIFEST);
        String formatted;
        try {
            formatted = AofManifest.parse(text.getBytes(StandardCharsets.UTF_8), file).format();
        } catch (AofManifestException e) {
            throw new IllegalStateException("the manifest written is not one Redis reads: " + e.getMessage(), e);
        }
        try (FileChannel out = NewFile.create(file, NewFile.Mode.DEFAULT)) {
            write(out, formatted.getBytes(StandardCharsets.UTF_8));
            if (durable) {
                out.force(true);
            }
        }
    }

    // ------------------------------------------------------------------ --format rdb

    /** Loads scratch/appendonlydir in a scratch redis-server, SAVEs, and returns scratch/dump.rdb. */
    private static Path saveAsRdb(Path scratch, Path redisServer) throws IOException {
        try (LocalRedisServer server = LocalRedisServer.builder().binary(redisServer).dir(scratch)
                .config("appendonly", "yes").config("appenddirname", DIR_NAME).config("appendfilename", PREFIX)
                .startTimeout(SCRATCH_TIMEOUT).start();
             RedisConnection c = new RedisConnection(server.host(), server.port(), SCRATCH_TIMEOUT)) {
            c.call("SAVE");
        }
        Path rdb = scratch.resolve("dump.rdb");
        if (!Files.isRegularFile(rdb)) {
            throw new IOException("the scratch redis-server answered SAVE but wrote no " + rdb);
        }
        return rdb;
    }

    // ------------------------------------------------------------------ files

    /**
     * Renames src to target; an existing target is moved into scratch first (and goes with it).
     * A target that is a symbolic link is refused: nothing is written through or over a link.
     */
    private static void moveIntoPlace(Path src, Path target, Path scratch) throws IOException {
        NewFile.refuseLink(target);
        if (Files.isRegularFile(src) && !Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
            Files.move(src, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } else {
            Path old = null;
            if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                old = scratch.resolve("replaced-" + target.getFileName());
                Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
            }
            try {
                Files.move(src, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                if (old != null) {
                    Files.move(old, target, StandardCopyOption.ATOMIC_MOVE);
                }
                throw e;
            }
        }
        fsync(target.getParent());
    }

    private static void fsync(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // Not every file system lets a directory be opened; the rename itself is done.
        }
    }

    private static void deleteIfEmpty(Path dir) {
        try {
            Files.deleteIfExists(dir); // a directory that is not empty stays (DirectoryNotEmptyException)
        } catch (IOException e) {
            // It holds something: not ours to remove.
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
