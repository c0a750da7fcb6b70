package io.redback.rdb;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * inspect measures keys without an RdbKey each, short string records straight from the reader's
 * buffer ({@link KeyMeasures}): its figures must be those of the reader's general path, key for key.
 */
@io.redback.testsupport.Fast
class KeyMeasuresTest {
    @TempDir
    Path temp;

    @Test
    void inspect_measures_keys_of_every_shape_as_the_general_path() throws Exception {
        byte[] rdb = strings(5000, 23);
        RdbInspectionReport report = new RdbInspection(Files.write(temp.resolve("s.rdb"), rdb),
                new RdbInspection.Options(50, ":", 1, 10_000), 1_700_000_000_500L).run();
        assertThat(report.error()).isNull();
        General general = new General();
        new RdbReader(new ByteArrayInputStream(rdb)).read(general);

        assertThat(report.keys()).isEqualTo(general.keys).isEqualTo(5000);
        assertThat(report.bytes()).isEqualTo(general.bytes);
        assertThat(report.elements()).isEqualTo(general.elements);
        assertThat(report.keysWithIdle()).isEqualTo(general.idle).isPositive();
        Map<String, Long> prefixBytes = new TreeMap<>();
        report.prefixes().forEach((p, t) -> prefixBytes.put(p, t.bytes()));
        assertThat(prefixBytes).isEqualTo(general.prefixBytes);
        general.sizes.sort(Comparator.comparingLong((long[] s) -> -s[0]).thenComparingLong(s -> s[1]));
        List<Long> biggest = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            biggest.add(general.sizes.get(i)[0]);
        }
        assertThat(report.biggestByBytes().stream().map(RdbInspectionReport.BigKey::bytes).toList()).isEqualTo(biggest);
    }

    /**
     * String keys of random shapes and prefixes (short, long, empty, integer-encoded), one in ten a
     * set or a list of a few members instead, with expiries and idle times.
     */
    private static byte[] strings(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        RdbBuilder b = RdbBuilder.redis(10).u8(0xFE).len(0);
        String[] prefixes = {"user:", "sess:", "q:", ""};
        for (int i = 0; i < n; i++) {
            if (r.nextInt(5) == 0) {
                b.u8(0xFC).le(1_700_000_000_000L + r.nextInt(1000), 8);
            }
            if (r.nextInt(7) == 0) {
                b.u8(0xF8).len(r.nextInt(100)); // idle time
            }
            boolean collection = r.nextInt(10) == 0;
            int type = collection ? 1 + r.nextInt(2) : 0; // list, set or string
            b.u8(type);
            byte[] id = KeyTallyTest.text(r, r.nextInt(8) == 0 ? 64 + r.nextInt(40) : r.nextInt(55));
            byte[] prefix = prefixes[r.nextInt(prefixes.length)].getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            byte[] name = new byte[prefix.length + id.length];
            System.arraycopy(prefix, 0, name, 0, prefix.length);
            System.arraycopy(id, 0, name, prefix.length, id.length);
            b.str(name);
            if (collection) {
                int members = 1 + r.nextInt(5);
                b.len(members);
                for (int m = 0; m < members; m++) {
                    b.str("m" + m + ":" + i);
                }
                continue;
            }
            switch (r.nextInt(6)) {
                case 0 -> b.u8(0xC0).u8(r.nextInt(256)); // 8-bit integer
                case 1 -> b.str(KeyTallyTest.text(r, 64 + r.nextInt(100)));
                default -> b.str(KeyTallyTest.text(r, r.nextInt(64)));
            }
        }
        return b.end();
    }

    /** The general path: what inspect counts, from RdbKey and endKey. */
    private static final class General implements RdbVisitor {
        long keys;
        long bytes;
        long elements;
        long idle;
        final Map<String, Long> prefixBytes = new TreeMap<>();
        final List<long[]> sizes = new ArrayList<>();

        @Override
        public void endKey(RdbKey key, long elementCount, long valueBytes) {
            long b = key.name().length + valueBytes;
            sizes.add(new long[] {b, keys});
            keys++;
            bytes += b;
            elements += elementCount;
            if (key.idleSeconds() >= 0) {
                idle++;
            }
            String name = new String(key.name(), java.nio.charset.StandardCharsets.US_ASCII);
            int colon = name.indexOf(':');
            prefixBytes.merge(colon < 0 ? RdbInspectionReport.NO_PREFIX : name.substring(0, colon), b, Long::sum);
        }
    }
}
