package io.redback.verify;

import static org.assertj.core.api.Assertions.assertThat;

import io.redback.restore.KeyDigest;
import io.redback.testsupport.Fast;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@Fast
class RdbComparisonTest {
    private static final long NOW = 1_800_000_000_000L;
    private static final long LATER = NOW + 3_600_000;

    @TempDir
    Path dir;

    @Test
    void twoRdbsWithTheSameKeysAreEqualWhateverTheOrder() throws Exception {
        Path a = write("a.rdb", new Rdb().string(0, "k1", "v1", 0).string(0, "k2", "v2", LATER).string(3, "k3", "v3", 0));
        Path b = write("b.rdb", new Rdb().string(3, "k3", "v3", 0).string(0, "k2", "v2", LATER).string(0, "k1", "v1", 0));

        RdbComparison.Result r = compare(a, b);

        assertThat(r.equal()).isTrue();
        assertThat(r.sourceKeys()).isEqualTo(3);
        assertThat(r.rebuiltKeys()).isEqualTo(3);
        assertThat(r.differences()).isEmpty();
    }

    @Test
    void aValueATtlAndAMissingKeyAreEachNamedWithTheirDatabase() throws Exception {
        Path source = write("source.rdb", new Rdb().string(0, "same", "x", 0).string(0, "changed", "old", 0)
                .string(2, "ttl", "t", LATER).string(0, "gone", "g", 0));
        Path rebuilt = write("rebuilt.rdb", new Rdb().string(0, "same", "x", 0).string(0, "changed", "new", 0)
                .string(2, "ttl", "t", LATER + 1000));

        RdbComparison.Result r = compare(source, rebuilt);

        assertThat(r.equal()).isFalse();
        assertThat(r.counts()).containsEntry(RdbComparison.Kind.VALUE, 1L).containsEntry(RdbComparison.Kind.EXPIRY, 1L)
                .containsEntry(RdbComparison.Kind.MISSING, 1L).containsEntry(RdbComparison.Kind.EXTRA, 0L);
        assertThat(r.differences()).extracting(RdbComparison.Difference::kind, RdbComparison.Difference::db,
                        RdbComparison.Difference::key)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(RdbComparison.Kind.VALUE, 0, "changed"),
                        org.assertj.core.groups.Tuple.tuple(RdbComparison.Kind.EXPIRY, 2, "ttl"),
                        org.assertj.core.groups.Tuple.tuple(RdbComparison.Kind.MISSING, 0, "gone"));
        assertThat(r.differing()).isEqualTo(3);
    }

    @Test
    void theSameNameInAnotherDatabaseIsAnotherKey() throws Exception {
        Path source = write("source.rdb", new Rdb().string(0, "k", "v", 0));
        Path rebuilt = write("rebuilt.rdb", new Rdb().string(1, "k", "v", 0));

        RdbComparison.Result r = compare(source, rebuilt);

        assertThat(r.differences()).extracting(RdbComparison.Difference::kind, RdbComparison.Difference::db)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(RdbComparison.Kind.EXTRA, 1),
                        org.assertj.core.groups.Tuple.tuple(RdbComparison.Kind.MISSING, 0));
    }

    @Test
    void keysExpiredByNowAreLeftOutOnBothSides() throws Exception {
        Path source = write("source.rdb", new Rdb().string(0, "live", "v", 0).string(0, "dead", "d", NOW - 1));
        Path rebuilt = write("rebuilt.rdb", new Rdb().string(0, "live", "v", 0).string(0, "dead2", "d", NOW));

        RdbComparison.Result r = compare(source, rebuilt);

        assertThat(r.equal()).isTrue();
        assertThat(r.expiredIgnored()).isEqualTo(2);
        assertThat(r.sourceKeys()).isEqualTo(1);
    }

    @Test
    void theNamedDifferencesAreCappedButAllAreCounted() throws Exception {
        Rdb source = new Rdb();
        for (int i = 0; i < 50; i++) {
            source.string(0, "k" + i, "v", 0);
        }
        RdbComparison.Result r = new RdbComparison(KeyDigest.ScoreFormat.SHORTEST, NOW, 5, new AtomicLong())
                .compare(write("source.rdb", source), write("rebuilt.rdb", new Rdb()));

        assertThat(r.differences()).hasSize(5);
        assertThat(r.counts()).containsEntry(RdbComparison.Kind.MISSING, 50L);
    }

    @Test
    void anRdbThatDoesNotReadIsAnErrorNamingItsSide() throws Exception {
        Path source = write("source.rdb", new Rdb().string(0, "k", "v", 0));
        Path rebuilt = Files.write(dir.resolve("rebuilt.rdb"), "REDIS0009\u00fe".getBytes(StandardCharsets.ISO_8859_1));

        org.assertj.core.api.Assertions.assertThatThrownBy(() -> compare(source, rebuilt))
                .isInstanceOf(IOException.class).hasMessageContaining("the rebuilt RDB").hasMessageContaining("rebuilt.rdb");
    }

    private RdbComparison.Result compare(Path source, Path rebuilt) throws Exception {
        return new RdbComparison(KeyDigest.ScoreFormat.SHORTEST, NOW, 20, new AtomicLong()).compare(source, rebuilt);
    }

    private Path write(String name, Rdb rdb) throws IOException {
        return Files.write(dir.resolve(name), rdb.end());
    }

    /** A version 9 RDB of string keys, by hand: SELECTDB, EXPIRETIME_MS, type 0, then EOF and a zero checksum. */
    private static final class Rdb {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private int db = -1;

        Rdb() {
            out.writeBytes("REDIS0009".getBytes(StandardCharsets.US_ASCII));
        }

        Rdb string(int db, String key, String value, long expireAtMs) {
            if (db != this.db) {
                out.write(0xFE);
                out.write(db);
                this.db = db;
            }
            if (expireAtMs != 0) {
                out.write(0xFC);
                for (int i = 0; i < 8; i++) {
                    out.write((int) (expireAtMs >>> (8 * i)) & 0xff);
                }
            }
            out.write(0);
            str(key);
            str(value);
            return this;
        }

        private void str(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            out.write(b.length); // under 64: a one-byte length
            out.writeBytes(b);
        }

        byte[] end() {
            out.write(0xFF);
            out.writeBytes(new byte[8]); // checksum 0: disabled, as with rdbchecksum no
            return out.toByteArray();
        }
    }
}
