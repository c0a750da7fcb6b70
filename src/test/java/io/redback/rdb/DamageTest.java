package io.redback.rdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.redback.cli.Main;
import io.redback.redis.LocalRedisServer;
import io.redback.testsupport.TestRedis;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

/**
 * Damaged copies of real RDB files (fixtures written by Redis and Valkey releases, librdb's and
 * Redis's test dumps, and one written during the test by a real server with every encoding):
 * truncated at many lengths and with single bits flipped at many offsets. For every copy
 * {@link RdbCheck} must produce a report, never an exception, in bounded time and memory, and
 * never call a file with a CRC footer valid; the error offset must lie within the file (and, for
 * a truncation, at or before the cut). A sample of damaged copies also goes through the CLI,
 * which must exit 1 (2 only when the damage reads as a newer or unsupported format), never 0.
 */
@io.redback.testsupport.Slow
class DamageTest {
    /** Files below this size get every byte offset flipped (all 8 bits) and every length cut. */
    static final int SMALL = 4096;
    /** Files below this size get every byte offset flipped (a few bits). */
    static final int EVERY_OFFSET = 64 * 1024;
    /** Cases per big file: spread offsets / lengths, plus the whole head and tail. */
    static final int SPREAD_FLIPS = 400;
    static final int SPREAD_CUTS = 300;
    static final int EDGE = 64;
    static final int[] BIG_FILE_BITS = {0, 3, 7};
    /**
     * Bytes one check may allocate in all (garbage included). A damaged length that makes the
     * reader allocate what it claims, instead of what is there, shows up far above this; it is
     * also the heap `redback check` gets in BoundedMemoryTest.
     */
    static final long ALLOCATION_LIMIT = 48L << 20;
    static final Duration BATCH_TIMEOUT = Duration.ofSeconds(60);
    static final long NOW = 1_700_000_000_000L;

    static final List<String> FIXTURES = List.of(
            "redis-7.4.1/dump.rdb",
            "valkey-8.0.1/dump.rdb",
            "redis-7.0.15-debian/dump.rdb",
            "librdb/100_lists.rdb",
            "librdb/misc_with_stream.rdb",
            "librdb/stream_v11.rdb",
            "librdb/quicklist2_v11.rdb",
            "librdb/quicklist.rdb",
            "librdb/function2.rdb",
            "librdb/function.rdb",
            "librdb/hash_lp_with_hexpire_v12.rdb",
            "librdb/hash_with_expire_v12.rdb",
            "librdb/hash_lp_v11.rdb",
            "librdb/zset_lp_v11.rdb",
            "librdb/set_is_v11.rdb",
            "librdb/set_lp_v11.rdb",
            "librdb/plain_zset_2_v11.rdb",
            "librdb/plain_zset_v6.rdb",
            "librdb/plain_list_v6.rdb",
            "librdb/plain_set_v6.rdb",
            "librdb/zset_zl_v6.rdb",
            "librdb/hash_zl_v6.rdb",
            "librdb/string_lzf.rdb",
            "librdb/string_int_encoded.rdb",
            "librdb/module.rdb",
            "librdb/module_aux_v12.rdb",
            "librdb/mem_policy_lfu.rdb",
            "librdb/mem_policy_lru.rdb",
            "librdb/cluster_slot_info.rdb",
            "librdb/multiple_dbs.rdb",
            "librdb/script.rdb",
            "librdb/ziplist_v3.rdb",
            "librdb/hash_v3.rdb",
            "librdb/hash_zm_v2.rdb",
            "redis-tests/encodings.rdb",
            "redis-tests/hash-zipmap.rdb",
            "redis-tests/hash-ziplist.rdb",
            "redis-tests/zset-ziplist.rdb",
            "redis-tests/list-quicklist.rdb");

    static final String SERVER_FILE = "real-server/every-encoding.rdb";

    /** name -> bytes of every source file. */
    static final Map<String, byte[]> SOURCES = new TreeMap<>();
    /** kind of the error -> how many damaged copies got it, for the summary. */
    static final Map<String, Long> OUTCOMES = new TreeMap<>();
    static final List<String> UNSUPPORTED_FROM_DAMAGE = new ArrayList<>();
    /** Checks that allocated more than the limit (see noCheckAllocatesWhatADamagedLengthClaims). */
    static final List<String> OVERRUNS = new ArrayList<>();

    @TempDir
    static Path tmp;

