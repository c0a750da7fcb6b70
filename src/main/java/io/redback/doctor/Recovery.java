package io.redback.doctor;

import io.redback.files.NewFile;
import io.redback.aof.AofCheck;
import io.redback.aof.AofCheckReport;
import io.redback.aof.AofCut;
import io.redback.aof.AofFix;
import io.redback.aof.AofManifest;
import io.redback.aof.AofManifestException;
import io.redback.aof.AofProblem;
import io.redback.aof.AofVerdict;
import io.redback.rdb.RdbCheck;
import io.redback.rdb.RdbCheckReport;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code redback recover}: what a Redis server will load from a data dir at startup, decided
 * the way Redis 7 decides it ({@code appendonly yes}: the manifest in {@code appenddirname}, or
 * an old-style single AOF it upgrades; else {@code dbfilename}), whether that loads as it
 * stands, and the options with what each loses. {@link #apply} carries out the safest one that
 * loses nothing Redis would keep: it truncates a torn tail (as {@code check --fix}) and rebuilds
 * a missing or broken manifest from the files present; valid commands after damage in the
 * middle of a file are cut only when forced. Originals are kept beside, fsync'd. Files are
 * checked with the AOF and RDB checkers of {@code check}.
 */
public final class Recovery {
    /** What Redis loads. */
    public enum Source { AOF, RDB, NONE }

    /** Whether it loads as it stands. */
    public enum Verdict {
        /** Every file Redis will load is valid. */
        OK,
        /** Something needs a repair that loses nothing Redis itself would keep. */
        REPAIRABLE,
        /** Redis cannot load it, or only with a loss (cut after damage, an older RDB, the repository). */
        DAMAGED
    }

    /** One file looked at: its role, where it is, its verdict and what was found. */
    public record FileState(String role, Path path, String verdict, String detail) {
    }

    /**
     * A way out: its id, what to do, what it loses, whether {@code --apply} does it (with
     * {@code --force} when {@code needsForce}).
     */
    public record Option(String id, String action, String loses, boolean applied, boolean needsForce) {
    }

    /** What {@link #apply} did: a file changed or written, and where its original was kept (null if none). */
    public record Action(String what, Path file, Path original) {
    }

    /** The newest point the repository can restore, and the command that restores it. */
    public record RepoPoint(Instant time, String command) {
    }

    /** The decision: source, verdict, what Redis would do, the files, the options, what was done. */
    public record Report(StartupConfig config, Source source, Verdict verdict, String loads, String redisWould,
                         List<FileState> files, List<Option> options, List<Action> done, List<String> notes) {
        public Report {
            files = List.copyOf(files);
            options = List.copyOf(options);
            done = List.copyOf(done);
            notes = List.copyOf(notes);
        }

        /** Whether anything still needs doing before Redis loads every file as it stands. */
        public boolean needsRepair() {
            return verdict != Verdict.OK;
        }
    }

    private static final Pattern PART = Pattern.compile("(.+)\\.(\\d+)\\.(base\\.rdb|base\\.aof|incr\\.aof)");

    private final StartupConfig config;
    private final RepoPoint repo;
    private final Instant now;

    public Recovery(StartupConfig config, RepoPoint repo, Instant now) {
        this.config = config;
        this.repo = repo;
        this.now = now;
    }

    /** Looks, changes nothing. */
    public Report plan() throws IOException {
        return assess().report(List.of());
    }

    /**
     * Carries out the options {@link #plan} marks as applied (with force, also the cut after
     * damage), then looks again.
     */
    public Report apply(boolean force) throws IOException {
        Assessment a = assess();
        List<Action> done = new ArrayList<>();
        try {
            if (a.rebuilt != null) {
                done.add(writeManifest(a.rebuilt));
            }
            if (a.source == Source.AOF && a.aofInput != null) {
                AofCheckReport r = new AofCheck(a.aofInput, a.aofKind).run();
                AofCut cut = r.cut();
                boolean tail = r.verdict() == AofVerdict.TRUNCATED_TAIL && cut != null && cut.allowed();
                boolean forced = force && r.verdict() == AofVerdict.DAMAGED && cut != null && cut.allowed()
                        && r.error() != null && r.error().kind() == AofProblem.Kind.DAMAGED;
                if (tail || forced) {
                    AofFix.Result fixed = AofFix.apply(r, forced, now);
                    done.add(new Action((forced ? "cut at the damage: " : "truncated the torn tail: ") + "kept "
                            + fixed.newSize() + " of " + fixed.oldSize() + " bytes, dropped " + fixed.droppedCommands()
                            + " complete command(s)" + (fixed.droppedIncomplete() ? " and an incomplete one" : ""),
                            fixed.file(), fixed.backup()));
                }
            }
        } catch (AofFix.Refused e) {
            throw new IOException(e.getMessage(), e);
        }
        return assess().report(done);
    }

    // ------------------------------------------------------------------------------ deciding

    /** What was found, with what apply needs. */
    private final class Assessment {
        Source source = Source.NONE;
        Verdict verdict = Verdict.OK;
        String loads;
        String redisWould;
        final List<FileState> files = new ArrayList<>();
        final List<Option> options = new ArrayList<>();
        final List<String> notes = new ArrayList<>();
        /** The manifest to write, or null. */
        String rebuilt;
        Path aofInput;
        AofCheck.Input aofKind;

        Report report(List<Action> done) {
            return new Report(config, source, verdict, loads, redisWould, files, options, done, notes);
        }

        void worse(Verdict v) {
            if (v.ordinal() > verdict.ordinal()) {
                verdict = v;
            }
        }
    }

    private Assessment assess() throws IOException {
        Assessment a = new Assessment();
        if (!Files.isDirectory(config.dir())) {
            throw new IOException(config.dir() + ": no such directory (the data dir, --dir or the config's dir)");
        }
        if (config.appendonly()) {
            aof(a);
            rdbFallback(a);
        } else {
            rdb(a);
        }
        if (repo != null && a.verdict != Verdict.OK) {
            a.options.add(new Option("restore-repo", repo.command(), "every write after " + repo.time()
                    + " (the repository's newest restorable point)", false, false));
        }
        if (a.verdict == Verdict.OK) {
            a.options.add(0, new Option("as-is", "start Redis: it loads " + a.loads + " as it stands", "nothing",
                    false, false));
        }
        return a;
    }

    private void aof(Assessment a) throws IOException {
        Path manifest = config.manifest();
        Path old = config.oldStyleAof();
        a.source = Source.AOF;
        if (Files.exists(manifest)) {
            AofManifest m;
            try {
                m = AofManifest.read(manifest);
            } catch (AofManifestException e) {
                a.files.add(new FileState("manifest", manifest, "damaged", e.getMessage()));
                rebuild(a, "the manifest is one Redis refuses", "refuses to start (\"FATAL AOF MANIFEST FILE ERROR\")");
                return;
            }
            if (m.loadOrder().isEmpty() && Files.isRegularFile(old)) {
                oldStyle(a, old);
                return;
            }
            a.aofInput = manifest;
            a.aofKind = AofCheck.Input.MANIFEST;
            a.loads = "the multi-part AOF " + manifest;
            judge(a, new AofCheck(manifest, AofCheck.Input.MANIFEST).run());
            return;
        }
        if (Files.isRegularFile(old) && !hasParts(config.aofDir())) {
            oldStyle(a, old);
            return;
        }
        if (hasParts(config.aofDir())) {
            a.files.add(new FileState("manifest", manifest, "missing", "no " + manifest.getFileName() + " in "
                    + config.aofDir() + ", but AOF files are there"));
            rebuild(a, "the manifest is missing", "starts with an EMPTY dataset: without a manifest it ignores the "
                    + "files in " + config.appenddirname() + ", then writes an empty base over theirs");
            return;
        }
        a.source = Source.NONE;
        a.loads = "nothing";
        a.redisWould = "starts with an empty dataset (appendonly yes, and no AOF in " + config.aofDir() + ")";
        if (Files.isRegularFile(config.rdbFile())) {
            a.notes.add(config.rdbFile() + " exists but Redis does not load it while appendonly is yes: start once "
                    + "with appendonly no to load it, then CONFIG SET appendonly yes (which writes an AOF from it)");
            a.worse(Verdict.DAMAGED);
        }
    }

    private void oldStyle(Assessment a, Path old) throws IOException {
        a.aofInput = old;
        a.aofKind = AofCheck.Input.FILE;
        a.loads = "the single AOF " + old + " (a pre-7 AOF, which Redis moves into " + config.appenddirname()
                + " as its base)";
        judge(a, new AofCheck(old, AofCheck.Input.FILE).run());
    }

    /** Sets verdict, files, options and Redis's own behaviour from an AOF check. */
    private void judge(Assessment a, AofCheckReport r) {
        for (var f : r.files()) {
            a.files.add(new FileState("aof " + f.role().label(), Path.of(f.path()), f.verdict().label(),
                    f.error() == null ? f.content().label() + ", " + f.commands() + " command(s)" : f.error().message()));
        }
        AofCut cut = r.cut();
        switch (r.verdict()) {
            case VALID -> a.redisWould = "loads it (" + r.commands() + " command(s))";
            case TRUNCATED_TAIL -> {
                a.worse(Verdict.REPAIRABLE);
                a.options.add(new Option("truncate-tail", "truncate " + cut.path() + " at byte " + cut.truncateTo()
                        + ", the end of its last complete command outside a MULTI (as `redback check --fix`)",
                        loss(cut), true, false));
                a.redisWould = config.aofLoadTruncated()
                        ? "loads it, dropping the same torn tail itself (aof-load-truncated yes) and truncating the file"
                        : "refuses to start (aof-load-truncated no): \"Unexpected end of file reading the append only file\"";
                if (config.aofLoadTruncated()) {
                    a.options.add(new Option("redis-itself", "start Redis as it is: aof-load-truncated yes drops the "
                            + "same tail and truncates the file, keeping no copy of it", loss(cut), false, false));
                }
            }
            default -> {
                a.worse(Verdict.DAMAGED);
                AofProblem e = r.error();
                if (cut != null && cut.allowed() && cut.needsForce()) {
                    a.options.add(new Option("cut-at-damage", "cut " + cut.path() + " at byte " + cut.truncateTo()
                            + ", before its first damaged command", loss(cut) + ", and every valid command after the "
                            + "damage: " + (cut.size() - cut.truncateTo()) + " byte(s) from byte " + cut.truncateTo()
                            + " to the end", false, true));
                } else if (cut != null && !cut.allowed()) {
                    a.notes.add(cut.refusal());
                }
                a.redisWould = "refuses to start: " + (e == null ? r.verdict().label() : e.message())
                        + (e != null && e.kind() == AofProblem.Kind.DAMAGED ? " (\"Bad file format reading the "
                        + "append only file\")" : "");
            }
        }
    }

    private static String loss(AofCut cut) {
        StringBuilder sb = new StringBuilder();
        sb.append(cut.droppedCommands()).append(" complete command(s)");
        if (cut.droppedIncomplete()) {
            sb.append(" and one incomplete");
        }
        sb.append(", ").append(cut.droppedBytes()).append(" byte(s)");
        if (cut.droppedFromTime() != null && cut.droppedToTime() != null) {
            long secs = Math.max(0, cut.droppedToTime() - cut.droppedFromTime());
            sb.append(", written from ").append(Instant.ofEpochSecond(cut.droppedFromTime())).append(" (")
                    .append(secs).append(" s of writes)");
        }
        return sb.toString();
    }

    /** A manifest from the files present: the base (one at most) and the incr files in sequence order. */
    private void rebuild(Assessment a, String why, String redis) throws IOException {
        a.redisWould = redis;
        a.loads = "the multi-part AOF in " + config.aofDir();
        List<Part> parts = parts(config.aofDir());
        List<Part> bases = parts.stream().filter(p -> p.type.startsWith("base")).toList();
        if (bases.size() > 1) {
            a.worse(Verdict.DAMAGED);
            a.notes.add(why + ", and " + config.aofDir() + " holds " + bases.size() + " base files ("
                    + String.join(", ", bases.stream().map(p -> p.name).toList()) + "): a rewrite's leftovers; which "
                    + "incr files follow the newest base cannot be told from the files. Restore the manifest from a "
                    + "backup, or write it by hand (file <base> seq <n> type b, then file <incr> seq <n> type i)");
            return;
        }
        StringBuilder sb = new StringBuilder();
        List<Part> order = new ArrayList<>(bases);
        parts.stream().filter(p -> p.type.equals("incr.aof")).sorted(Comparator.comparingLong(p -> p.seq))
                .forEach(order::add);
        for (Part p : order) {
            sb.append("file ").append(p.name).append(" seq ").append(p.seq).append(" type ")
                    .append(p.type.startsWith("base") ? 'b' : 'i').append('\n');
        }
        try {
            AofManifest.parse(sb.toString().getBytes(StandardCharsets.UTF_8), config.manifest());
        } catch (AofManifestException e) {
            a.worse(Verdict.DAMAGED);
            a.notes.add(why + ", and the files present do not make a manifest Redis accepts: " + e.getMessage());
            return;
        }
        a.rebuilt = sb.toString();
        a.worse(Verdict.REPAIRABLE);
        a.options.add(new Option("rebuild-manifest", "write " + config.manifest() + " listing " + String.join(", ",
                order.stream().map(p -> p.name).toList()), "nothing: every AOF file present is listed", true, false));
        // Check each file as it would load from the rebuilt manifest: each one starts in db 0.
        for (int i = 0; i < order.size(); i++) {
            Path f = order.get(i).path;
            AofCheckReport r = new AofCheck(f, AofCheck.Input.FILE).run();
            boolean last = i == order.size() - 1;
            String verdict = r.verdict() == AofVerdict.TRUNCATED_TAIL && !last ? "damaged" : r.verdict().label();
            a.files.add(new FileState(i == 0 && bases.size() == 1 ? "aof base" : "aof incr", f, verdict,
                    r.error() == null ? r.commands() + " command(s)" : r.error().message()));
            if (r.verdict() == AofVerdict.TRUNCATED_TAIL && last) {
                a.options.add(new Option("truncate-tail", "then truncate " + f + " at byte " + r.cut().truncateTo()
                        + " (as `redback check --fix`)", loss(r.cut()), true, false));
            } else if (r.verdict() != AofVerdict.VALID) {
                a.worse(Verdict.DAMAGED);
                if (last && r.cut() != null && r.cut().allowed() && r.cut().needsForce()) {
                    a.options.add(new Option("cut-at-damage", "then cut " + f + " at byte " + r.cut().truncateTo(),
                            loss(r.cut()) + ", and every valid command after the damage", false, true));
                }
            }
        }
        a.aofInput = config.manifest();
        a.aofKind = AofCheck.Input.MANIFEST;
    }

    private record Part(Path path, String name, long seq, String type) {
    }

    private List<Part> parts(Path dir) throws IOException {
        List<Part> parts = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return parts;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                Matcher m = PART.matcher(p.getFileName().toString());
                if (m.matches() && m.group(1).equals(config.appendfilename()) && Files.isRegularFile(p)) {
                    parts.add(new Part(p, p.getFileName().toString(), Long.parseLong(m.group(2)), m.group(3)));
                }
            }
        }
        parts.sort(Comparator.comparing(Part::name));
        return parts;
    }

    private boolean hasParts(Path dir) throws IOException {
        return !parts(dir).isEmpty();
    }

    private void rdb(Assessment a) throws IOException {
        Path rdb = config.rdbFile();
        if (!Files.isRegularFile(rdb)) {
            a.source = Source.NONE;
            a.loads = "nothing";
            a.redisWould = "starts with an empty dataset (no " + rdb + ")";
            if (Files.exists(config.manifest()) || Files.isRegularFile(config.oldStyleAof())) {
                a.notes.add("an AOF is there but appendonly is no: Redis does not load it; with appendonly yes it "
                        + "would (check it with --appendonly yes)");
            }
            return;
        }
        a.source = Source.RDB;
        a.loads = "the RDB " + rdb;
        RdbCheckReport r = new RdbCheck(rdb, now.toEpochMilli()).run();
        a.files.add(new FileState("rdb", rdb, r.verdict().name().toLowerCase(Locale.ROOT),
                r.error() == null ? r.keys() + " key(s), saved " + savedAt(r, rdb) : r.error().getMessage()));
        if (r.verdict() == RdbCheckReport.Verdict.VALID) {
            a.redisWould = "loads it (" + r.keys() + " key(s))";
            return;
        }
        a.worse(Verdict.DAMAGED);
        a.redisWould = "refuses to start (\"Short read or OOM loading DB\" or \"Wrong RDB checksum\"): no truncation "
                + "makes a damaged RDB whole";
        if (Files.exists(config.manifest())) {
            a.notes.add("an AOF is in " + config.aofDir() + ": if it is current, start with appendonly yes to load it "
                    + "instead (check it first: redback recover --appendonly yes)");
        }
    }

    /** With appendonly yes, the RDB as the fallback: what it holds and how old it is. */
    private void rdbFallback(Assessment a) throws IOException {
        Path rdb = config.rdbFile();
        if (a.verdict == Verdict.OK || !Files.isRegularFile(rdb)) {
            return;
        }
        RdbCheckReport r = new RdbCheck(rdb, now.toEpochMilli()).run();
        a.files.add(new FileState("rdb (fallback)", rdb, r.verdict().name().toLowerCase(Locale.ROOT),
                r.error() == null ? r.keys() + " key(s), saved " + savedAt(r, rdb) : r.error().getMessage()));
        if (r.verdict() == RdbCheckReport.Verdict.VALID) {
            Instant saved = savedInstant(r, rdb);
            a.options.add(new Option("fallback-rdb", "move " + config.appenddirname() + " aside, start with appendonly "
                    + "no to load " + rdb + ", then CONFIG SET appendonly yes", "every write after the RDB was saved ("
                    + saved + ", " + Duration.between(saved, now).toSeconds() + " s ago)", false, false));
        }
    }

    private static String savedAt(RdbCheckReport r, Path rdb) {
        try {
            return savedInstant(r, rdb).toString();
        } catch (IOException e) {
            return "?";
        }
    }

    /** The RDB's ctime aux field (when it was saved), else the file's modification time. */
    private static Instant savedInstant(RdbCheckReport r, Path rdb) throws IOException {
        String ctime = r.aux().get("ctime");
        long secs = Server.parseLong(ctime, -1);
        return secs > 0 ? Instant.ofEpochSecond(secs) : Files.getLastModifiedTime(rdb).toInstant();
    }

    // ------------------------------------------------------------------------------ writing

    private Action writeManifest(String content) throws IOException {
        Path manifest = config.manifest();
        Path original = null;
        if (Files.exists(manifest)) {
            try {
                original = AofFix.keepOriginal(manifest, now);
            } catch (AofFix.Refused e) {
                throw new IOException(e.getMessage(), e);
            }
        }
        // Redis's own file: its usual mode, written beside under a random name and renamed in.
        NewFile.write(manifest, content.getBytes(StandardCharsets.UTF_8), NewFile.Mode.DEFAULT);
        return new Action("rebuilt the manifest from the files present", manifest, original);
    }
}
