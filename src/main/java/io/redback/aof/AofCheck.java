package io.redback.aof;

import io.redback.log.Tx;
import io.redback.rdb.RdbSummary;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Checks an AOF the way Redis would load it, and as strictly as {@code redis-check-aof}: a
 * single AOF file, an AOF with an RDB preamble, a Redis 7 manifest, or an {@code appendonlydir}
 * (its {@code *.manifest} is found inside). Every file the manifest lists for loading is read
 * through (the RDB preamble or base verified with the RDB reader); history files are only
 * reported. The report gives the verdict ({@link AofVerdict}), each file's counts and verdict,
 * the first problem with its file, offset, command index, database and time, and where a fix
 * would cut ({@link AofCut}, applied by {@link AofFix}). Memory does not grow with the files.
 */
public final class AofCheck {
    /** What the input path is. */
    public enum Input {
        /** One AOF file (commands, possibly after an RDB preamble). */
        FILE,
        /** A multi-part manifest; the files it lists are beside it. */
        MANIFEST,
        /** A directory holding one {@code *.manifest}. */
        DIR
    }

    // The check needs only command names and SELECT's argument: keep little of each command.
    private static final int RETAIN_LIMIT = 4096;

    private final Path input;
    private final Input kind;
    private volatile AofReader current;
    private volatile long doneBytes;
    private volatile long totalBytes;

    public AofCheck(Path input, Input kind) {
        this.input = input;
        this.kind = kind;
    }

    /** Bytes read so far over all files (for progress); safe from another thread. */
    public long bytesRead() {
        AofReader r = current;
        return doneBytes + (r == null ? 0 : r.bytesRead());
    }

    /** Bytes of all the files to read, known once the manifest is read. */
    public long totalBytes() {
        return totalBytes;
    }

    /**
     * What {@link #totalBytes()} will be, found before the run (for a progress bar): the file's
     * size, or the sizes of the files the manifest lists for loading; 0 when that cannot be told.
     */
    public long plannedBytes() {
        try {
            if (kind == Input.FILE) {
                return Files.size(input);
            }
            AofManifest m = AofManifest.read(kind == Input.DIR ? findManifest(input) : input);
            long n = 0;
            for (AofManifest.Entry e : m.loadOrder()) {
                Path p = m.pathOf(e);
                n += Files.isRegularFile(p) ? Files.size(p) : 0;
            }
            return n;
        } catch (IOException | AofManifestException e) {
            return 0; // the run itself reports what is wrong
        }
    }