    @BeforeAll
    static void loadSources() throws Exception {
        for (String f : FIXTURES) {
            SOURCES.put(f, Files.readAllBytes(fixture(f)));
        }
        try (LocalRedisServer redis = TestRedis.server()
                .config("rdbcompression", "yes")
                .config("enable-debug-command", "yes")
                .config("maxmemory-policy", "allkeys-lfu")
                .start();
             Jedis j = RealServerEncodingsTest.jedis(redis)) {
            RealServerEncodingsTest.populateEveryEncoding(j, s -> { });
            assertEquals("OK", j.save());
            SOURCES.put(SERVER_FILE, Files.readAllBytes(redis.rdbFile()));
        }
    }

    @AfterAll
    static void summary() {
        System.out.println("DamageTest outcomes: " + OUTCOMES);
        System.out.println("DamageTest allocation overruns: " + OVERRUNS.size());
        OVERRUNS.forEach(o -> System.out.println("  OVERRUN " + o));
        if (!UNSUPPORTED_FROM_DAMAGE.isEmpty()) {
            System.out.println("DamageTest: " + UNSUPPORTED_FROM_DAMAGE.size() + " damaged copies read as unsupported, e.g. "
                    + UNSUPPORTED_FROM_DAMAGE.subList(0, Math.min(5, UNSUPPORTED_FROM_DAMAGE.size())));
        }
    }

    static Path fixture(String name) throws URISyntaxException {
        URL url = DamageTest.class.getClassLoader().getResource("fixtures/" + name);
        assertNotNull(url, "missing test resource fixtures/" + name);
        return Path.of(url.toURI());
    }

    /**
     * Whether the (undamaged) file is protected by a CRC64: its version has a footer and the
     * writer filled it in (rdbchecksum yes; a zero footer means no checksum).
     */
    static boolean hasCrc(byte[] file) {
        String s = new String(file, 0, 9, StandardCharsets.ISO_8859_1);
        RdbHeader h = s.startsWith("VALKEY") ? new RdbHeader("VALKEY", Integer.parseInt(s.substring(6)))
                : new RdbHeader("REDIS", Integer.parseInt(s.substring(5)));
        boolean footerSet = false;
        for (int i = file.length - 8; i < file.length; i++) {
            footerSet |= file[i] != 0;
        }
        return h.hasChecksum() && footerSet;
    }

    // ================================================================ the originals

    @Test
    void everySourceIsValidAsIs() throws Exception {
        for (Map.Entry<String, byte[]> e : SOURCES.entrySet()) {
            RdbCheckReport r = check(e.getValue(), tmp.resolve("original.rdb"), e.getKey());
            assertEquals(RdbCheckReport.Verdict.VALID, r.verdict(), () -> e.getKey() + ": " + r.error());
        }
        assertTrue(SOURCES.get(SERVER_FILE).length > SMALL, "the server's file is a big one");
    }

    // ================================================================ truncations

    @TestFactory
    Stream<DynamicTest> truncations() {
        return SOURCES.keySet().stream().map(name -> DynamicTest.dynamicTest("truncated " + name, () -> {
            byte[] file = SOURCES.get(name);
            int[] lengths = file.length < EVERY_OFFSET ? range(0, file.length) : spread(file.length, SPREAD_CUTS, EDGE);
            Path p = tmp.resolve("cut.rdb");
            String[] current = {""};
            assertTimeoutPreemptively(BATCH_TIMEOUT, () -> {
                for (int len : lengths) {
                    String label = name + " cut to " + len + " of " + file.length + " bytes";
                    current[0] = label;
                    RdbCheckReport r = check(Arrays.copyOf(file, len), p, label);
                    assertNotEquals(RdbCheckReport.Verdict.VALID, r.verdict(), label + " reads as valid");
                    RdbException e = r.error();
                    assertTrue(e.offset() >= 0 && e.offset() <= len,
                            label + ": error offset " + e.offset() + " is not within the first " + len + " bytes: " + e);
                    RdbException.Kind expected = len < 9 ? RdbException.Kind.NOT_RDB : RdbException.Kind.TRUNCATED;
                    assertEquals(expected, e.kind(), label + ": " + e.getMessage());
                    if (expected == RdbException.Kind.TRUNCATED) {
                        assertEquals(len, e.offset(), label + ": a truncation is reported where the file ends: " + e);
                    }
                    count(e);
                }
            }, () -> "timed out at " + current[0]);
        }));
    }

