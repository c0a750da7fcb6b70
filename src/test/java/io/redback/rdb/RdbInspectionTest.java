package io.redback.rdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import io.redback.rdb.RdbInspectionReport.BigKey;
import io.redback.rdb.RdbInspectionReport.ExpiryHistogram;
import io.redback.rdb.RdbInspectionReport.Tally;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@io.redback.testsupport.Fast
class RdbInspectionTest {
    private static final String DUMP = "/fixtures/redis-7.4.1/dump.rdb";
    /** When SAVE finished (expect.txt): the 2-second keys were still alive. */
    private static final long SAVED_AT_MS = 1795314868400L;
    private static final long DAY_MS = 86_400_000L;

    /** A line of keys.tsv: what the server said about a key before the dump was saved. */
    record TsvKey(int db, String name, String type, String encoding, long expireAtMs, long length) {
        String prefix() {
            int i = name.indexOf(':');
            return i < 0 ? RdbInspectionReport.NO_PREFIX : Printable.escape(name.substring(0, i).getBytes(StandardCharsets.UTF_8));
        }
    }

    /**
     * Keys in dump.rdb that keys.tsv does not list: gen.py's stage_short wrote them after keys.tsv
     * was taken and before SAVE, with a 2-second TTL (expect.txt: 74 + 8 + 5 keys at SAVE).
     */
    private static final List<TsvKey> SHORT_STAGE = List.of(
            new TsvKey(0, "short:str1", "string", "embstr", SAVED_AT_MS + 2000, 10),
            new TsvKey(0, "short:str2", "string", "embstr", SAVED_AT_MS + 2000, 10),
            new TsvKey(0, "short:list", "list", "listpack", SAVED_AT_MS + 2000, 2),
            new TsvKey(0, "short:hash", "hash", "listpack", SAVED_AT_MS + 2000, 1),
            new TsvKey(0, "hfe:shortfield", "hash", "listpackex", -1, 2),
            new TsvKey(0, "hfe:allshort", "hash", "listpackex", -1, 2),
            new TsvKey(1, "short:db1", "string", "embstr", SAVED_AT_MS + 2000, 10));

