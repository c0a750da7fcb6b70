package io.redback.aof;

import io.redback.log.LogCursor;
import io.redback.log.SegmentReader;
import io.redback.log.Tx;
import io.redback.rdb.RdbException;
import io.redback.rdb.RdbReader;
import io.redback.rdb.RdbSummary;
import io.redback.rdb.RdbVisitor;
import io.redback.resp.RespException;
import io.redback.resp.RespReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.PushbackInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Streams one AOF file (a whole old-style AOF, or one base or incr file of a multi-part AOF)
 * the way Redis's loader reads it, delivering each command as a reusable {@link AofCommand}
 * (with its offset, length, index, and from the {@link LogCursor} its database, last {@code #TS}
 * time and transaction role) and
 * each {@code #} line as an {@link AofAnnotation}. A file that starts with {@code REDIS} (or
 * {@code VALKEY}) is an RDB preamble or RDB base: it is read and verified with {@link RdbReader}
 * (nothing of it is delivered; see {@link #preamble()}), and the commands that follow it are
 * read from where it ends.
 *
 * <p>It accepts exactly what Redis writes, as strictly as {@code redis-check-aof}: every
 * command is {@code *<n>} followed by n bulk strings with CRLFs; MULTI and EXEC must pair up.
 * The first problem ends the read with an {@link AofException}; a file that ends inside a
 * command or inside a MULTI without its EXEC is {@link AofException.Kind#TRUNCATED}, the case
 * Redis's {@code aof-load-truncated} cuts back to {@link #safeEnd()}.
 *
 * <pre>{@code
 * try (AofReader r = AofReader.open(path)) {
 *     while (r.next() != AofReader.Event.END) {
 *         if (r.event() == AofReader.Event.COMMAND) { AofCommand c = r.command(); ... }
 *     }
 * }
 * }</pre>
 */
public final class AofReader implements AutoCloseable {
    /** Redis reads annotation lines with {@code fgets} into 1024 bytes: at most 1023 with the LF. */
    public static final int ANNOTATION_MAX_BYTES = SegmentReader.ANNOTATION_MAX_BYTES;

    /** What {@link #next()} found. */
    public enum Event {
        /** A command: see {@link #command()}. */
        COMMAND,
        /** A {@code #} line: see {@link #annotation()}. */
        ANNOTATION,
        /** The clean end of the file. */
        END
    }

    /**
     * How to read: the file's name for messages, the time (unix seconds, -1 unknown) to assume
     * before the first {@code #TS} (the last one of the previous file, when reading a set),
     * how many argument bytes per command to keep ({@link RespReader}), the buffer size.
     */
    public record Options(String name, long initialTime, int retainLimit, int bufferSize) {
        public static Options defaults() {
            return new Options(null, -1, RespReader.DEFAULT_RETAIN_LIMIT, RespReader.DEFAULT_BUFFER_SIZE);
        }

        public Options withName(String n) {
            return new Options(n, initialTime, retainLimit, bufferSize);
        }

        public Options withInitialTime(long t) {
            return new Options(name, t, retainLimit, bufferSize);
        }

        public Options withRetainLimit(int limit) {
            return new Options(name, initialTime, limit, bufferSize);
        }

        public Options withBufferSize(int size) {
            return new Options(name, initialTime, retainLimit, size);
        }
    }

    private static final int MAGIC_BYTES = 6; // "VALKEY"; "REDIS" is 5

    private final PushbackInputStream in;
    private final boolean ownsStream;
    private final Options options;
    private final AofCommand cmd = new AofCommand();
    private volatile RdbReader rdb;
    private volatile RespReader resp;
    private RdbSummary preamble;
    private AofAnnotation annotation;
    private Event event;
    private boolean ended;
    private AofException failed;

    private final LogCursor cursor;
    private long safeEnd;
    private long commands;
    private long annotations;
    private long transactions;

    public AofReader(InputStream in) {
        this(in, Options.defaults());
    }

    public AofReader(InputStream in, Options options) {
        this(in, options, false);
    }

    private AofReader(InputStream in, Options options, boolean ownsStream) {
        this.in = new PushbackInputStream(Objects.requireNonNull(in), MAGIC_BYTES);
        this.options = options;
        this.ownsStream = ownsStream;
        this.cursor = new LogCursor(0, options.initialTime(), -1);
    }

    /** Opens a file; {@link #close()} closes it. Its file name is used in messages. */
    public static AofReader open(Path file) throws IOException {
        return open(file, Options.defaults());
    }

    public static AofReader open(Path file, Options options) throws IOException {
        Options o = options.name() == null ? options.withName(String.valueOf(file.getFileName())) : options;
        return new AofReader(Files.newInputStream(file), o, true);
    }

    /**
     * Reads up to the next command or annotation.
     *
     * @throws AofException at the first problem, and again on every later call
     */
    public Event next() throws IOException, AofException {
        if (failed != null) {
            throw failed;
        }
        try {
            return advance();
        } catch (AofException e) {
            failed = e;
            throw e;
        }
    }

    private Event advance() throws IOException, AofException {
        if (resp == null) {
            start();
        }
        if (ended) {
            return event = Event.END;
        }
        int b = resp.peek();
        if (b == '*') {
            readCommand();
            return event = Event.COMMAND;
        }
        if (b == '#') {
            readAnnotation();
            return event = Event.ANNOTATION;
        }
        if (b < 0) {
            long multiOffset = cursor.openTransaction();
            if (multiOffset >= 0) {
                throw problem(AofException.Kind.TRUNCATED, resp.position(), multiOffset, "EXEC closing the MULTI at byte "
                        + multiOffset, "the end of the file", "the file ends inside the transaction opened by MULTI at byte "
                        + multiOffset + " (" + cursor.queued() + " queued command(s), no EXEC); Redis rolls it back");
            }
            ended = true;
            return event = Event.END;
        }
        long at = resp.position();
        String found = RespReader.describe(b);
        throw problem(AofException.Kind.DAMAGED, at, -1, "'*' starting a command or '#' starting an annotation", found,
                "expected '*' starting a command or '#' starting an annotation, found " + found);
    }

    /** What the last {@link #next()} returned. */
    public Event event() {
        return event;
    }

    /** The command just read (reused: valid until the next call to next()). */
    public AofCommand command() {
        return cmd;
    }

    /** The annotation just read. */
    public AofAnnotation annotation() {
        return annotation;
    }

    /** What the RDB preamble's read established, or null if the file has none (known after the first next()). */
    public RdbSummary preamble() {
        return preamble;
    }

    /** Offset of the first byte after the RDB preamble (0 without one). */
    public long commandsStart() {
        return preamble == null ? 0 : preamble.endOffset();
    }

    /** Offset of the next unread byte. */
    public long position() {
        RespReader r = resp;
        return r == null ? 0 : r.position();
    }

    /** Bytes taken from the input so far; safe to call from another thread (progress bars). */
    public long bytesRead() {
        RespReader r = resp;
        if (r != null) {
            return r.bytesRead();
        }
        RdbReader p = rdb;
        return p == null ? 0 : p.bytesRead();
    }

    /**
     * Offset just after the last command that is not inside an open transaction: the longest
     * prefix Redis would keep if the file ended here ({@code aof-load-truncated}), and the only
     * kind of place to cut an AOF without splitting a MULTI/EXEC.
     */
    public long safeEnd() {
        return safeEnd;
    }

    /** The database currently selected. */
    public int db() {
        return cursor.db();
    }

    /** Unix seconds of the last {@code #TS} so far, or -1. */
    public long time() {
        return cursor.time();
    }

    /** Offset of the MULTI of the transaction open now, or -1. */
    public long openTransaction() {
        return cursor.openTransaction();
    }

    /** Complete commands read so far. */
    public long commands() {
        return commands;
    }

    public long annotations() {
        return annotations;
    }

    /** MULTI/EXEC blocks completed so far. */
    public long transactions() {
        return transactions;
    }

    @Override
    public void close() throws IOException {
        if (ownsStream) {
            in.close();
        }
    }

    // ---------------------------------------------------------------- reading

    private void start() throws IOException, AofException {
        byte[] head = new byte[MAGIC_BYTES];
        int n = in.readNBytes(head, 0, head.length);
        in.unread(head, 0, n);
        boolean isRdb = PersistenceFiles.startsLikeRdb(head, n);
        InputStream commandsIn = in;
        long startOffset = 0;
        if (isRdb) {
            RdbReader r = new RdbReader(in);
            rdb = r;
            try {
                preamble = r.read(new RdbVisitor() {
                    @Override
                    public boolean wantsValues() {
                        return false;
                    }
                });
            } catch (RdbException e) {
                AofException.Kind kind = e.kind() == RdbException.Kind.TOO_NEW || e.kind() == RdbException.Kind.UNSUPPORTED
                        || e.kind() == RdbException.Kind.TOO_LARGE
                        ? AofException.Kind.UNSUPPORTED : AofException.Kind.DAMAGED;
                throw new AofException(kind, options.name(), e.offset(), -1, -1, 0, cursor.time(), null, null,
                        "RDB preamble: " + e.detail(), e);
            }
            commandsIn = r.rest();
            startOffset = preamble.endOffset();
        }
        safeEnd = startOffset;
        resp = new RespReader(commandsIn, startOffset, options.bufferSize(), options.retainLimit());
    }

    private void readAnnotation() throws IOException, AofException {
        RespReader.Line line;
        try {
            line = resp.readLine(ANNOTATION_MAX_BYTES);
        } catch (RespException e) {
            throw fromResp(e);
        }
        annotation = AofAnnotation.of(line.offset(), line.length(), line.text(), line.terminated());
        annotations++;
        if (annotation.isTimestamp()) {
            cursor.timestamp(annotation.timestamp());
        }
    }

    private void readCommand() throws IOException, AofException {
        try {
            resp.read(cmd.resp);
        } catch (RespException e) {
            throw fromResp(e);
        }
        long open = cursor.openTransaction();
        Tx tx = cursor.command(cmd.resp, cmd.resp.offset());
        if (cursor.unpaired()) {
            // Redis refuses both: transactions do not nest, and an EXEC needs its MULTI.
            throw tx == Tx.MULTI ? badCommand("EXEC for the MULTI at byte " + open, "another MULTI",
                    "MULTI inside the transaction opened at byte " + open + "; transactions do not nest")
                    : badCommand("MULTI before EXEC", "EXEC", "EXEC without a MULTI before it");
        }
        if (tx == Tx.EXEC) {
            transactions++;
        }
        cmd.tx = tx;
        cmd.index = commands++;
        cmd.db = cursor.db();
        cmd.time = cursor.time();
        if (cursor.openTransaction() < 0) {
            safeEnd = cmd.resp.end();
        }
    }

    private AofException badCommand(String expected, String found, String detail) {
        long at = cmd.resp.offset();
        return new AofException(AofException.Kind.DAMAGED, options.name(), at, at, commands, cursor.db(), cursor.time(),
                expected, found, detail, null);
    }

    private AofException fromResp(RespException e) {
        AofException.Kind kind = e.kind() == RespException.Kind.TRUNCATED
                ? AofException.Kind.TRUNCATED : AofException.Kind.DAMAGED;
        String detail = kind == AofException.Kind.TRUNCATED
                ? "the file ends inside the command that starts at byte " + e.commandOffset() + "; expected " + e.expected()
                : "expected " + e.expected() + ", found " + e.found();
        return problem(kind, e.offset(), e.commandOffset(), e.expected(), e.found(), detail);
    }

    private AofException problem(AofException.Kind kind, long offset, long commandOffset, String expected, String found,
                                 String detail) {
        return new AofException(kind, options.name(), offset, commandOffset, commands, cursor.db(), cursor.time(),
                expected, found, detail, null);
    }
}