    // ================================================================ bit flips

    @TestFactory
    Stream<DynamicTest> bitFlips() {
        return SOURCES.keySet().stream().map(name -> DynamicTest.dynamicTest("bit flips in " + name, () -> {
            byte[] file = SOURCES.get(name);
            boolean crc = hasCrc(file);
            int[] offsets = file.length < EVERY_OFFSET ? range(0, file.length) : spread(file.length, SPREAD_FLIPS, EDGE);
            int[] bits = file.length < SMALL ? range(0, 8) : BIG_FILE_BITS;
            Path p = tmp.resolve("flipped.rdb");
            String[] current = {""};
            assertTimeoutPreemptively(BATCH_TIMEOUT, () -> {
                byte[] copy = file.clone();
                for (int off : offsets) {
                    for (int bit : bits) {
                        String label = name + " with bit " + bit + " of byte " + off + " flipped";
                        current[0] = label;
                        copy[off] ^= (byte) (1 << bit);
                        // A byte turned into 0xC3 may be an LZF string header claiming any compressed length.
                        boolean becameLzf = (copy[off] & 0xFF) == 0xC3;
                        RdbCheckReport r = check(copy, p, label, becameLzf);
                        boolean downgraded = crc && versionBelow5(copy);
                        copy[off] = file[off];
                        RdbException e = r.error();
                        if (crc && !downgraded) {
                            assertNotEquals(RdbCheckReport.Verdict.VALID, r.verdict(), label + " reads as valid");
                        }
                        if (e != null) {
                            assertTrue(e.offset() >= 0 && e.offset() <= file.length,
                                    label + ": error offset " + e.offset() + " is outside the file: " + e);
                            count(e);
                            if (e.kind() == RdbException.Kind.TOO_NEW) {
                                assertTrue(off < 9, label + ": only the header can make a file too new");
                            }
                            if (e.kind() == RdbException.Kind.UNSUPPORTED && crc) {
                                synchronized (UNSUPPORTED_FROM_DAMAGE) {
                                    UNSUPPORTED_FROM_DAMAGE.add(label + ": " + e.getMessage());
                                }
                            }
                        } else {
                            OUTCOMES.merge(downgraded ? "VALID (crc, version flipped below 5)"
                                    : crc ? "VALID (crc)" : "VALID (no checksum)", 1L, Long::sum);
                        }
                    }
                }
            }, () -> "timed out at " + current[0]);
        }));
    }

    /** Whether the header says REDIS and a version below 5, which has no CRC64 footer. */
    static boolean versionBelow5(byte[] file) {
        String s = new String(file, 0, 9, StandardCharsets.ISO_8859_1);
        if (!s.startsWith("REDIS") || !s.substring(5).chars().allMatch(Character::isDigit)) {
            return false;
        }
        int v = Integer.parseInt(s.substring(5));
        return v >= 1 && v < 5;
    }

    /** Damaged copies of CRC-protected files made by flipping one bit of the header's version digits. */
    @Test
    void aVersionFlippedBelow5IsNotValid() throws Exception {
        Path p = tmp.resolve("downgraded.rdb");
        List<String> valid = new ArrayList<>();
        for (Map.Entry<String, byte[]> src : SOURCES.entrySet()) {
            byte[] file = src.getValue();
            if (!hasCrc(file)) {
                continue;
            }
            for (int off = 5; off < 9; off++) {
                for (int bit = 0; bit < 8; bit++) {
                    byte[] c = file.clone();
                    c[off] ^= (byte) (1 << bit);
                    if (versionBelow5(c)) {
                        String label = src.getKey() + " byte " + off + " bit " + bit;
                        RdbCheckReport r = check(c, p, label);
                        if (r.verdict() == RdbCheckReport.Verdict.VALID) {
                            valid.add(label + " (" + new String(c, 0, 9, StandardCharsets.ISO_8859_1) + ")");
                        }
                    }
                }
            }
        }
        assertTrue(valid.isEmpty(), valid.size() + " damaged copies read as valid: " + valid);
    }

