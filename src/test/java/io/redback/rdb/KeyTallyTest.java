package io.redback.rdb;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * check counts keys through {@link KeyTally}, with a shortcut for short string records: it must
 * count and fail exactly as the reader's general path does for any other visitor.
 */
@io.redback.testsupport.Fast
class KeyTallyTest {
    @TempDir
    Path temp;

    @Test
    void check_counts_string_keys_of_every_shape_as_the_general_path() throws Exception {
        byte[] rdb = strings(3000, 19);
        RdbCheckReport report = new RdbCheck(Files.write(temp.resolve("s.rdb"), rdb), 0).run();
        assertThat(report.error()).isNull();
        Counting general = new Counting();
        new RdbReader(new ByteArrayInputStream(rdb)).read(general);
        assertThat(report.keys()).isEqualTo(general.keys).isEqualTo(3000);
        assertThat(report.elements()).isEqualTo(general.elements);
        assertThat(report.keysWithExpiry()).isEqualTo(general.expiring);
    }

    @Test
    void check_fails_a_cut_or_damaged_file_where_the_general_path_does() throws Exception {
        byte[] rdb = strings(300, 7);
        SplittableRandom r = new SplittableRandom(5);
        for (int i = 0; i < 300; i++) {
            byte[] bad = i % 2 == 0 ? Arrays.copyOf(rdb, 9 + r.nextInt(rdb.length - 9)) : rdb.clone();
            if (i % 2 == 1) {
                bad[9 + r.nextInt(bad.length - 9)] = (byte) r.nextInt(256);
            }
            RdbCheckReport report = new RdbCheck(Files.write(temp.resolve("bad.rdb"), bad), 0).run();
            RdbException general = null;
            try {
                new RdbReader(new ByteArrayInputStream(bad)).read(new Counting());
            } catch (RdbException e) {
                general = e;
            }
            if (general == null) {
                assertThat(report.error()).isNull();
                continue;
            }
            assertThat(report.error()).isNotNull();
            // check may add to an "unsupported" verdict what the footer says; the rest is the reader's
            assertThat(report.error().offset()).isEqualTo(general.offset());
            assertThat(report.error().detail()).startsWith(general.detail());
        }
    }

    /** String keys of random shapes: short, long (14-bit lengths), empty, integer-encoded, with expiries. */
    private static byte[] strings(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        RdbBuilder b = RdbBuilder.redis(10).u8(0xFE).len(0);
        for (int i = 0; i < n; i++) {
            if (r.nextInt(5) == 0) {
                b.u8(0xFC).le(1_700_000_000_000L + r.nextInt(1000), 8);
            }
            b.u8(0); // string
            b.str(text(r, r.nextInt(8) == 0 ? 64 + r.nextInt(40) : r.nextInt(64)));
            switch (r.nextInt(6)) {
                case 0 -> b.u8(0xC0).u8(r.nextInt(256)); // 8-bit integer
                case 1 -> b.str(text(r, 64 + r.nextInt(100)));
                default -> b.str(text(r, r.nextInt(64)));
            }
        }
        return b.end();
    }

    static byte[] text(SplittableRandom r, int len) {
        byte[] t = new byte[len];
        for (int i = 0; i < len; i++) {
            t[i] = (byte) ('a' + r.nextInt(26));
        }
        return t;
    }

    /** A visitor of the general path that counts what check counts. */
    private static final class Counting implements RdbVisitor {
        long keys;
        long elements;
        long expiring;

        @Override
        public boolean wantsValues() {
            return false;
        }

        @Override
        public boolean keepsKeyNames() {
            return false;
        }

        @Override
        public void endKey(RdbKey key, long elementCount, long valueBytes) {
            keys++;
            elements += elementCount;
            if (key.hasExpiry()) {
                expiring++;
            }
        }
    }
}
