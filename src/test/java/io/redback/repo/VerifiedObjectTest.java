package io.redback.repo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.github.luben.zstd.ZstdOutputStream;
import io.redback.storage.Storage;
import io.redback.storage.file.FileStorage;
import io.redback.storage.s3.TestS3;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A data object replaced by something else than its manifest describes is read no further than
 * the manifest promises plus one byte, and reported naming the object: a file far larger than
 * its manifest says, a FIFO, a device, a zstd bomb (a few KB that decompress to hundreds of MB),
 * on a folder and on a bucket.
 */
@io.redback.testsupport.Slow
class VerifiedObjectTest {
    private static final String KEY = "sources/src/snapshots/20261122T031500.000Z-ab12cd/dump.rdb.zst";
    private static final long BOMB_RAW = 256L << 20;

    @TempDir
    Path temp;

    @Test
    void anObjectFarLargerThanItsManifestSaysIsReadOnlyOneBytePastIt() throws Exception {
        FileStorage storage = new FileStorage(temp);
        byte[] stored = zstd(TestBytes.utf8("the RDB that was stored"));
        VerifiedObject.Expected expected = expected(stored, TestBytes.utf8("the RDB that was stored"));
        storage.put(KEY, new ByteArrayInputStream(stored), stored.length);
        try (RandomAccessFile f = new RandomAccessFile(temp.resolve(KEY).toFile(), "rw")) {
            f.setLength(1L << 30); // a GiB, sparse: the old object followed by zeros
        }
        try (VerifiedObject o = VerifiedObject.open(storage, expected)) {
            long raw = o.raw().transferTo(java.io.OutputStream.nullOutputStream());
            String problem = o.problem();
            assertThat(o.storedBytes()).isEqualTo(stored.length + 1L);
            assertThat(raw).isLessThanOrEqualTo(expected.rawSize() + 1);
            assertThat(problem).isEqualTo(KEY + " is damaged: it holds more than the " + stored.length
                    + " bytes its manifest says (reading stopped there): it was replaced or appended to");
        }
    }

    @Test
    void aZstdBombStopsOneBytePastTheRawSizeItsManifestClaims() throws Exception {
        FileStorage storage = new FileStorage(temp);
        byte[] bomb = bomb();
        storage.put(KEY, new ByteArrayInputStream(bomb), bomb.length);
        assertBombStops(storage, bomb);
    }

    @Test
    void aFifoOrADeviceInPlaceOfAnObjectIsNotAnObject() throws Exception {
        FileStorage storage = new FileStorage(temp);
        byte[] stored = zstd(TestBytes.utf8("rdb"));
        VerifiedObject.Expected expected = expected(stored, TestBytes.utf8("rdb"));
        Path object = temp.resolve(KEY);
        Files.createDirectories(object.getParent());
        Assumptions.assumeTrue(mkfifo(object), "mkfifo is not available here");
        // Opening a FIFO for reading waits for a writer for ever: it must not be opened at all.
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> assertThatThrownBy(() -> VerifiedObject.open(storage,
                expected)).isInstanceOf(NoSuchFileException.class).hasMessageContaining(KEY)
                .hasMessageContaining("not a regular file"));

        Files.delete(object);
        Path zero = Path.of("/dev/zero");
        Assumptions.assumeTrue(Files.exists(zero));
        Files.createSymbolicLink(object, zero);
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
            try (VerifiedObject o = VerifiedObject.open(storage, expected)) {
                o.raw().transferTo(java.io.OutputStream.nullOutputStream());
                assertThat(o.problem()).startsWith(KEY + " is damaged");
                assertThat(o.storedBytes()).isLessThanOrEqualTo(stored.length + 1L);
            } catch (IOException e) {
                assertThat(e).hasMessageContaining(KEY); // refused before reading: as good
            }
        });
    }

    @Test
    void onABucketTooAnOversizedObjectAndABombAreCutShort() throws Exception {
        try (TestS3 s3 = TestS3.start()) {
            s3.createBucket("backups");
            try (Storage storage = s3.url("backups", "hostile").open()) {
                byte[] bomb = bomb();
                storage.put(KEY, new ByteArrayInputStream(bomb), bomb.length);
                assertBombStops(storage, bomb);

                byte[] small = zstd(TestBytes.utf8("small"));
                VerifiedObject.Expected expected = expected(small, TestBytes.utf8("small"));
                storage.put(KEY, TestBytes.stream(7, 8 << 20), 8 << 20);
                try (VerifiedObject o = VerifiedObject.open(storage, expected)) {
                    o.raw().transferTo(java.io.OutputStream.nullOutputStream());
                    assertThat(o.problem()).startsWith(KEY + " is damaged: it holds more than the " + small.length);
                    assertThat(o.storedBytes()).isEqualTo(small.length + 1L);
                }
            }
        }
    }

    /** The bomb's manifest is true about the stored bytes but claims 1000 raw bytes. */
    private static void assertBombStops(Storage storage, byte[] bomb) throws IOException {
        VerifiedObject.Expected expected = new VerifiedObject.Expected(KEY, Compression.DEFAULT, bomb.length,
                TestBytes.sha256(bomb), 1000, TestBytes.sha256(new byte[1000]));
        try (VerifiedObject o = VerifiedObject.open(storage, expected)) {
            long raw = o.raw().transferTo(java.io.OutputStream.nullOutputStream());
            assertThat(raw).isEqualTo(1001);
            assertThat(o.problem()).isEqualTo(KEY + " decompresses to more than the 1000 bytes its manifest says "
                    + "(reading stopped there): it is not the object that was stored");
            assertThat(o.storedBytes()).isLessThanOrEqualTo(bomb.length);
        }
    }

    /** 256 MiB of zeros as one zstd frame of a few KB. */
    static byte[] bomb() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZstdOutputStream z = new ZstdOutputStream(out, 19)) {
            byte[] zeros = new byte[1 << 20];
            for (long n = 0; n < BOMB_RAW; n += zeros.length) {
                z.write(zeros);
            }
        }
        assertThat(out.size()).isLessThan(64 << 10);
        return out.toByteArray();
    }

    private static byte[] zstd(byte[] raw) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZstdOutputStream z = new ZstdOutputStream(out, 3)) {
            z.write(raw);
        }
        return out.toByteArray();
    }

    private static VerifiedObject.Expected expected(byte[] stored, byte[] raw) {
        return new VerifiedObject.Expected(KEY, Compression.DEFAULT, stored.length, TestBytes.sha256(stored), raw.length,
                TestBytes.sha256(raw));
    }

    private static boolean mkfifo(Path path) throws InterruptedException {
        try {
            Process p = new ProcessBuilder("mkfifo", path.toString()).redirectErrorStream(true).start();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        }
    }
}