    /** Single bit flips in the body of CRC-protected files should read as damage, not as an unsupported format. */
    @Test
    void bodyFlipsInCrcFilesAreDamageNotUnsupported() throws Exception {
        Path p = tmp.resolve("unsupported.rdb");
        List<String> unsupported = new ArrayList<>();
        for (Map.Entry<String, byte[]> src : SOURCES.entrySet()) {
            byte[] file = src.getValue();
            if (!hasCrc(file) || file.length >= SMALL) {
                continue;
            }
            byte[] c = file.clone();
            for (int off = 9; off < file.length; off++) {
                for (int bit = 0; bit < 8; bit++) {
                    c[off] ^= (byte) (1 << bit);
                    RdbCheckReport r = check(c, p, src.getKey() + " byte " + off + " bit " + bit, (c[off] & 0xFF) == 0xC3);
                    c[off] = file[off];
                    if (r.verdict() == RdbCheckReport.Verdict.UNSUPPORTED) {
                        unsupported.add(src.getKey() + " byte " + off + " bit " + bit + ": " + r.error().getMessage());
                    }
                }
            }
        }
        assertTrue(unsupported.isEmpty(), unsupported.size() + " damaged copies read as unsupported, e.g. "
                + unsupported.subList(0, Math.min(5, unsupported.size())));
    }

    /**
     * A bit flip that turns a string's encoding byte into 0xC3 (LZF) makes the following bytes a
     * compressed length; the reader then allocates that many bytes before reading any of them.
     */
    @Test
    void noCheckAllocatesWhatADamagedLengthClaims() throws Exception {
        Path p = tmp.resolve("lzf-length.rdb");
        byte[] lfu = SOURCES.get("librdb/mem_policy_lfu.rdb").clone();
        assertEquals(0xC2, lfu[68] & 0xFF);
        lfu[68] ^= 1;
        RdbCheckReport r = check(lfu, p, "librdb/mem_policy_lfu.rdb with bit 0 of byte 68 flipped");
        assertEquals(RdbException.Kind.DAMAGED, r.error().kind(), r.error().getMessage());
        byte[] server = SOURCES.get(SERVER_FILE);
        for (int off = 9; off < server.length; off++) {
            for (int bit = 0; bit < 8; bit++) {
                if (((server[off] ^ (1 << bit)) & 0xFF) == 0xC3) {
                    byte[] c = server.clone();
                    c[off] ^= (byte) (1 << bit);
                    check(c, p, SERVER_FILE + " with bit " + bit + " of byte " + off + " flipped");
                }
            }
        }
    }

    // ================================================================ the CLI on a sample

    @Test
    void theCliExitsOneOnDamagedFilesAndNeverZero() throws Exception {
        ObjectMapper json = new ObjectMapper();
        int runs = 0;
        Map<Integer, Integer> exitCodes = new TreeMap<>();
        for (Map.Entry<String, byte[]> src : SOURCES.entrySet()) {
            byte[] file = src.getValue();
            if (!hasCrc(file)) {
                continue;
            }
            List<byte[]> damaged = new ArrayList<>();
            List<String> labels = new ArrayList<>();
            List<Integer> cutAt = new ArrayList<>();
            for (int len : spread(file.length, 4, 2)) {
                if (len < file.length) {
                    damaged.add(Arrays.copyOf(file, len));
                    labels.add(src.getKey() + " cut to " + len);
                    cutAt.add(len);
                }
            }
            for (int off : spread(file.length, 6, 1)) {
                byte[] c = file.clone();
                c[off] ^= (byte) (1 << (off % 8));
                damaged.add(c);
                labels.add(src.getKey() + " with bit " + (off % 8) + " of byte " + off + " flipped");
                cutAt.add(-1);
            }
            if (src.getKey().equals(SERVER_FILE)) {
                byte[] c = file.clone();
                c[5] = '9'; // REDIS9011: a well-formed header of a version far in the future
                damaged.add(c);
                labels.add(src.getKey() + " with version digit 5 set to 9");
                cutAt.add(-1);
            }
            for (int i = 0; i < damaged.size(); i++) {
                Path p = tmp.resolve("cli-" + runs + ".rdb");
                Files.write(p, damaged.get(i));
                String label = labels.get(i);
                RdbCheckReport report = new RdbCheck(p, NOW).run();
                Cli out = cli("check", "--json", p.toString());
                runs++;
                exitCodes.merge(out.exit, 1, Integer::sum);
                assertNotEquals(0, out.exit, label + ": exit 0 for a damaged file\n" + out.stdout + out.stderr);
                JsonNode doc = json.readTree(out.stdout);
                String verdict = doc.path("verdict").asText();
                JsonNode err = doc.path("error");
                String kind = err.path("kind").asText();
                long offset = err.path("offset").asLong(-1);
                if (out.exit == 2) {
                    assertEquals("unsupported", verdict, label);
                    assertTrue(kind.equals("too-new") || kind.equals("unsupported"), label + ": exit 2 with " + kind);
                } else {
                    assertEquals(1, out.exit, label + "\n" + out.stderr);
                    assertEquals("damaged", verdict, label);
                }
                assertTrue(offset >= 0 && offset <= damaged.get(i).length, label + ": offset " + offset);
                if (cutAt.get(i) >= 0) {
                    assertTrue(offset <= cutAt.get(i), label + ": offset " + offset);
                }
                assertEquals(report.error().offset(), offset, label + ": the CLI reports what RdbCheck found");
                assertEquals(report.error().getMessage(), err.path("message").asText());
                // The human-readable form agrees.
                Cli human = cli("check", "--quiet", p.toString());
                assertEquals(out.exit, human.exit, label);
                assertTrue(human.stdout.contains(verdict.equals("damaged") ? "DAMAGED" : "NOT CHECKED"), human.stdout);
                assertTrue(human.stdout.contains("at byte " + offset), human.stdout);
            }
        }
        assertTrue(runs >= 100, "ran the CLI on " + runs + " damaged files");
        assertTrue(exitCodes.containsKey(2), "the too-new header gives exit 2: " + exitCodes);
        System.out.println("DamageTest CLI exit codes over " + runs + " damaged files: " + exitCodes);
    }

