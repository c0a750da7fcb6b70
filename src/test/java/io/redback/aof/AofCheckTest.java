package io.redback.aof;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The AOF check against the fixtures written by real releases, and against the same files cut
 * short, bit-flipped and padded with garbage: what Redis would load is valid, a torn tail is
 * truncated-tail with the cut where Redis's loader cuts, anything else is damaged. Where
 * redis-check-aof is installed, its verdict and ok_up_to are compared on the same files.
 */
@io.redback.testsupport.Slow
class AofCheckTest {
    private static final String INCR = "appendonly.aof.1.incr.aof";
    private static final Instant NOW = Instant.parse("2030-01-02T03:04:05Z");

    @TempDir
    Path tmp;

    private static AofCheckReport check(Path p, AofCheck.Input input) throws IOException {
        return new AofCheck(p, input).run();
    }

    private Path copyDir(Path from, String name) throws IOException {
        Path to = tmp.resolve(name);
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path f : files.collect(Collectors.toList())) {
                Files.copy(f, to.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        return to;
    }

    private static Path sample() {
        return Fixtures.root().resolve("redis-7.0.15-debian/appendonlydir");
    }

    // ---------------------------------------------------------------- what real releases wrote

    @Test
    void everyReleasesAppendonlydirIsValidWithTheCountsAnIndependentParserFinds() throws Exception {
        for (Path dir : Fixtures.dirs()) {
            AofCheckReport r = check(dir, AofCheck.Input.DIR);
            assertThat(r.verdict()).as(dir.toString()).isEqualTo(AofVerdict.VALID);
            assertThat(r.error()).isNull();
            assertThat(r.format()).isEqualTo(AofFormat.AOF_MULTIPART);
            assertThat(r.files()).extracting(AofFileReport::role)
                    .containsExactly(AofFileReport.Role.BASE, AofFileReport.Role.INCR);
            assertThat(r.files().get(0).content()).isEqualTo(AofFileReport.Content.RDB);
            assertThat(r.files().get(0).rdb()).isNotNull();

            Path incr = dir.resolve(r.manifest().incrs().get(0).name());
            TinyAof.Parsed expected = TinyAof.parse(Files.readAllBytes(incr), 0);
            assertThat(r.commands()).as(dir.toString()).isEqualTo(expected.commands().size());
            assertThat(r.annotations()).isEqualTo(expected.annotations().size());
            assertThat(r.transactions()).isEqualTo(expected.commands().stream().filter(c -> c.name().equals("exec")).count());
            assertThat(r.commandsPerDb()).isEqualTo(perDb(expected));
            Map<String, Long> byName = expected.commands().stream()
                    .collect(Collectors.groupingBy(TinyAof.Cmd::name, TreeMap::new, Collectors.counting()));
            r.topCommands().forEach((name, n) -> assertThat(byName.get(name)).as(name).isEqualTo(n));
            assertThat(r.topCommands()).hasSize(Math.min(10, byName.size()));
            List<Long> ts = expected.annotations().stream().filter(a -> a.text().startsWith("#TS:"))
                    .map(a -> Long.parseLong(a.text().substring(4))).collect(Collectors.toList());
            assertThat(r.firstTime()).isEqualTo(ts.isEmpty() ? null : ts.get(0));
            assertThat(r.lastTime()).isEqualTo(ts.isEmpty() ? null : ts.get(ts.size() - 1));

            // the manifest as input gives the same report
            AofCheckReport viaManifest = check(dir.resolve("appendonly.aof.manifest"), AofCheck.Input.MANIFEST);
            assertThat(viaManifest.commands()).isEqualTo(r.commands());
            assertThat(viaManifest.verdict()).isEqualTo(AofVerdict.VALID);
        }
    }

    private static Map<Integer, Long> perDb(TinyAof.Parsed p) {
        Map<Integer, Long> m = new TreeMap<>();
        int db = 0;
        for (TinyAof.Cmd c : p.commands()) {
            if (c.name().equals("select")) {
                db = Integer.parseInt(c.args().get(1));
            }
            m.merge(db, 1L, Long::sum);
        }
        return m;
    }

    @Test
    void theRdbPreambleAofIsValid() throws Exception {
        AofCheckReport r = check(Fixtures.preamble(), AofCheck.Input.FILE);
        assertThat(r.verdict()).isEqualTo(AofVerdict.VALID);
        assertThat(r.format()).isEqualTo(AofFormat.AOF_RDB_PREAMBLE);
        assertThat(r.commands()).isEqualTo(TinyAof.parse(Files.readAllBytes(Fixtures.preamble()),
                Fixtures.PREAMBLE_RDB_END).commands().size()).isEqualTo(2);
        assertThat(r.files().get(0).content()).isEqualTo(AofFileReport.Content.RDB_AND_COMMANDS);
        assertThat(r.files().get(0).rdb().keys()).isEqualTo(2);
        assertThat(r.rdbOnly()).isFalse();
    }

    @Test
    void aPlainRdbReadAsAnAofIsAnRdbWithNothingAfterIt() throws Exception {
        AofCheckReport r = check(Fixtures.root().resolve("redis-7.4.1/dump.rdb"), AofCheck.Input.FILE);
        assertThat(r.verdict()).isEqualTo(AofVerdict.VALID);
        assertThat(r.rdbOnly()).isTrue();
    }

    // ---------------------------------------------------------------- torn tails

    @Test
    void aFileCutAtAnyOffsetIsValidOnlyWhereRedisLosesNothingElseTruncatedTailWithRedisCut() throws Exception {
        byte[] full = Files.readAllBytes(sample().resolve(INCR));
        TinyAof.Parsed parsed = TinyAof.parse(full, 0);
        Optional<Path> rca = RedisCheckAof.binary();
        Path file = tmp.resolve("cut.aof");
        int valid = 0;
        // every offset of the first KiB, every 5th after it, and each side of every command end
        java.util.SortedSet<Integer> offsets = new java.util.TreeSet<>();
        for (int n = 0; n <= full.length; n += n < 1024 ? 1 : 5) {
            offsets.add(n);
        }
        for (TinyAof.Cmd c : parsed.commands()) {
            offsets.addAll(List.of(c.end() - 1, c.end(), Math.min(full.length, c.end() + 1)));
        }
        offsets.add(full.length);
        for (int len : offsets) {
            Files.write(file, Arrays.copyOf(full, len));
            AofCheckReport r = check(file, AofCheck.Input.FILE);
            if (TinyAof.wholeAt(parsed, len)) {
                valid++;
                assertThat(r.verdict()).as("cut at %d", len).isEqualTo(AofVerdict.VALID);
                assertThat(r.commands()).isEqualTo(parsed.commands().stream().filter(c -> c.end() <= len).count());
            } else {
                assertThat(r.verdict()).as("cut at %d", len).isEqualTo(AofVerdict.TRUNCATED_TAIL);
                assertThat(r.cut().truncateTo()).as("cut at %d", len).isEqualTo(TinyAof.keepUpTo(parsed, len));
                assertThat(r.cut().allowed()).isTrue();
                assertThat(r.cut().needsForce()).isFalse();
                assertThat(r.error().file()).isEqualTo("cut.aof");
                assertThat(r.error().offset()).isEqualTo(len);
            }
            if (rca.isPresent() && (len % 41 == 0 || len == full.length)) { // ~50 runs of redis-check-aof
                assertAgreesWithRedisCheckAof(rca.get(), file, r, parsed);
            }
        }
        assertThat(valid).isGreaterThan(parsed.commands().size()); // every boundary, and inside annotations
    }

    /** redis-check-aof says valid exactly when we do; when not, its ok_up_to is our cut plus annotation lines. */
    private static void assertAgreesWithRedisCheckAof(Path rca, Path file, AofCheckReport r, TinyAof.Parsed parsed)
            throws Exception {
        RedisCheckAof.Verdict theirs = RedisCheckAof.check(rca, file);
        assertThat(theirs.valid()).as("redis-check-aof on %s (%d bytes): %s", file, Files.size(file), theirs.output())
                .isEqualTo(r.verdict() == AofVerdict.VALID);
        if (!theirs.valid() && r.cut() != null) {
            long ours = r.cut().truncateTo();
            assertThat(theirs.okUpTo()).isGreaterThanOrEqualTo(ours);
            long between = parsed.annotations().stream().filter(a -> a.start() >= ours && a.end() <= theirs.okUpTo())
                    .mapToLong(a -> a.end() - a.start()).sum();
            assertThat(ours + between).as("bytes between our cut %d and redis-check-aof's %d are annotations only",
                    ours, theirs.okUpTo()).isEqualTo(theirs.okUpTo());
        }
    }

    @Test
    void aLengthThatRunsPastTheEndButSwallowsACommandHeaderIsDamageNotATornWrite() throws Exception {
        String good = "*3\r\n$3\r\nSET\r\n$1\r\na\r\n$1\r\n1\r\n";
        Path file = tmp.resolve("swallow.aof");
        // "$1" of a value became "$90": it runs past the end of the file, swallowing the commands after it
        Files.writeString(file, good + "*3\r\n$3\r\nSET\r\n$1\r\nb\r\n$90\r\n2\r\n" + good + good,
                StandardCharsets.ISO_8859_1);
        AofCheckReport r = check(file, AofCheck.Input.FILE);
        assertThat(r.verdict()).isEqualTo(AofVerdict.DAMAGED);
        assertThat(r.error().message()).contains("a length field is probably corrupt");
        assertThat(r.cut().needsForce()).isTrue();
    }

    // ---------------------------------------------------------------- damage

    @Test
    void aBitFlipInAnyStructuralByteIsDamage() throws Exception {
        byte[] full = Files.readAllBytes(sample().resolve(INCR));
        TinyAof.Parsed parsed = TinyAof.parse(full, 0);
        Optional<Path> rca = RedisCheckAof.binary();
        Path file = tmp.resolve("flipped.aof");
        int n = 0;
        for (Structural s : structuralBytes(parsed)) {
            int[] bits = s.lengthDigit() ? new int[]{4, 5, 6, 7} : new int[]{0, 1, 2, 3, 4, 5, 6, 7};
            int bit = bits[s.offset() % bits.length];
            byte[] b = full.clone();
            b[s.offset()] ^= (byte) (1 << bit);
            Files.write(file, b);
            AofCheckReport r = check(file, AofCheck.Input.FILE);
            assertThat(r.verdict()).as("bit %d of byte %d flipped", bit, s.offset()).isEqualTo(AofVerdict.DAMAGED);
            long cmdStart = s.commandStart();
            assertThat(r.cut().truncateTo()).as("bit %d of byte %d", bit, s.offset())
                    .isEqualTo(TinyAof.keepUpTo(parsed, (int) cmdStart));
            assertThat(r.error().offset()).isGreaterThanOrEqualTo(s.offset());
            if (rca.isPresent() && n++ % 23 == 0) {
                assertThat(RedisCheckAof.check(rca.get(), file).valid()).as("redis-check-aof, byte %d", s.offset())
                        .isFalse();
            }
        }
        assertThat(n).isGreaterThan(1000);
    }

    /** A byte of a command's framing: '*', '$', digits, CR, LF (not a value byte, not an annotation). */
    record Structural(int offset, int commandStart, boolean lengthDigit) {
    }

    static List<Structural> structuralBytes(TinyAof.Parsed parsed) {
        List<Structural> out = new ArrayList<>();
        for (TinyAof.Cmd c : parsed.commands()) {
            int p = c.start();
            String header = "*" + c.args().size() + "\r\n";
            for (int i = 0; i < header.length(); i++) {
                out.add(new Structural(p++, c.start(), false));
            }
            for (String a : c.args()) {
                String len = Integer.toString(a.length());
                out.add(new Structural(p++, c.start(), false)); // '$'
                for (int i = 0; i < len.length(); i++) {
                    out.add(new Structural(p++, c.start(), true));
                }
                out.add(new Structural(p++, c.start(), false));
                out.add(new Structural(p++, c.start(), false));
                p += a.length();
                out.add(new Structural(p++, c.start(), false));
                out.add(new Structural(p++, c.start(), false));
            }
        }
        return out;
    }

    @Test
    void garbageBetweenCommandsIsDamageAndTheCutKeepsWhatCameBefore() throws Exception {
        byte[] full = Files.readAllBytes(sample().resolve(INCR));
        TinyAof.Parsed parsed = TinyAof.parse(full, 0);
        Path file = tmp.resolve("garbage.aof");
        byte[][] garbage = {new byte[16], "garbage\r\n".getBytes(StandardCharsets.US_ASCII), {'\n'},
                "SET a b\r\n".getBytes(StandardCharsets.US_ASCII)};
        for (int i = 0; i < parsed.commands().size(); i += 3) {
            int at = parsed.commands().get(i).start();
            byte[] g = garbage[i % garbage.length];
            byte[] b = new byte[full.length + g.length];
            System.arraycopy(full, 0, b, 0, at);
            System.arraycopy(g, 0, b, at, g.length);
            System.arraycopy(full, at, b, at + g.length, full.length - at);
            Files.write(file, b);
            AofCheckReport r = check(file, AofCheck.Input.FILE);
            assertThat(r.verdict()).as("garbage at %d", at).isEqualTo(AofVerdict.DAMAGED);
            assertThat(r.error().offset()).isEqualTo(at);
            assertThat(r.error().commandIndex()).isEqualTo(i);
            assertThat(r.cut().truncateTo()).isEqualTo(TinyAof.keepUpTo(parsed, at));
        }
    }

    @Test
    void zeroesAfterTheLastCommandAreDamageThatForceCuts() throws Exception {
        Path dir = copyDir(sample(), "zeroes");
        Path incr = dir.resolve(INCR);
        long size = Files.size(incr);
        Files.write(incr, new byte[4096], java.nio.file.StandardOpenOption.APPEND); // what a power loss can leave
        AofCheckReport r = check(dir, AofCheck.Input.DIR);
        assertThat(r.verdict()).isEqualTo(AofVerdict.DAMAGED);
        assertThat(r.error().found()).isEqualTo("NUL (0x00)");
        assertThat(r.error().advice()).contains("--fix --force");

        assertThatThrownBy(() -> AofFix.apply(r, false, NOW)).isInstanceOf(AofFix.Refused.class)
                .hasMessageContaining("damaged, not merely truncated").hasMessageContaining("--fix --force");
        assertThat(Files.size(incr)).isEqualTo(size + 4096);

        AofFix.Result fixed = AofFix.apply(r, true, NOW);
        assertThat(fixed.newSize()).isEqualTo(size);
        assertThat(fixed.backup().getFileName().toString()).isEqualTo(INCR + ".20300102T030405Z.orig");
        assertThat(Files.size(fixed.backup())).isEqualTo(size + 4096);
        assertThat(check(dir, AofCheck.Input.DIR).verdict()).isEqualTo(AofVerdict.VALID);
    }

    // ---------------------------------------------------------------- multi-part sets

    @Test
    void fixingATruncatedTailKeepsACopyAndNeverOverwritesOne() throws Exception {
        Path dir = copyDir(sample(), "torn");
        Path incr = dir.resolve(INCR);
        byte[] full = Files.readAllBytes(incr);
        TinyAof.Parsed parsed = TinyAof.parse(full, 0);
        TinyAof.Cmd last = parsed.commands().get(parsed.commands().size() - 1);
        Files.write(incr, Arrays.copyOf(full, last.end() - 3));

        AofCheckReport r = check(dir, AofCheck.Input.DIR);
        assertThat(r.verdict()).isEqualTo(AofVerdict.TRUNCATED_TAIL);
        assertThat(r.cut().truncateTo()).isEqualTo(TinyAof.keepUpTo(parsed, last.end() - 3));
        assertThat(r.cut().droppedIncomplete()).isTrue();

        Path backup = dir.resolve(INCR + ".20300102T030405Z.orig");
        Files.writeString(backup, "someone else's");
        assertThatThrownBy(() -> AofFix.apply(r, false, NOW)).isInstanceOf(AofFix.Refused.class)
                .hasMessageContaining("already exists");
        assertThat(Files.size(incr)).isEqualTo(last.end() - 3);
        Files.delete(backup);

        AofFix.Result fixed = AofFix.apply(r, false, NOW);
        assertThat(fixed.droppedBytes()).isEqualTo(last.end() - 3 - r.cut().truncateTo());
        assertThat(Files.readAllBytes(backup)).isEqualTo(Arrays.copyOf(full, last.end() - 3));
        assertThat(Files.readAllBytes(incr)).isEqualTo(Arrays.copyOf(full, (int) r.cut().truncateTo()));
        AofCheckReport after = check(dir, AofCheck.Input.DIR);
        assertThat(after.verdict()).isEqualTo(AofVerdict.VALID);
        assertThat(after.commands()).isEqualTo(parsed.commands().size() - 1);
        assertThatThrownBy(() -> AofFix.apply(after, false, NOW)).isInstanceOf(AofFix.Refused.class)
                .hasMessageContaining("nothing to fix");
    }

    @Test
    void aTruncatedFileThatIsNotTheLastIsDamageAndIsNotCut() throws Exception {
        Path dir = copyDir(sample(), "middle");
        byte[] full = Files.readAllBytes(dir.resolve(INCR));
        Files.write(dir.resolve(INCR), Arrays.copyOf(full, full.length - 5));
        Files.write(dir.resolve("appendonly.aof.2.incr.aof"), "*1\r\n$4\r\nPING\r\n".getBytes(StandardCharsets.US_ASCII));
        Files.writeString(dir.resolve("appendonly.aof.manifest"), "file appendonly.aof.1.base.rdb seq 1 type b\n"
                + "file appendonly.aof.0.incr.aof seq 7 type h\n"
                + "file appendonly.aof.1.incr.aof seq 1 type i\nfile appendonly.aof.2.incr.aof seq 2 type i\n");

        AofCheckReport r = check(dir, AofCheck.Input.DIR);
        assertThat(r.verdict()).isEqualTo(AofVerdict.DAMAGED);
        assertThat(r.error().kind()).isEqualTo(AofProblem.Kind.TRUNCATED);
        assertThat(r.error().file()).isEqualTo(INCR);
        assertThat(r.error().message()).contains("not the last file");
        assertThat(r.files()).extracting(AofFileReport::verdict)
                .containsExactly(AofVerdict.VALID, AofVerdict.DAMAGED, AofVerdict.VALID);
        assertThat(r.history()).containsExactly("appendonly.aof.0.incr.aof");
        assertThat(r.cut().allowed()).isFalse();
        assertThatThrownBy(() -> AofFix.apply(r, true, NOW)).isInstanceOf(AofFix.Refused.class)
                .hasMessageContaining("is not the last file").hasMessageContaining("delete the later incr files");
        assertThat(Files.size(dir.resolve(INCR))).isEqualTo(full.length - 5);
        // the second file starts without a #TS of its own: its time carries over from the first
        assertThat(r.files().get(2).commands()).isEqualTo(1);
    }

    @Test
    void aMissingFileOrABadManifestIsDamage() throws Exception {
        Path dir = copyDir(sample(), "missing");
        Files.delete(dir.resolve(INCR));
        AofCheckReport r = check(dir, AofCheck.Input.DIR);
        assertThat(r.verdict()).isEqualTo(AofVerdict.DAMAGED);
        assertThat(r.error().kind()).isEqualTo(AofProblem.Kind.MISSING_FILE);
        assertThat(r.error().manifestLine()).isEqualTo(2);
        assertThat(r.files().get(1).content()).isEqualTo(AofFileReport.Content.MISSING);
        assertThatThrownBy(() -> AofFix.apply(r, true, NOW)).isInstanceOf(AofFix.Refused.class);

        Files.writeString(dir.resolve("appendonly.aof.manifest"), "file appendonly.aof.1.base.rdb seq 1 type b\n"
                + "file appendonly.aof.1.incr.aof seq 1 type q\n");
        AofCheckReport bad = check(dir, AofCheck.Input.DIR);
        assertThat(bad.verdict()).isEqualTo(AofVerdict.DAMAGED);
        assertThat(bad.error().kind()).isEqualTo(AofProblem.Kind.MANIFEST);
        assertThat(bad.error().manifestLine()).isEqualTo(2);
        assertThat(bad.error().message()).contains("unknown file type 'q'");
    }

    @Test
    void aDamagedBaseRdbCannotBeFixedByTruncation() throws Exception {
        Path dir = copyDir(sample(), "base");
        Path base = dir.resolve("appendonly.aof.1.base.rdb");
        byte[] b = Files.readAllBytes(base);
        b[b.length - 3] ^= 0x01; // the CRC64 footer
        Files.write(base, b);
        AofCheckReport r = check(dir, AofCheck.Input.DIR);
        assertThat(r.verdict()).isEqualTo(AofVerdict.DAMAGED);
        assertThat(r.error().kind()).isEqualTo(AofProblem.Kind.RDB_DAMAGED);
        assertThat(r.error().advice()).contains("no truncation can repair an RDB");
        assertThat(r.cut()).isNull();
        assertThatThrownBy(() -> AofFix.apply(r, true, NOW)).isInstanceOf(AofFix.Refused.class);
    }

    @Test
    void aDirectoryNeedsExactlyOneManifest() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("none"));
        assertThatThrownBy(() -> check(dir, AofCheck.Input.DIR)).isInstanceOf(IOException.class)
                .hasMessageContaining("no *.manifest");
        Files.writeString(dir.resolve("a.manifest"), "");
        Files.writeString(dir.resolve("b.manifest"), "");
        Files.writeString(dir.resolve("temp-a.manifest"), "");
        assertThatThrownBy(() -> check(dir, AofCheck.Input.DIR)).isInstanceOf(IOException.class)
                .hasMessageContaining("2 manifests (a.manifest, b.manifest)");
    }

    @Test
    void inputsAreRecognised() throws Exception {
        Path dir = sample();
        assertThat(PersistenceFiles.detect(dir)).isEqualTo(PersistenceFiles.Kind.DIR);
        assertThat(PersistenceFiles.detect(dir.resolve("appendonly.aof.manifest"))).isEqualTo(PersistenceFiles.Kind.MANIFEST);
        assertThat(PersistenceFiles.detect(dir.resolve(INCR))).isEqualTo(PersistenceFiles.Kind.AOF);
        assertThat(PersistenceFiles.detect(dir.resolve("appendonly.aof.1.base.rdb"))).isEqualTo(PersistenceFiles.Kind.RDB);
        assertThat(PersistenceFiles.detect(Fixtures.preamble())).isEqualTo(PersistenceFiles.Kind.AOF);
        Path renamed = tmp.resolve("preamble.bin");
        Files.copy(Fixtures.preamble(), renamed);
        assertThat(PersistenceFiles.detect(renamed)).isEqualTo(PersistenceFiles.Kind.RDB_OR_AOF);
    }
}
