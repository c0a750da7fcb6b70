package io.redback.rdb;

import io.redback.testsupport.ChildJvm;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Files built to exhaust memory: LZF-compressed key names, aux fields and listpacks that expand
 * about 88 times, claims of gigabytes, listpacks of millions of tiny entries. `check` and
 * `inspect` run on them in a JVM with a 64 MB heap and give one verdict line and an exit code,
 * never an OutOfMemoryError; a name that Redis could load is read (streamed), a blob whose
 * header contradicts its size is damage, a sound blob bigger than the heap allows is "too large".
 */
@io.redback.testsupport.Slow
class HostileRdbTest {
    private static final String HEAP = "-Xmx64m";
    private static final int BOMB = 120 << 20;

    @TempDir
    Path tmp;

    @Test
    void aKeyNameThatExpandsTo120MegabytesIsStreamedAndTheFileIsValid() throws Exception {
        byte[] file = RdbBuilder.redis(11).selectDb(0).u8(0)
                .raw(lzfString("bomb:".getBytes(StandardCharsets.US_ASCII), 'k', BOMB, new byte[0]))
                .str("v").end();
        assertThat(file.length).isLessThan(2 << 20);
        Path rdb = write("name-bomb.rdb", file);
        ChildJvm.Result check = cli("check", rdb);
        assertOneVerdict(check, 0, "VALID");
        ChildJvm.Result inspect = cli("inspect", rdb);
        assertThat(inspect.exit()).as(inspect.stderr()).isZero();
        assertThat(inspect.stdout()).contains("1 keys").doesNotContain("OutOfMemory");
    }

    @Test
    void anAuxFieldThatExpandsTo120MegabytesIsStreamed() throws Exception {
        byte[] file = RdbBuilder.redis(11).u8(0xFA).str("redis-ver")
                .raw(lzfString(new byte[0], 'a', BOMB, new byte[0]))
                .selectDb(0).key(0, "k").str("v").end();
        Path rdb = write("aux-bomb.rdb", file);
        assertOneVerdict(cli("check", rdb), 0, "VALID");
        assertThat(cli("inspect", rdb).exit()).isZero();
    }

    @Test
    void aListpackOf120MegabytesOfZeroesIsDamageFoundInItsHeader() throws Exception {
        byte[] file = RdbBuilder.redis(11).selectDb(0).key(20, "s")
                .raw(lzfString(new byte[0], 0, BOMB, new byte[0])).end();
        Path rdb = write("zero-bomb.rdb", file);
        ChildJvm.Result check = cli("check", rdb);
        assertOneVerdict(check, 1, "DAMAGED");
        assertThat(check.stdout()).contains("says in its header that it is 0 bytes long").contains("key \"s\"");
        ChildJvm.Result inspect = cli("inspect", rdb);
        assertThat(inspect.exit()).as(inspect.stderr()).isEqualTo(1);
        assertThat(inspect.stdout()).contains("DAMAGED");
    }

    @Test
    void aWellFormedListpackBiggerThanTheHeapAllowsIsReportedTooLarge() throws Exception {
        int value = 100 << 20;
        long size = 5L + value;
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int total = 6 + (int) size + 4 + 1;
        le(head, total, 4);
        le(head, 1, 2);
        head.write(0xF0);
        le(head, value, 4);
        byte[] tail = {(byte) (size >>> 21), (byte) ((size >>> 14) & 127 | 128), (byte) ((size >>> 7) & 127 | 128),
                (byte) (size & 127 | 128), (byte) 0xFF};
        byte[] file = RdbBuilder.redis(11).selectDb(0).key(20, "s")
                .raw(lzfString(head.toByteArray(), 'a', value, tail)).end();
        Path rdb = write("sound-bomb.rdb", file);
        ChildJvm.Result check = cli("check", rdb);
        assertOneVerdict(check, 2, "NOT CHECKED: too large for this heap");
        assertThat(check.stdout()).contains("listpack of " + total + " bytes").contains("REDBACK_JAVA_OPTS");
        assertThat(cli("inspect", rdb).exit()).isEqualTo(2);
    }

    @Test
    void aListpackOfMillionsOfTinyEntriesIsReportedTooLarge() throws Exception {
        Path rdb = write("entries-bomb.rdb", tinyEntries(1_000_000));
        assertOneVerdict(cli("check", rdb), 2, "NOT CHECKED: too large for this heap");
    }

    @Test
    void aKeyNameClaimingTwoGigabytesInATruncatedFileCostsNothing() throws Exception {
        byte[] file = RdbBuilder.redis(11).selectDb(0).u8(0).u8(0xC3).len(24 << 20).len(2_000_000_000L)
                .raw(new byte[1024]).end0();
        Path rdb = write("claim.rdb", file);
        assertOneVerdict(cli("check", rdb), 1, "DAMAGED: truncated");
    }

