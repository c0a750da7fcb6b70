package io.redback.rdb;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Runs {@link RdbCheck} over every RDB file written by real servers (src/test/resources/fixtures,
 * copied from the shared fixture set: one folder per server release, librdb's test dumps, the
 * redis/redis test-suite assets) and checks the verdict. Every file is VALID except the few
 * that are damaged or unsupported on purpose, listed in {@link #SPECIAL}.
 */
@io.redback.testsupport.Fast
class FixtureVerdictTest {

    /** What a file that is not VALID must give: verdict, error kind and a phrase of the message. */
    record Expected(RdbCheckReport.Verdict verdict, RdbException.Kind kind, String phrase) {
    }

    static final Map<String, Expected> SPECIAL = Map.of(
            // The CRC64 footer does not match the content (the keys before it read fine).
            "librdb/invalid_chksum_v8.rdb",
            new Expected(RdbCheckReport.Verdict.DAMAGED, RdbException.Kind.CHECKSUM_MISMATCH, "CRC64"),
            // A hash ziplist blob of 5 bytes (less than a ziplist header + terminator).
            "redis-tests/corrupt_ziplist.rdb",
            new Expected(RdbCheckReport.Verdict.DAMAGED, RdbException.Kind.DAMAGED, "ziplist"),
            // Collections with no elements, which no healthy server writes.
            "redis-tests/corrupt_empty_keys.rdb",
            new Expected(RdbCheckReport.Verdict.DAMAGED, RdbException.Kind.DAMAGED, "no elements"),
            // Despite its name, this file's header is REDIS0099: the message must name version 99.
            "librdb/future_v19.rdb",
            new Expected(RdbCheckReport.Verdict.UNSUPPORTED, RdbException.Kind.TOO_NEW, "RDB version 99"),
            // A private Redis Enterprise opcode (0x6B, RAM_LRU) before a key.
            "librdb/redis_ent_opcode_ram_lru.rdb",
            new Expected(RdbCheckReport.Verdict.UNSUPPORTED, RdbException.Kind.UNSUPPORTED, "Redis Enterprise"));

    static final List<String> RELEASES = List.of("redis-7.0.15-debian", "redis-7.2.6", "redis-7.4.1",
            "redis-8.0-m01", "valkey-8.0.1", "valkey-unstable-20241025");

    static Path fixtures() {
        URL url = FixtureVerdictTest.class.getResource("/fixtures");
        assertThat(url).as("src/test/resources/fixtures on the test classpath").isNotNull();
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static String relative(Path p) {
        return fixtures().relativize(p).toString().replace('\\', '/');
    }

    static Stream<String> rdbFiles() throws IOException {
        try (Stream<Path> s = Files.walk(fixtures())) {
            List<String> files = s.filter(Files::isRegularFile)
                    .filter(p -> p.getFileName().toString().endsWith(".rdb"))
                    .map(FixtureVerdictTest::relative)
                    .sorted()
                    .collect(Collectors.toList());
            return files.stream();
        }
    }

    @Test
    void theFixtureSetIsComplete() throws IOException {
        List<String> files = rdbFiles().collect(Collectors.toList());
        assertThat(files).containsAll(SPECIAL.keySet());
        for (String release : RELEASES) {
            assertThat(files).contains(release + "/dump.rdb",
                    release + "/appendonlydir/appendonly.aof.1.base.rdb",
                    release + "/appendonlydir-rewritten/appendonly.aof.2.base.rdb");
        }
        assertThat(files.stream().filter(f -> f.startsWith("librdb/"))).hasSize(42);
        assertThat(files.stream().filter(f -> f.startsWith("redis-tests/"))).hasSize(8);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rdbFiles")
    void verdict(String file) throws IOException {
        Path path = fixtures().resolve(file);
        RdbCheckReport report = new RdbCheck(path, System.currentTimeMillis()).run();
        Expected special = SPECIAL.get(file);
        if (special == null) {
            assertThat(report.error()).as("error reading %s", file).isNull();
            assertThat(report.verdict()).isEqualTo(RdbCheckReport.Verdict.VALID);
            assertThat(report.checksum()).isNotEqualTo(ChecksumStatus.NOT_REACHED);
            if (report.header().version() < 5) {
                assertThat(report.checksum()).isEqualTo(ChecksumStatus.ABSENT);
            } else {
                assertThat(report.checksum()).isIn(ChecksumStatus.VERIFIED, ChecksumStatus.DISABLED);
            }
            return;
        }
        assertThat(report.error()).as("error reading %s", file).isNotNull();
        assertThat(report.verdict()).isEqualTo(special.verdict());
        assertThat(report.error().kind()).isEqualTo(special.kind());
        assertThat(report.error().getMessage()).contains(special.phrase());
        assertThat(report.error().offset()).isBetween(0L, report.size());
        if (special.kind() == RdbException.Kind.CHECKSUM_MISMATCH) {
            assertThat(report.error().offset()).isEqualTo(report.size() - 8);
            assertThat(report.keys()).isEqualTo(3); // x2, etc, x: all read before the footer
        }
    }

    /** The RDB preamble of an AOF reads VALID; the commands after it are the reader's rest(). */
    @Test
    void aofWithRdbPreamble() throws Exception {
        Path aof = fixtures().resolve("redis-tests/rdb-preamble.aof");
        RdbCheckReport report = new RdbCheck(aof, System.currentTimeMillis()).run();
        assertThat(report.verdict()).isEqualTo(RdbCheckReport.Verdict.VALID);
        assertThat(report.checksum()).isEqualTo(ChecksumStatus.VERIFIED);
        assertThat(report.keys()).isEqualTo(2);
        assertThat(report.aux()).containsEntry("aof-preamble", "1");
        assertThat(report.warnings()).anySatisfy(w -> assertThat(w).contains("follow the end of the RDB"));

        try (InputStream in = Files.newInputStream(aof)) {
            RdbReader reader = new RdbReader(in);
            RdbSummary summary = reader.read(new RdbVisitor() {
            });
            byte[] rest;
            try (InputStream r = reader.rest()) {
                rest = r.readAllBytes();
            }
            assertThat(summary.endOffset() + rest.length).isEqualTo(Files.size(aof));
            assertThat(new String(rest, StandardCharsets.US_ASCII))
                    .startsWith("*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nset\r\n$2\r\nk3\r\n");
        }
    }

    /**
     * Each release's multi-part AOF: the manifest's base file (type b) is a plain RDB that reads
     * VALID to its last byte, before and after BGREWRITEAOF.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("aofDirs")
    void aofBaseFiles(String dir) throws Exception {
        Path folder = fixtures().resolve(dir);
        List<String> manifest = Files.readAllLines(folder.resolve("appendonly.aof.manifest"), StandardCharsets.UTF_8);
        List<String> bases = manifest.stream().filter(l -> l.endsWith(" type b"))
                .map(l -> l.split(" ")[1]).collect(Collectors.toList());
        assertThat(bases).hasSize(1);
        Path base = folder.resolve(bases.get(0));
        assertThat(base.getFileName().toString()).endsWith(".base.rdb");

        RdbCheckReport report = new RdbCheck(base, System.currentTimeMillis()).run();
        assertThat(report.verdict()).isEqualTo(RdbCheckReport.Verdict.VALID);
        assertThat(report.checksum()).isEqualTo(ChecksumStatus.VERIFIED);
        assertThat(report.warnings()).noneSatisfy(w -> assertThat(w).contains("follow the end"));
        assertThat(report.aux()).containsEntry("aof-base", "1");
        if (dir.endsWith("-rewritten")) {
            // After BGREWRITEAOF the base holds the dataset of the AOF phase, including its function.
            assertThat(report.keys()).isGreaterThan(40);
            assertThat(report.functions()).contains("aoflib");
        } else {
            // The first base is written when AOF is switched on with an empty dataset.
            assertThat(report.keys()).isZero();
        }

        try (InputStream in = Files.newInputStream(base)) {
            RdbReader reader = new RdbReader(in);
            RdbSummary summary = reader.read(new RdbVisitor() {
            });
            try (InputStream r = reader.rest()) {
                assertThat(r.readAllBytes()).isEmpty();
            }
            assertThat(summary.endOffset()).isEqualTo(Files.size(base));
        }
    }

    static Stream<String> aofDirs() {
        return RELEASES.stream().flatMap(r -> Stream.of(r + "/appendonlydir", r + "/appendonlydir-rewritten"));
    }
}