    /**
     * The manifest of an appendonlydir: its one {@code *.manifest} (Redis's temporary
     * {@code temp-*.manifest} aside).
     *
     * @throws IOException if there is none, or more than one
     */
    public static Path findManifest(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new IOException(dir + ": not a directory; expected a Redis 7+ appendonlydir");
        }
        List<Path> found = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.manifest")) {
            for (Path p : ds) {
                if (!p.getFileName().toString().startsWith("temp-") && Files.isRegularFile(p)) {
                    found.add(p);
                }
            }
        }
        if (found.isEmpty()) {
            throw new IOException(dir + ": no *.manifest in this directory; expected a Redis 7+ appendonlydir");
        }
        if (found.size() > 1) {
            Collections.sort(found);
            throw new IOException(dir + ": " + found.size() + " manifests (" + found.stream()
                    .map(p -> p.getFileName().toString()).reduce((a, b) -> a + ", " + b).orElse("")
                    + "); name the one to check");
        }
        return found.get(0);
    }

    /** Runs the check. Throws IOException only when the input cannot be read at all. */
    public AofCheckReport run() throws IOException {
        long started = System.nanoTime();
        return switch (kind) {
            case FILE -> single(started);
            case MANIFEST -> multiPart(input, started);
            case DIR -> multiPart(findManifest(input), started);
        };
    }

    // ---------------------------------------------------------------- single file

    private AofCheckReport single(long started) throws IOException {
        long size = Files.size(input);
        totalBytes = size;
        String name = String.valueOf(input.getFileName());
        FileScan scan = scan(input, name, -1);
        AofFileReport file = scan.report(AofFileReport.Role.SINGLE, true);
        AofFormat format = scan.rdb != null || (scan.error != null && scan.error.inPreamble())
                ? AofFormat.AOF_RDB_PREAMBLE : AofFormat.AOF;
        return assemble(input.toString(), format, null, List.of(file), List.of(), new ArrayList<>(), size, started);
    }

    // ---------------------------------------------------------------- multi-part

    private AofCheckReport multiPart(Path manifestPath, long started) throws IOException {
        String shown = kind == Input.DIR ? input.toString() : manifestPath.toString();
        AofManifest manifest;
        try {
            manifest = AofManifest.read(manifestPath);
        } catch (AofManifestException e) {
            AofProblem p = new AofProblem(AofProblem.Kind.MANIFEST, String.valueOf(manifestPath.getFileName()), -1, -1, -1,
                    null, e.line(), null, null, e.getMessage(), "Redis refuses to start with this manifest "
                    + "(\"FATAL AOF MANIFEST FILE ERROR\"). Fix the line by hand (keep a copy first) or restore the "
                    + "manifest from a backup; the files it should list are in " + manifestPath.toAbsolutePath().getParent());
            return new AofCheckReport(shown, AofFormat.AOF_MULTIPART, AofVerdict.DAMAGED, null, List.of(), List.of(), 0, 0,
                    0, Map.of(), Map.of(), null, null, p, null, List.of(), 0, System.nanoTime() - started);
        }
        List<String> warnings = new ArrayList<>();
        List<String> history = new ArrayList<>();
        Map<AofManifest.Entry, AofManifest.FileCheck> checks = new LinkedHashMap<>();
        long total = 0;
        for (AofManifest.FileCheck fc : manifest.verifyFiles()) {
            checks.put(fc.entry(), fc);
            switch (fc.status()) {
                case HISTORY -> history.add(fc.entry().name());
                case OK, MISSING, NOT_A_FILE -> {
                }
                default -> warnings.add(fc.entry().name() + ": " + fc.message());
            }
            if (!fc.fatal() && fc.status() != AofManifest.Status.HISTORY) {
                total += Files.size(fc.path());
            }
        }
        totalBytes = total;
        List<AofManifest.Entry> order = manifest.loadOrder();
        if (order.isEmpty()) {
            warnings.add("the manifest lists no base and no incr file: Redis starts with an empty dataset");
        }
        List<AofFileReport> files = new ArrayList<>();
        long time = -1;
        for (int i = 0; i < order.size(); i++) {
            AofManifest.Entry e = order.get(i);
            boolean last = i == order.size() - 1;
            AofFileReport.Role role = e.type() == AofManifest.FileType.BASE
                    ? AofFileReport.Role.BASE : AofFileReport.Role.INCR;
            AofManifest.FileCheck fc = checks.get(e);
            if (fc.fatal()) {
                files.add(missing(e, fc, role));
                continue;
            }
            FileScan scan = scan(fc.path(), e.name(), time);
            time = scan.endTime;
            files.add(scan.report(role, last));
        }
        return assemble(shown, AofFormat.AOF_MULTIPART, manifest, files, history, warnings, total, started);
    }

    private static AofFileReport missing(AofManifest.Entry e, AofManifest.FileCheck fc, AofFileReport.Role role) {
        AofProblem p = new AofProblem(AofProblem.Kind.MISSING_FILE, e.name(), -1, -1, -1, null, e.line(), "the file",
                fc.status() == AofManifest.Status.MISSING ? "nothing" : "not a regular file",
                e.name() + ": " + fc.message(), "Redis refuses to start when a listed base or incr file is missing. "
                + "Restore the file from a backup; without it the commands it held are lost.");
        return new AofFileReport(e.name(), fc.path().toString(), role, AofFileReport.Content.MISSING, 0,
                AofVerdict.DAMAGED, 0, 0, 0, Map.of(), Map.of(), null, null, null, 0, p, null, List.of());
    }

    private AofCheckReport assemble(String shown, AofFormat format, AofManifest manifest, List<AofFileReport> files,
                                    List<String> history, List<String> warnings, long bytes, long started) {
        AofVerdict verdict = AofVerdict.VALID;
        for (AofFileReport f : files) {
            if (severity(f.verdict()) > severity(verdict)) {
                verdict = f.verdict();
            }
        }
        AofProblem error = null;
        AofCut cut = null;
        for (AofFileReport f : files) {
            if (f.verdict() == verdict && f.error() != null) {
                error = f.error();
                cut = f.cut();
                break;
            }
        }
        long commands = 0;
        long annotations = 0;
        long transactions = 0;
        Long first = null;
        Long last = null;
        Map<Integer, Long> perDb = new TreeMap<>();
        Map<String, Long> byName = new LinkedHashMap<>();
        for (AofFileReport f : files) {
            commands += f.commands();
            annotations += f.annotations();
            transactions += f.transactions();
            f.commandsPerDb().forEach((db, n) -> perDb.merge(db, n, Long::sum));
            f.commandsByName().forEach((n, c) -> byName.merge(n, c, Long::sum));
            if (first == null) {
                first = f.firstTime();
            }
            if (f.lastTime() != null) {
                last = f.lastTime();
            }
            for (String w : f.warnings()) {
                warnings.add(f.name() + ": " + w);
            }
        }
        Map<String, Long> top = new LinkedHashMap<>();
        byName.entrySet().stream()
                .sorted((a, b) -> a.getValue().equals(b.getValue()) ? a.getKey().compareTo(b.getKey())
                        : Long.compare(b.getValue(), a.getValue()))
                .limit(AofCheckReport.TOP)
                .forEach(en -> top.put(en.getKey(), en.getValue()));
        return new AofCheckReport(shown, format, verdict, manifest, List.copyOf(files), List.copyOf(history), commands,
                annotations, transactions, Collections.unmodifiableMap(perDb), Collections.unmodifiableMap(top), first,
                last, error, cut, List.copyOf(warnings), bytes, System.nanoTime() - started);
    }

    private static int severity(AofVerdict v) {
        return switch (v) {
            case VALID -> 0;
            case TRUNCATED_TAIL -> 1;
            case UNSUPPORTED -> 2;
            case DAMAGED -> 3;
        };
    }

    // ---------------------------------------------------------------- one file

    private FileScan scan(Path path, String name, long initialTime) throws IOException {
        FileScan s = new FileScan(path, name, Files.size(path));
        AofReader.Options options = AofReader.Options.defaults().withName(name).withInitialTime(initialTime)
                .withRetainLimit(RETAIN_LIMIT);
        try (AofReader r = AofReader.open(path, options)) {
            current = r;
            try {
                s.read(r);
            } catch (AofException e) {
                s.error = e;
            } finally {
                s.finish(r);
                current = null;
                doneBytes += s.size;
            }
        }
        if (s.error != null && s.error.kind() == AofException.Kind.TRUNCATED && !s.openMultiAtEnd) {
            s.headerInside = findCommandHeader(path, s.error.commandOffset() + 1);
        }
        return s;
    }

    /**
     * Offset of something that looks like a command header ({@code \r\n*<digits>\r\n$}) after
     * {@code from}, or -1. Inside a command this only happens within a value, so in a file that
     * ends inside a command it means a corrupt length swallowed what follows, not a torn write.
     */
    static long findCommandHeader(Path path, long from) throws IOException {
        try (InputStream in = new BufferedInputStream(Files.newInputStream(path), 64 * 1024)) {
            in.skipNBytes(from);
            long pos = from;
            int state = 0; // 0 none, 1 CR, 2 CRLF, 3 '*', 4 digits, 5 CR, 6 CRLF
            long star = -1;
            int b;
            while ((b = in.read()) >= 0) {
                state = switch (state) {
                    case 1 -> b == '\n' ? 2 : b == '\r' ? 1 : 0;
                    case 2 -> b == '*' ? 3 : b == '\r' ? 1 : 0;
                    case 3 -> b >= '1' && b <= '9' ? 4 : b == '\r' ? 1 : 0;
                    case 4 -> b >= '0' && b <= '9' ? 4 : b == '\r' ? 5 : 0;
                    case 5 -> b == '\n' ? 6 : b == '\r' ? 1 : 0;
                    case 6 -> b == '$' ? 7 : b == '\r' ? 1 : 0;
                    default -> b == '\r' ? 1 : 0;
                };
                if (state == 3) {
                    star = pos;
                }
                if (state == 7) {
                    return star;
                }
                pos++;
            }
            return -1;
        }
    }

    /** What reading one file found; turned into an {@link AofFileReport}. */
    private static final class FileScan {
        final Path path;
        final String name;
        final long size;
        long commands;
        long annotations;
        long transactions;
        final TreeMap<Integer, long[]> perDb = new TreeMap<>();
        private int lastDb = -1;
        private long[] lastDbCount;
        final CommandCounter names = new CommandCounter();
        long firstTs = -1;
        long lastTs = -1;
        long endTime = -1;
        RdbSummary rdb;
        long commandsStart;
        AofException error;
        long safeEnd;
        long safeBeforeLast;
        long lastCommandOffset = -1;
        long lastCommandEnd = -1;
        long commandsAtSafeEnd;
        long timeAfterSafeEnd = -1;
        boolean openMultiAtEnd;
        boolean lostArguments;
        long headerInside = -1;
        boolean unterminatedAnnotation;
        long invalidSelects;
        long timeWentBack;

        FileScan(Path path, String name, long size) {
            this.path = path;
            this.name = name;
            this.size = size;
        }

        void read(AofReader r) throws IOException, AofException {
            while (true) {
                AofReader.Event e = r.next();
                if (e == AofReader.Event.END) {
                    return;
                }
                if (e == AofReader.Event.ANNOTATION) {
                    annotation(r.annotation());
                } else {
                    if (commands == 0) {
                        safeEnd = r.commandsStart(); // after the RDB preamble, if any
                    }
                    command(r.command(), r.safeEnd());
                }
            }
        }

        private void annotation(AofAnnotation a) {
            annotations++;
            if (!a.terminated()) {
                unterminatedAnnotation = true;
            }
            if (a.isTimestamp()) {
                if (firstTs < 0) {
                    firstTs = a.timestamp();
                }
                if (a.timestamp() < lastTs) {
                    timeWentBack++;
                }
                lastTs = a.timestamp();
            }
        }

        private void command(AofCommand c, long safe) {
            commands++;
            if (c.db() != lastDb) {
                lastDb = c.db();
                lastDbCount = perDb.computeIfAbsent(lastDb, d -> new long[1]);
            }
            lastDbCount[0]++;
            names.add(c.resp());
            if (c.tx() == Tx.EXEC) {
                transactions++;
            }
            lastCommandOffset = c.offset();
            lastCommandEnd = c.end();
            if (safe == c.end()) {
                safeBeforeLast = safeEnd;
                safeEnd = safe;
                commandsAtSafeEnd = commands;
                timeAfterSafeEnd = -1;
            } else if (timeAfterSafeEnd < 0) {
                timeAfterSafeEnd = c.time();
            }
            if (c.is("SELECT") && (c.argCount() < 2 || c.resp().argLong(1, -1) < 0)) {
                invalidSelects++;
            }
        }

        void finish(AofReader r) {
            rdb = r.preamble();
            commandsStart = r.commandsStart();
            if (commands == 0) {
                safeEnd = r.safeEnd(); // no command: where the commands would start
            }
            endTime = r.time();
            openMultiAtEnd = error != null && error.kind() == AofException.Kind.TRUNCATED
                    && error.commandOffset() >= 0 && error.commandOffset() == r.openTransaction();
            // A bulk string where a command should start: the command just before probably lost
            // arguments to a corrupt count (its "*3" became "*2"), so it is not kept either.
            lostArguments = error != null && error.kind() == AofException.Kind.DAMAGED && error.commandOffset() < 0
                    && error.offset() == lastCommandEnd && "'$' (0x24)".equals(error.found());
            if (lostArguments && safeEnd == lastCommandEnd) {
                safeEnd = safeBeforeLast;
                commandsAtSafeEnd--;
            }
        }

        AofFileReport report(AofFileReport.Role role, boolean last) {
            AofFileReport.Content content;
            if (size == 0) {
                content = AofFileReport.Content.EMPTY;
            } else if (rdb != null) {
                content = commandsStart >= size ? AofFileReport.Content.RDB : AofFileReport.Content.RDB_AND_COMMANDS;
            } else if (error != null && error.inPreamble()) {
                content = AofFileReport.Content.RDB;
            } else {
                content = AofFileReport.Content.COMMANDS;
            }
            AofVerdict verdict = AofVerdict.VALID;
            AofProblem problem = null;
            AofCut cut = null;
            if (error != null) {
                boolean suspicious = headerInside >= 0;
                AofProblem.Kind kind = error.inPreamble()
                        ? (error.kind() == AofException.Kind.UNSUPPORTED ? AofProblem.Kind.UNSUPPORTED : AofProblem.Kind.RDB_DAMAGED)
                        : error.kind() == AofException.Kind.TRUNCATED && !suspicious
                        ? AofProblem.Kind.TRUNCATED : AofProblem.Kind.DAMAGED;
                verdict = switch (kind) {
                    case TRUNCATED -> last ? AofVerdict.TRUNCATED_TAIL : AofVerdict.DAMAGED;
                    case UNSUPPORTED -> AofVerdict.UNSUPPORTED;
                    default -> AofVerdict.DAMAGED;
                };
                String message = error.getMessage();
                if (suspicious) {
                    message += "; but a command header follows inside that command, at byte " + headerInside
                            + ": a length field is probably corrupt (a torn write leaves no such thing)";
                }
                if (lostArguments) {
                    message += "; the command at byte " + lastCommandOffset + " before it probably lost arguments "
                            + "to a corrupt argument count, so it is not kept either";
                }
                if (kind == AofProblem.Kind.TRUNCATED && !last) {
                    message += "; and this is not the last file of the set, which Redis refuses "
                            + "(\"the truncated file is not the last file\")";
                }
                cut = error.inPreamble() ? null : cut(kind, role, last);
                problem = new AofProblem(kind, name, error.offset(), error.inPreamble() ? -1 : error.commandIndex(),
                        error.inPreamble() ? -1 : error.db(), error.time() >= 0 ? error.time() : null, -1,
                        error.expected(), error.found(), message, advice(kind, role, last, cut));
            }
            List<String> warnings = new ArrayList<>();
            if (unterminatedAnnotation) {
                warnings.add("the file ends inside an annotation line (no line end); Redis ignores it");
            }
            if (invalidSelects > 0) {
                warnings.add(invalidSelects + " SELECT command(s) without a valid database number; Redis ignores them "
                        + "when loading");
            }
            if (timeWentBack > 0) {
                warnings.add(timeWentBack + " #TS annotation(s) earlier than the one before (the clock went back)");
            }
            if (size == 0 && role == AofFileReport.Role.BASE) {
                warnings.add("the base file is empty");
            }
            Map<Integer, Long> dbs = new TreeMap<>();
            perDb.forEach((db, n) -> dbs.put(db, n[0]));
            return new AofFileReport(name, path.toString(), role, content, size, verdict, commands, annotations,
                    transactions, Collections.unmodifiableMap(dbs), names.toMap(), firstTs >= 0 ? firstTs : null,
                    lastTs >= 0 ? lastTs : null, rdb, commandsStart, problem, cut, List.copyOf(warnings));
        }

        private AofCut cut(AofProblem.Kind kind, AofFileReport.Role role, boolean last) {
            long dropped = commands - commandsAtSafeEnd;
            long from = dropped > 0 ? timeAfterSafeEnd : error.time();
            long to = error.time();
            String refusal = null;
            if (!last) {
                refusal = name + " is not the last file Redis loads; truncating it would leave the commands of "
                        + "the later files applied to a dataset they do not follow. Restore " + name + " from a "
                        + "backup; or, giving up everything written after byte " + safeEnd + " of it, copy the "
                        + "directory, delete the later incr files and their manifest lines, and run "
                        + "`redback check --fix` on the copy (with --force if the file is damaged)";
            }
            return new AofCut(name, path, size, safeEnd, dropped, !openMultiAtEnd, from >= 0 ? from : null,
                    to >= 0 ? to : null, kind != AofProblem.Kind.TRUNCATED, refusal);
        }

        private String advice(AofProblem.Kind kind, AofFileReport.Role role, boolean last, AofCut cut) {
            return switch (kind) {
                case TRUNCATED -> last
                        ? "The end of the file is cut short (a crash, a full disk, or a copy taken during a write). "
                        + "Redis loads it with aof-load-truncated yes (the default) by dropping the incomplete tail; "
                        + "`redback check --fix` drops the same " + cut.droppedBytes() + " byte(s) now and keeps a copy "
                        + "of the original. Stop Redis before fixing a file it is writing."
                        : cut.refusal() + ".";
                case DAMAGED -> last
                        ? "Redis cannot load it as written: it stops (\"Bad file format reading the append only "
                        + "file\") or misreads the damaged bytes. Everything before byte " + cut.truncateTo()
                        + " reads as Redis wrote it. Restore the file from a backup, or run "
                        + "`redback check --fix --force` to cut it there, dropping " + cut.droppedBytes()
                        + " byte(s) and keeping a copy of the original. Stop Redis first."
                        : "Redis cannot load it as written. " + cut.refusal() + ".";
                case RDB_DAMAGED -> "The RDB " + (role == AofFileReport.Role.SINGLE ? "preamble" : "base")
                        + " is damaged, so Redis refuses to load the AOF, and no truncation can repair an RDB. Restore "
                        + "it from a backup (an RDB snapshot of the same moment can replace a base file).";
                case UNSUPPORTED -> "Upgrade redback, or check the file with the server release that wrote it.";
                default -> null;
            };
        }
    }
}