    // ------------------------------------------------------------------ in process, small budgets

    @Test
    void entriesBeyondTheBudgetAreTooLargeButDamageInsideIsStillDamage() throws Exception {
        RdbException e = read(tinyEntries(100_000), 1 << 20);
        assertThat(e.kind()).isEqualTo(RdbException.Kind.TOO_LARGE);
        assertThat(e.detail()).contains("100000 entries");
    }

    @Test
    void namesAreCutForCheckersAndWholeForReadersOfValues() throws Exception {
        byte[] name = new byte[100_000];
        Arrays.fill(name, (byte) 'n');
        name[name.length - 1] = 'z';
        byte[] file = RdbBuilder.redis(11).selectDb(0).u8(0).str(name).str("v").end();
        List<byte[]> seen = new ArrayList<>();
        RdbVisitor names = new RdbVisitor() {
            @Override
            public boolean wantsValues() {
                return false;
            }

            @Override
            public void startKey(RdbKey key) {
                seen.add(key.name());
            }
        };
        new RdbReader(new ByteArrayInputStream(file)).read(names);
        assertThat(seen.get(0)).hasSize(RdbReader.NAME_KEEP).isEqualTo(Arrays.copyOf(name, RdbReader.NAME_KEEP));
        seen.clear();
        new RdbReader(new ByteArrayInputStream(file)).read(new RdbVisitor() {
            @Override
            public void startKey(RdbKey key) {
                seen.add(key.name());
            }
        });
        assertThat(seen.get(0)).isEqualTo(name);
        // A reader of values that is given less memory than the name reports it, precisely.
        assertThatThrownBy(() -> new RdbReader(new ByteArrayInputStream(file), 4096, 50_000).read(new RdbVisitor() {
        })).isInstanceOfSatisfying(RdbException.class, x -> {
            assertThat(x.kind()).isEqualTo(RdbException.Kind.TOO_LARGE);
            assertThat(x.detail()).contains("key name of 100000 bytes");
        });
    }

    @Test
    void consumerNamesThatDifferOnlyPastTheCutAreNotDuplicates() throws Exception {
        byte[] a = new byte[70_000];
        Arrays.fill(a, (byte) 'c');
        byte[] b = a.clone();
        b[b.length - 1] = 'd';
        byte[] file = stream(a, b);
        RdbVisitor checker = new RdbVisitor() {
            @Override
            public boolean wantsValues() {
                return false;
            }
        };
        new RdbReader(new ByteArrayInputStream(file)).read(checker);
        assertThatThrownBy(() -> new RdbReader(new ByteArrayInputStream(stream(a, a.clone()))).read(checker))
                .isInstanceOfSatisfying(RdbException.class, x -> assertThat(x.detail()).contains("duplicate consumer"));
    }

    // ------------------------------------------------------------------ small defects of the same reader

    @Test
    void functionsOfRedis70ReleaseCandidatesAreNamedAndWarnedAbout() throws Exception {
        Path rdb = write("pre-ga.rdb", RdbBuilder.redis(10)
                .u8(0xF6).str("mylib").str("LUA").len(1).str("a description").str("return 1")
                .selectDb(0).key(0, "k").str("v").end());
        RdbCheckReport r = new RdbCheck(rdb, 0).run();
        assertThat(r.verdict()).isEqualTo(RdbCheckReport.Verdict.VALID);
        assertThat(r.functions()).containsExactly("mylib");
        assertThat(r.warnings()).anySatisfy(w -> assertThat(w).contains("0xF6").contains("Redis 7.2 and later refuse"));
    }

    @Test
    void thePreReleaseModuleTypeSaysWhichRedisRefusesIt() throws Exception {
        Path rdb = write("module6.rdb", RdbBuilder.redis(8).selectDb(0).key(6, "m").len(1).end());
        RdbCheckReport r = new RdbCheck(rdb, 0).run();
        assertThat(r.error().detail()).contains("Redis 7.2 and later refuse").doesNotContain("Redis itself");
    }

    @Test
    void aChecksumMismatchIsReportedAsSuchNotAsNotReached() throws Exception {
        byte[] good = RdbBuilder.redis(11).selectDb(0).key(0, "k").str("v").end();
        good[good.length - 12] ^= 1; // a byte of the value: the footer no longer matches
        RdbCheckReport r = new RdbCheck(write("crc.rdb", good), 0).run();
        assertThat(r.error().kind()).isEqualTo(RdbException.Kind.CHECKSUM_MISMATCH);
        assertThat(r.checksum()).isEqualTo(ChecksumStatus.MISMATCH);
        assertThat(r.storedCrc()).isNotEqualTo(r.computedCrc()).isNotZero();
    }

    // ------------------------------------------------------------------ helpers