    record Cli(int exit, String stdout, String stderr) {
    }

    /** Runs Main with System.out and System.err captured (picocli writes to them). */
    static synchronized Cli cli(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        int exit;
        try {
            System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
            exit = Main.run(args);
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
        return new Cli(exit, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    }

    // ================================================================ one check

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    /**
     * Writes the bytes to p and checks them: a report must come back (any throwable is a
     * failure naming the case) and the check must not allocate more than the limit.
     */
    static RdbCheckReport check(byte[] data, Path p, String label) throws IOException {
        return check(data, p, label, false);
    }

    /**
     * As {@link #check(byte[], Path, String)}; with knownOverrun an allocation above the limit is
     * only recorded: it is the reader bug that noCheckAllocatesWhatADamagedLengthClaims shows.
     */
    static RdbCheckReport check(byte[] data, Path p, String label, boolean knownOverrun) throws IOException {
        Files.write(p, data);
        long before = THREADS.getCurrentThreadAllocatedBytes();
        RdbCheckReport r;
        try {
            r = new RdbCheck(p, NOW).run();
        } catch (Throwable t) {
            throw new AssertionError(label + ": RdbCheck threw " + t, t);
        }
        long allocated = THREADS.getCurrentThreadAllocatedBytes() - before;
        if (allocated > ALLOCATION_LIMIT) {
            String msg = label + ": the check allocated " + (allocated >> 20) + " MiB for a " + data.length
                    + "-byte file (" + (r.error() == null ? "valid" : r.error().getMessage()) + ")";
            if (!knownOverrun) {
                fail(msg);
            }
            synchronized (OVERRUNS) {
                OVERRUNS.add(msg);
            }
        }
        assertNotNull(r, label);
        assertEquals(data.length, r.size());
        if (r.verdict() != RdbCheckReport.Verdict.VALID) {
            assertNotNull(r.error(), label);
            assertNotNull(r.error().getMessage());
            assertNotNull(r.error().advice());
        }
        return r;
    }

    private static void count(RdbException e) {
        synchronized (OUTCOMES) {
            OUTCOMES.merge(e.kind().name(), 1L, Long::sum);
        }
    }

    static int[] range(int from, int to) {
        int[] r = new int[Math.max(0, to - from)];
        for (int i = 0; i < r.length; i++) {
            r[i] = from + i;
        }
        return r;
    }

    /** n values spread evenly over [0, size), plus the first and last `edge` ones, sorted, distinct. */
    static int[] spread(int size, int n, int edge) {
        TreeSet<Integer> s = new TreeSet<>();
        for (int i = 0; i < n; i++) {
            s.add((int) ((long) size * i / n));
        }
        for (int i = 0; i < edge && i < size; i++) {
            s.add(i);
            s.add(size - 1 - i);
        }
        return s.stream().mapToInt(Integer::intValue).toArray();
    }
}
