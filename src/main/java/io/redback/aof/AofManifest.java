package io.redback.aof;

import io.redback.rdb.Printable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The manifest of a Redis 7+ multi-part AOF ({@code appendonlydir/appendonly.aof.manifest}),
 * parsed as strictly as Redis parses it at startup ({@code aofLoadManifestFromFile}): one
 * {@code file <name> seq <n> type <b|h|i>} line per file, tokens split like
 * {@code sdssplitargs} (quotes and escapes), {@code #} comment lines, keys in any case, extra
 * key/value pairs tolerated, at most one base, strictly increasing incr sequence numbers, bare
 * file names. The base and incr files are what Redis loads, in {@link #loadOrder()}; history
 * files are leftovers of a rewrite that Redis deletes and never loads.
 */
public final class AofManifest {
    /** Redis reads manifest lines with fgets into 1025 bytes: 1024 with the LF. */
    public static final int MAX_LINE = 1024;

    /** A file's role. */
    public enum FileType {
        /** The snapshot the incr files apply to: an RDB, or an AOF (possibly with an RDB preamble). */
        BASE('b'),
        /** A file replaced by a rewrite; never loaded. */
        HISTORY('h'),
        /** Commands written after the base, in sequence order. */
        INCR('i');

        private final char code;

        FileType(char code) {
            this.code = code;
        }

        public char code() {
            return code;
        }

        static FileType of(int c) {
            for (FileType t : values()) {
                if (t.code == c) {
                    return t;
                }
            }
            return null;
        }
    }

    /**
     * One line of the manifest: the file name, its sequence number, its type, the line it is on,
     * and the replication offsets newer Redis releases record (-1 when absent).
     */
    public record Entry(String name, long seq, FileType type, int line, long startOffset, long endOffset) {
    }

    /** The result of looking at a listed file without reading it through. */
    public record FileCheck(Entry entry, Path path, Status status, String message) {
        /** Whether Redis would refuse to start because of it. */
        public boolean fatal() {
            return status == Status.MISSING || status == Status.NOT_A_FILE;
        }
    }

    /** What {@link #verifyFiles()} found about one listed file. */
    public enum Status {
        OK,
        /** A base or incr file that does not exist: Redis refuses to start. */
        MISSING,
        /** A directory or other non-file where a file is listed. */
        NOT_A_FILE,
        /** Named {@code .rdb} but does not start with an RDB header (Redis goes by content). */
        NOT_RDB,
        /** An incr (or {@code .aof}) file whose first byte is neither {@code *} nor {@code #}. */
        NOT_RESP,
        /** An incr file holding an RDB, which Redis never writes there. */
        UNEXPECTED_RDB,
        /** A history file: listed, not read, and possibly already deleted by Redis. */
        HISTORY
    }

    private final Path file;
    private final List<Entry> entries;
    private final Entry base;
    private final List<Entry> incrs;
    private final List<Entry> history;

    private AofManifest(Path file, List<Entry> entries) {
        this.file = file;
        this.entries = List.copyOf(entries);
        Entry b = null;
        List<Entry> i = new ArrayList<>();
        List<Entry> h = new ArrayList<>();
        for (Entry e : entries) {
            switch (e.type()) {
                case BASE -> b = e;
                case INCR -> i.add(e);
                case HISTORY -> h.add(e);
            }
        }
        this.base = b;
        this.incrs = Collections.unmodifiableList(i);
        this.history = Collections.unmodifiableList(h);
    }

    /** Reads and parses a manifest file. */
    public static AofManifest read(Path file) throws IOException, AofManifestException {
        byte[] content;
        try (InputStream in = Files.newInputStream(file)) {
            // A manifest is a few lines; a huge file is not one, and must not be slurped.
            content = in.readNBytes(1 << 20);
            if (in.read() >= 0) {
                throw new AofManifestException(file.toString(), 0, null, "larger than 1 MiB; not an AOF manifest");
            }
        }
        return parse(content, file);
    }

    /** Parses manifest content; {@code file} names it in errors and locates the listed files. */
    public static AofManifest parse(byte[] content, Path file) throws AofManifestException {
        String source = String.valueOf(file);
        List<Entry> entries = new ArrayList<>();
        boolean haveBase = false;
        long maxIncrSeq = 0;
        int lineNo = 0;
        int p = 0;
        if (content.length == 0) {
            throw new AofManifestException(source, 0, null, "the manifest is empty (Redis: \"Found an empty AOF manifest\")");
        }
        while (p < content.length) {
            int nl = indexOf(content, (byte) '\n', p);
            int end = nl < 0 ? content.length : nl;
            lineNo++;
            String shown = Printable.escape(content, p, Math.min(end - p, 200), 120);
            // Redis skips a comment before any other check, so even an over-long one is fine
            // unless its continuation (fgets reads 1024 bytes at a time) is not a comment.
            if (content[p] == '#' && end - p < MAX_LINE) {
                p = nl < 0 ? content.length : nl + 1;
                continue;
            }
            if (end - p >= MAX_LINE) {
                throw new AofManifestException(source, lineNo, shown, "the line is " + (end - p)
                        + " bytes long; Redis reads at most " + (MAX_LINE - 1) + " plus the line end");
            }
            if (nl < 0) {
                throw new AofManifestException(source, lineNo, shown, "the last line does not end with a newline; Redis "
                        + "refuses it (\"The AOF manifest file contains too long line\")");
            }
            entries.add(parseLine(content, p, end, source, lineNo, shown));
            Entry e = entries.get(entries.size() - 1);
            if (e.type() == FileType.BASE) {
                if (haveBase) {
                    throw new AofManifestException(source, lineNo, shown, "a second base file; a manifest has at most one");
                }
                haveBase = true;
            } else if (e.type() == FileType.INCR) {
                if (e.seq() <= maxIncrSeq) {
                    throw new AofManifestException(source, lineNo, shown, "incr seq " + e.seq()
                            + " does not follow " + maxIncrSeq + "; incr sequence numbers must strictly increase");
                }
                maxIncrSeq = e.seq();
            }
            p = nl + 1;
        }
        return new AofManifest(file, entries);
    }

    private static Entry parseLine(byte[] content, int from, int to, String source, int lineNo, String shown)
            throws AofManifestException {
        int s = from;
        int e = to;
        while (s < e && isTrim(content[s])) {
            s++;
        }
        while (e > s && isTrim(content[e - 1])) {
            e--;
        }
        if (s == e) {
            throw new AofManifestException(source, lineNo, shown, "an empty line; every line must describe a file");
        }
        byte[] line = java.util.Arrays.copyOfRange(content, s, e);
        if (indexOf(line, (byte) 0, 0) >= 0) {
            throw new AofManifestException(source, lineNo, shown, "a NUL byte in the line");
        }
        List<byte[]> tokens = SplitArgs.split(line);
        if (tokens == null) {
            throw new AofManifestException(source, lineNo, shown, "unbalanced quotes, or a closing quote not followed "
                    + "by a space");
        }
        if (tokens.size() < 6 || tokens.size() % 2 != 0) {
            throw new AofManifestException(source, lineNo, shown, "expected key/value pairs 'file <name> seq <n> type "
                    + "<b|h|i>', found " + tokens.size() + " token(s)");
        }
        String name = null;
        long seq = 0;
        int type = 0;
        long startOffset = -1;
        long endOffset = -1;
        for (int i = 0; i < tokens.size(); i += 2) {
            String key = new String(tokens.get(i), StandardCharsets.ISO_8859_1);
            byte[] value = tokens.get(i + 1);
            if (key.equalsIgnoreCase("file")) {
                name = new String(value, StandardCharsets.UTF_8);
                if (name.indexOf('/') >= 0 || name.indexOf('\\') >= 0) {
                    throw new AofManifestException(source, lineNo, shown, "file name '" + name
                            + "' is a path; the manifest may only name files in its own directory");
                }
                if (name.isEmpty() || name.equals(".") || name.equals("..")) {
                    throw new AofManifestException(source, lineNo, shown, "file name '" + name + "' is not a file name");
                }
            } else if (key.equalsIgnoreCase("seq")) {
                seq = atoll(value);
            } else if (key.equalsIgnoreCase("type")) {
                type = value.length == 0 ? 0 : value[0] & 0xFF;
            } else if (key.equalsIgnoreCase("startoffset")) {
                startOffset = atoll(value);
            } else if (key.equalsIgnoreCase("endoffset")) {
                endOffset = atoll(value);
            }
        }
        if (name == null || seq == 0 || type == 0) {
            throw new AofManifestException(source, lineNo, shown, "missing " + (name == null ? "'file <name>'"
                    : seq == 0 ? "a non-zero 'seq <n>'" : "'type <b|h|i>'") + "; every line needs file, seq and type");
        }
        FileType t = FileType.of(type);
        if (t == null) {
            throw new AofManifestException(source, lineNo, shown, "unknown file type '" + (char) type
                    + "'; expected b (base), h (history) or i (incr)");
        }
        return new Entry(name, seq, t, lineNo, startOffset, endOffset);
    }

    /** C atoll: leading blanks, an optional sign, digits up to the first non-digit; 0 if none. */
    private static long atoll(byte[] v) {
        int i = 0;
        while (i < v.length && SplitArgs.isSpace(v[i])) {
            i++;
        }
        boolean neg = false;
        if (i < v.length && (v[i] == '-' || v[i] == '+')) {
            neg = v[i] == '-';
            i++;
        }
        long n = 0;
        for (; i < v.length && v[i] >= '0' && v[i] <= '9'; i++) {
            n = n * 10 + (v[i] - '0');
        }
        return neg ? -n : n;
    }

    private static boolean isTrim(byte b) {
        return b == ' ' || b == '\t' || b == '\r' || b == '\n';
    }

    private static int indexOf(byte[] b, byte c, int from) {
        for (int i = from; i < b.length; i++) {
            if (b[i] == c) {
                return i;
            }
        }
        return -1;
    }

    /** The manifest file (null if parsed from bytes without one). */
    public Path file() {
        return file;
    }

    /** The directory the listed files are in: the manifest's own. */
    public Path dir() {
        Path parent = file == null ? null : file.toAbsolutePath().getParent();
        return parent == null ? Path.of(".") : parent;
    }

    /** Every line's entry, in file order. */
    public List<Entry> entries() {
        return entries;
    }

    /** The base file, or null (a manifest may list only incr files). */
    public Entry base() {
        return base;
    }

    public List<Entry> incrs() {
        return incrs;
    }

    public List<Entry> history() {
        return history;
    }

    /** The files Redis loads, in order: the base, then the incr files. */
    public List<Entry> loadOrder() {
        List<Entry> order = new ArrayList<>();
        if (base != null) {
            order.add(base);
        }
        order.addAll(incrs);
        return order;
    }

    public Path pathOf(Entry e) {
        return dir().resolve(e.name());
    }

    /**
     * Looks at every listed file: base and incr files must exist and be regular files, and
     * their first bytes must fit their names (an {@code .rdb} starts with an RDB header, an incr
     * file is RESP); history files are only reported. Does not read the files through.
     */
    public List<FileCheck> verifyFiles() throws IOException {
        List<FileCheck> checks = new ArrayList<>();
        for (Entry e : entries) {
            checks.add(verify(e));
        }
        return checks;
    }

    private FileCheck verify(Entry e) throws IOException {
        Path path = pathOf(e);
        if (e.type() == FileType.HISTORY) {
            return new FileCheck(e, path, Status.HISTORY, Files.exists(path, LinkOption.NOFOLLOW_LINKS)
                    ? "history file (left by a rewrite; never loaded)" : "history file, already deleted (never loaded)");
        }
        if (!Files.exists(path)) {
            return new FileCheck(e, path, Status.MISSING, "listed as the " + typeName(e.type()) + " file (line " + e.line()
                    + ") but missing; Redis refuses to start without it");
        }
        if (!Files.isRegularFile(path)) {
            return new FileCheck(e, path, Status.NOT_A_FILE, "listed as the " + typeName(e.type()) + " file (line "
                    + e.line() + ") but not a regular file");
        }
        byte[] head;
        try (InputStream in = Files.newInputStream(path)) {
            head = in.readNBytes(6);
        }
        boolean rdb = PersistenceFiles.startsLikeRdb(head, head.length);
        boolean respStart = head.length == 0 || head[0] == '*' || head[0] == '#';
        String lower = e.name().toLowerCase(java.util.Locale.ROOT);
        if (e.type() == FileType.BASE && lower.endsWith(".rdb") && !rdb) {
            return new FileCheck(e, path, Status.NOT_RDB, "named .rdb but does not start with an RDB header "
                    + "(Redis decides by content: it reads it as commands)");
        }
        if (e.type() == FileType.INCR && rdb) {
            return new FileCheck(e, path, Status.UNEXPECTED_RDB, "an incr file that starts with an RDB header; Redis "
                    + "only writes commands to incr files");
        }
        if ((e.type() == FileType.INCR || lower.endsWith(".aof")) && !rdb && !respStart) {
            return new FileCheck(e, path, Status.NOT_RESP, "does not start with '*' or '#': not an AOF command stream");
        }
        return new FileCheck(e, path, Status.OK, "ok");
    }

    static String typeName(FileType t) {
        return switch (t) {
            case BASE -> "base";
            case INCR -> "incr";
            case HISTORY -> "history";
        };
    }

    /** The manifest as Redis writes it: base, history, incr; names quoted when they need it. */
    public String format() {
        StringBuilder sb = new StringBuilder();
        List<Entry> ordered = new ArrayList<>();
        if (base != null) {
            ordered.add(base);
        }
        ordered.addAll(history);
        ordered.addAll(incrs);
        for (Entry e : ordered) {
            byte[] name = e.name().getBytes(StandardCharsets.UTF_8);
            sb.append("file ").append(SplitArgs.needsRepr(name) ? SplitArgs.repr(name) : e.name())
                    .append(" seq ").append(e.seq()).append(" type ").append(e.type().code());
            if (e.startOffset() != -1) {
                sb.append(" startoffset ").append(e.startOffset());
                if (e.endOffset() != -1) {
                    sb.append(" endoffset ").append(e.endOffset());
                }
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    /**
     * Whether some non-comment line starts with {@code file}: how {@code redis-check-aof}
     * recognises a manifest. Looks at the first 64 KiB only.
     */
    public static boolean looksLikeManifest(Path path) throws IOException {
        byte[] head;
        try (InputStream in = Files.newInputStream(path)) {
            head = in.readNBytes(64 * 1024);
        }
        int p = 0;
        while (p < head.length) {
            int nl = indexOf(head, (byte) '\n', p);
            int end = nl < 0 ? head.length : nl;
            if (end - p >= 4 && head[p] == 'f' && head[p + 1] == 'i' && head[p + 2] == 'l' && head[p + 3] == 'e') {
                return true;
            }
            if (end > p && head[p] != '#') {
                return false; // the first non-comment line decides; a manifest is written by Redis, not typed
            }
            p = nl < 0 ? head.length : nl + 1;
        }
        return false;
    }
}