    private RdbException read(byte[] file, long maxHeld) {
        try {
            new RdbReader(new ByteArrayInputStream(file), RdbReader.DEFAULT_CHUNK_SIZE, maxHeld).read(new RdbVisitor() {
                @Override
                public boolean wantsValues() {
                    return false;
                }
            });
        } catch (RdbException e) {
            return e;
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
        throw new AssertionError("expected an RdbException");
    }

    /** A stream key with one entry and a group of two consumers with these names. */
    private static byte[] stream(byte[] consumer1, byte[] consumer2) {
        return RdbBuilder.redis(11).selectDb(0).key(21, "st")
                .len(1).str(new RdbBuilder().streamId(100, 0).end0()).str(SyntheticLayoutsTest.streamNode())
                .len(2).len(102).len(0).len(100).len(0).len(101).len(0).len(3)
                .len(1).str("g").len(100).len(0).len(0) // group g, last id, entries read
                .len(0) // empty PEL
                .len(2).str(consumer1).le(1L, 8).le(2L, 8).len(0).str(consumer2).le(1L, 8).le(2L, 8).len(0)
                .end();
    }

    /** A set listpack of n one-byte integer entries, LZF-compressed (about 90 times smaller). */
    private static byte[] tinyEntries(int n) {
        long total = 6L + 2L * n + 1;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        RdbBuilder b = RdbBuilder.redis(11).selectDb(0).key(20, "s");
        ByteArrayOutputStream lzf = new ByteArrayOutputStream();
        byte[] head = new byte[8];
        head[0] = (byte) total;
        head[1] = (byte) (total >>> 8);
        head[2] = (byte) (total >>> 16);
        head[3] = (byte) (total >>> 24);
        head[4] = (byte) 0xFF;
        head[5] = (byte) 0xFF;
        head[6] = 1; // entry: the integer 1
        head[7] = 1; // its backlen
        literal(lzf, head);
        backReferences(lzf, 2, 2L * (n - 1));
        literal(lzf, new byte[] {(byte) 0xFF});
        out.writeBytes(lzf.toByteArray());
        return b.u8(0xC3).len(lzf.size()).len(total).raw(out.toByteArray()).end();
    }

    /** An RDB string: LZF of prefix, then n copies of c, then suffix. */
    static byte[] lzfString(byte[] prefix, int c, long n, byte[] suffix) {
        ByteArrayOutputStream lzf = new ByteArrayOutputStream();
        byte[] first = Arrays.copyOf(prefix, prefix.length + 1);
        first[prefix.length] = (byte) c;
        literal(lzf, first);
        backReferences(lzf, 1, n - 1);
        literal(lzf, suffix);
        long len = prefix.length + n + suffix.length;
        ByteArrayOutputStream s = new ByteArrayOutputStream();
        RdbBuilder b = new RdbBuilder().u8(0xC3).len(lzf.size()).len(len).raw(lzf.toByteArray());
        s.writeBytes(b.end0());
        return s.toByteArray();
    }

    private static void literal(ByteArrayOutputStream out, byte[] b) {
        for (int at = 0; at < b.length; at += 32) {
            int n = Math.min(32, b.length - at);
            out.write(n - 1);
            out.write(b, at, n);
        }
    }

    /** Back-references at this distance (1 or 2) covering n bytes, 264 at a time. */
    private static void backReferences(ByteArrayOutputStream out, int distance, long n) {
        while (n > 0) {
            int len = (int) Math.min(264, n);
            if (len < 3) {
                throw new IllegalArgumentException("a run that leaves " + len + " byte(s): pick another length");
            }
            if (n - len > 0 && n - len < 3) {
                len -= 3;
            }
            int l = len - 2;
            if (l < 7) {
                out.write(l << 5);
            } else {
                out.write(7 << 5);
                out.write(l - 7);
            }
            out.write(distance - 1);
            n -= len;
        }
    }

    private static void le(ByteArrayOutputStream out, long v, int bytes) {
        for (int i = 0; i < bytes; i++) {
            out.write((int) (v >>> (8 * i)));
        }
    }

    private Path write(String name, byte[] content) throws Exception {
        Path p = tmp.resolve(name);
        Files.write(p, content);
        return p;
    }

    private ChildJvm.Result cli(String command, Path rdb) throws Exception {
        return ChildJvm.java(tmp, List.of(HEAP, "-XX:+ExitOnOutOfMemoryError", "-cp",
                ChildJvm.classpath(), "io.redback.cli.Main", command, "-q", rdb.toString()));
    }

    private static void assertOneVerdict(ChildJvm.Result r, int exit, String verdict) {
        String all = r.stdout() + r.stderr();
        assertThat(all).doesNotContain("OutOfMemoryError").doesNotContain("\tat ");
        assertThat(r.exit()).as(all).isEqualTo(exit);
        assertThat(r.stdout().lines().findFirst().orElse("")).as(all).contains(verdict);
    }
}