    static Path fixture(String resource) {
        try {
            return Path.of(RdbInspectionTest.class.getResource(resource).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static List<TsvKey> keysTsv() throws IOException {
        try (Stream<String> lines = Files.lines(fixture("/fixtures/redis-7.4.1/keys.tsv"))) {
            return lines.filter(l -> !l.isBlank()).map(l -> l.split("\t")).map(f -> new TsvKey(Integer.parseInt(f[0]),
                    f[1], f[2], f[3], Long.parseLong(f[4]), Long.parseLong(f[5]))).toList();
        }
    }

    static List<TsvKey> allDumpKeys() throws IOException {
        return Stream.concat(keysTsv().stream(), SHORT_STAGE.stream()).toList();
    }

    private static RdbInspectionReport inspect(Path file, RdbInspection.Options options, long nowMs)
            throws IOException {
        return new RdbInspection(file, options, nowMs).run();
    }

    private static RdbInspectionReport inspectDump() throws IOException {
        return inspect(fixture(DUMP), RdbInspection.Options.DEFAULTS, SAVED_AT_MS);
    }

    private static Map<String, Long> keyCounts(Map<String, Tally> tallies) {
        return tallies.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().keys()));
    }

    @Test
    void countsEveryKeyPerDatabase() throws IOException {
        RdbInspectionReport r = inspectDump();

        assertThat(r.outcome()).isEqualTo(RdbInspectionReport.Outcome.COMPLETE);
        assertThat(r.error()).isNull();
        assertThat(r.header().version()).isEqualTo(12);
        assertThat(r.keys()).isEqualTo(87);
        // expect.txt: dbsize at SAVE time
        assertThat(r.databases()).containsOnlyKeys(0, 1, 5);
        assertThat(r.databases().get(0).keys()).isEqualTo(74);
        assertThat(r.databases().get(1).keys()).isEqualTo(8);
        assertThat(r.databases().get(5).keys()).isEqualTo(5);
        assertThat(r.bytes()).isPositive().isLessThan(r.size());
    }

    @Test
    void typeCountsMatchKeysTsv() throws IOException {
        Map<String, Long> expected = allDumpKeys().stream()
                .collect(Collectors.groupingBy(TsvKey::type, Collectors.counting()));

        RdbInspectionReport r = inspectDump();

        assertThat(keyCounts(r.types())).isEqualTo(expected);
    }

    @Test
    void everyBreakdownAddsUpToTheTotals() throws IOException {
        RdbInspectionReport r = inspectDump();

        for (Map<?, Tally> breakdown : List.of(r.types(), r.encodings(), r.prefixes(), r.databases())) {
            assertThat(breakdown.values().stream().mapToLong(Tally::keys).sum()).isEqualTo(r.keys());
            assertThat(breakdown.values().stream().mapToLong(Tally::bytes).sum()).isEqualTo(r.bytes());
            assertThat(breakdown.values().stream().mapToLong(Tally::elements).sum()).isEqualTo(r.elements());
        }
        assertThat(r.expiry().noExpiry() + r.expiry().withExpiry()).isEqualTo(r.keys());
    }

    @Test
    void biggestKeyByElementsIsWhatKeysTsvSays() throws IOException {
        // Strings count as one element whatever their length; keys.tsv gives STRLEN for them.
        List<TsvKey> collections = allDumpKeys().stream().filter(k -> !k.type().equals("string"))
                .sorted(Comparator.comparingLong(TsvKey::length).reversed()).toList();
        Map<String, Long> lengthByName = collections.stream()
                .collect(Collectors.toMap(k -> Printable.escape(k.name().getBytes(StandardCharsets.UTF_8)),
                        TsvKey::length));

        List<BigKey> top = inspectDump().biggestByElements();

        assertThat(top).hasSize(10);
        assertThat(top.get(0).elements()).isEqualTo(collections.get(0).length());
        assertThat(top).extracting(BigKey::elements).isSortedAccordingTo(Comparator.reverseOrder());
        assertThat(top).allSatisfy(k -> assertThat(k.elements()).isEqualTo(lengthByName.get(k.key())));
        assertThat(top).extracting(BigKey::key).containsExactlyInAnyOrderElementsOf(
                collections.subList(0, 10).stream().map(k -> Printable.escape(k.name().getBytes(StandardCharsets.UTF_8)))
                        .toList());
    }

    @Test
    void biggestKeyBySizeIsTheRandomString() throws IOException {
        List<BigKey> top = inspectDump().biggestByBytes();

        assertThat(top).hasSize(10);
        assertThat(top).extracting(BigKey::bytes).isSortedAccordingTo(Comparator.reverseOrder());
        BigKey first = top.get(0);
        assertThat(first.key()).isEqualTo("str:large:random");
        assertThat(first.type()).isEqualTo("string");
        assertThat(first.encoding()).isEqualTo("raw");
        assertThat(first.elements()).isEqualTo(1);
        assertThat(first.expiresAt()).isNull();
        // 524,288 incompressible bytes: name (16) + 32-bit length header (5) + the bytes
        assertThat(first.bytes()).isEqualTo(16 + 5 + 524_288);
    }

    @Test
    void bigKeysCarryTheirExpiry() throws IOException {
        RdbInspectionReport r = inspect(fixture(DUMP), new RdbInspection.Options(1000, ":", 1, 10_000), SAVED_AT_MS);

        BigKey ttl = r.biggestByBytes().stream().filter(k -> k.key().equals("ttl:str:farms")).findFirst().orElseThrow();

        assertThat(ttl.expiresAt()).isEqualTo(Instant.parse("2100-01-01T00:00:00.123Z"));
        assertThat(r.biggestByBytes()).hasSize(87);
    }

    @Test
    void prefixCountsMatchKeysTsv() throws IOException {
        Map<String, Long> expected = allDumpKeys().stream()
                .collect(Collectors.groupingBy(TsvKey::prefix, Collectors.counting()));

        RdbInspectionReport r = inspectDump();

        assertThat(keyCounts(r.prefixes())).isEqualTo(expected);
        assertThat(r.prefixes()).containsKey(RdbInspectionReport.NO_PREFIX); // "key with spaces"
        assertThat(r.prefixLimitReached()).isFalse();
        assertThat(r.prefixes().values()).extracting(Tally::bytes).isSortedAccordingTo(Comparator.reverseOrder());
    }

    @Test
    void deeperPrefixesKeepTheLastSegmentOut() throws IOException {
        RdbInspectionReport r = inspect(fixture(DUMP), new RdbInspection.Options(10, ":", 2, 10_000), SAVED_AT_MS);

        // list:large:compressed and list:large:ints; list:large itself groups under "list"
        assertThat(r.prefixes().get("list:large").keys()).isEqualTo(2);
        assertThat(r.prefixes().get("set:intset").keys()).isEqualTo(3);
        assertThat(r.prefixes().get("list").keys()).isEqualTo(4); // bigelem, large, lpushed, small
    }

    @Test
    void prefixTableStopsGrowingAtTheLimit() throws IOException {
        RdbInspectionReport r = inspect(fixture(DUMP), new RdbInspection.Options(10, ":", 1, 3), SAVED_AT_MS);

        assertThat(r.prefixLimitReached()).isTrue();
        assertThat(r.prefixes()).containsKeys(RdbInspectionReport.OTHER_PREFIXES, RdbInspectionReport.NO_PREFIX);
        assertThat(r.prefixes()).hasSize(3 + 2);
        assertThat(r.prefixes().values().stream().mapToLong(Tally::keys).sum()).isEqualTo(87);
    }

    @Test
    void expiryHistogramAtSaveTime() throws IOException {
        long far = keysTsv().stream().filter(k -> k.expireAtMs() >= 0).count();

        ExpiryHistogram h = inspectDump().expiry();

        assertThat(h.within1Hour()).isEqualTo(5); // the 2-second keys
        assertThat(h.later()).isEqualTo(far);
        assertThat(h.alreadyExpired()).isZero();
        assertThat(h.noExpiry()).isEqualTo(87 - 5 - far);
    }

    @Test
    void expiryHistogramBucketsByTimeLeft() throws IOException {
        // ttl:str:10y expires at 2110674866142 (2036); the others in 2100
        long now = 2110674866142L - 2 * DAY_MS;

        ExpiryHistogram h = inspect(fixture(DUMP), RdbInspection.Options.DEFAULTS, now).expiry();

        assertThat(h.alreadyExpired()).isEqualTo(5);
        assertThat(h.within7Days()).isEqualTo(1);
        assertThat(h.later()).isEqualTo(9);
        assertThat(h.within1Hour() + h.within1Day() + h.within30Days()).isZero();
    }

    @Test
    void countsLruAndLfuInfo() throws IOException {
        RdbInspectionReport lru = inspect(fixture("/fixtures/librdb/mem_policy_lru.rdb"),
                RdbInspection.Options.DEFAULTS, SAVED_AT_MS);
        RdbInspectionReport lfu = inspect(fixture("/fixtures/librdb/mem_policy_lfu.rdb"),
                RdbInspection.Options.DEFAULTS, SAVED_AT_MS);

        assertThat(lru.keysWithIdle()).isEqualTo(1);
        assertThat(lru.keysWithFreq()).isZero();
        assertThat(lfu.keysWithIdle()).isZero();
        assertThat(lfu.keysWithFreq()).isEqualTo(1);
        assertThat(inspectDump().keysWithIdle()).isZero();
    }

    @Test
    void damagedFileReportsWhatWasReadBefore(@TempDir Path dir) throws IOException {
        Path truncated = dir.resolve("truncated.rdb");
        try (InputStream in = Files.newInputStream(fixture(DUMP)); OutputStream out = Files.newOutputStream(truncated)) {
            out.write(in.readNBytes(300_000));
        }

        RdbInspectionReport r = inspect(truncated, RdbInspection.Options.DEFAULTS, SAVED_AT_MS);

        assertThat(r.outcome()).isEqualTo(RdbInspectionReport.Outcome.DAMAGED);
        assertThat(r.error().kind()).isEqualTo(RdbException.Kind.TRUNCATED);
        assertThat(r.keys()).isBetween(1L, 86L);
        assertThat(r.biggestByBytes()).isNotEmpty().noneMatch(k -> k.key().equals(r.error().key()));
        assertThat(r.types().values().stream().mapToLong(Tally::keys).sum()).isEqualTo(r.keys());
    }

    @Test
    void futureVersionIsUnsupported() throws IOException {
        RdbInspectionReport r = inspect(fixture("/fixtures/librdb/future_v19.rdb"), RdbInspection.Options.DEFAULTS,
                SAVED_AT_MS);

        assertThat(r.outcome()).isEqualTo(RdbInspectionReport.Outcome.UNSUPPORTED);
        assertThat(r.keys()).isZero();
    }

    @Test
    void topZeroListsNoKeys() throws IOException {
        RdbInspectionReport r = inspect(fixture(DUMP), new RdbInspection.Options(0, ":", 1, 10), SAVED_AT_MS);

        assertThat(r.biggestByBytes()).isEmpty();
        assertThat(r.biggestByElements()).isEmpty();
        assertThat(r.keys()).isEqualTo(87);
    }

    @Test
    void topKeysKeepsOnlyTheBiggestAndTheFirstOnTies() {
        RdbInspection.TopKeys top = new RdbInspection.TopKeys(2);
        long[] measures = {5, 9, 1, 9, 7, 9, 2, 8};
        for (int i = 0; i < measures.length; i++) {
            if (top.wants(measures[i])) {
                top.add(measures[i], i, new BigKey(0, "k" + i, "string", "raw", measures[i], 1, null));
            }
        }

        // three 9s for two places: the two met first stay
        assertThat(top.biggestFirst()).extracting(BigKey::key).containsExactly("k1", "k3");
    }

    @Test
    void topKeysStaysBoundedOverManyKeys() {
        RdbInspection.TopKeys top = new RdbInspection.TopKeys(10);
        for (int i = 0; i < 100_000; i++) {
            long measure = (i * 7919L) % 100_003;
            if (top.wants(measure)) {
                top.add(measure, i, new BigKey(0, "k" + i, "string", "raw", measure, 1, null));
            }
        }

        List<BigKey> biggest = top.biggestFirst();
        assertThat(biggest).hasSize(10);
        assertThat(biggest).extracting(BigKey::bytes).isSortedAccordingTo(Comparator.reverseOrder());
        long expectedMax = 0;
        for (int i = 0; i < 100_000; i++) {
            expectedMax = Math.max(expectedMax, (i * 7919L) % 100_003);
        }
        assertThat(biggest.get(0).bytes()).isEqualTo(expectedMax);
    }

    @Test
    void prefixEndFindsTheNthDelimiterOrTheLastOne() {
        assertThat(prefixEnd("a:b:c:d", ":", 1)).isEqualTo(1);
        assertThat(prefixEnd("a:b:c:d", ":", 2)).isEqualTo(3);
        assertThat(prefixEnd("a:b:c:d", ":", 9)).isEqualTo(5);
        assertThat(prefixEnd("abc", ":", 1)).isEqualTo(-1);
        assertThat(prefixEnd("x::y::z", "::", 2)).isEqualTo(4);
        assertThat(prefixEnd(":lead", ":", 1)).isZero();
    }

    /** The name in the middle of a larger buffer, as the reader hands it over: delimiters around it must not count. */
    private static int prefixEnd(String name, String delimiter, int depth) {
        byte[] buf = (delimiter + delimiter + name + delimiter).getBytes(StandardCharsets.US_ASCII);
        int off = 2 * delimiter.length();
        return RdbInspection.PrefixCounter.prefixEnd(buf, off, name.length(), delimiter.getBytes(StandardCharsets.US_ASCII),
                depth);
    }

    @Test
    void prefixCounterFoldsNewPrefixesIntoOtherOnceFull() {
        RdbInspection.PrefixCounter c = new RdbInspection.PrefixCounter(":".getBytes(StandardCharsets.US_ASCII), 1, 2);
        for (String k : List.of("a:1", "b:1", "c:1", "a:2", "plain", "d:1")) {
            byte[] b = k.getBytes(StandardCharsets.US_ASCII);
            c.add(b, 0, b.length, 10, 1);
        }

        Map<String, Tally> p = c.biggestFirst();

        assertThat(c.limitReached).isTrue();
        assertThat(p.get("a").keys()).isEqualTo(2);
        assertThat(p.get("b").keys()).isEqualTo(1);
        assertThat(p.get(RdbInspectionReport.OTHER_PREFIXES).keys()).isEqualTo(2); // c, d
        assertThat(p.get(RdbInspectionReport.NO_PREFIX).keys()).isEqualTo(1);
        assertThat(p).doesNotContainKeys("c", "d");
    }

    @Test
    void optionsRejectNonsense() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new RdbInspection.Options(10, "", 1, 10));
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new RdbInspection.Options(10, ":", 0, 10));
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new RdbInspection.Options(-1, ":", 1, 10));
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new RdbInspection.Options(10, ":", 1, 0));
    }
}
