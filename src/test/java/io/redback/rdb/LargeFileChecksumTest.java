package io.redback.rdb;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A file larger than what the reader checksums in its own thread (its CRC64 then runs on a
 * second one, handed whole input buffers, and a structure larger than the input buffer grows
 * it) is verified as a small one is: the same computed CRC, and a flipped byte anywhere in it is
 * a checksum mismatch.
 */
@io.redback.testsupport.Fast
class LargeFileChecksumTest {
    @TempDir
    Path temp;

    private static byte[] largeRdb() {
        RdbBuilder b = RdbBuilder.redis(11).selectDb(0);
        Random r = new Random(19);
        for (int i = 0; i < 400_000; i++) {
            byte[] v = new byte[20 + r.nextInt(40)];
            r.nextBytes(v);
            b.key(0, "key:" + i).str(v);
            if (i == 200_000) {
                byte[] big = new byte[3 << 20]; // more than the 1 MiB input buffer
                r.nextBytes(big);
                b.key(0, "big").str(big);
            }
        }
        return b.end();
    }

    @Test
    void aLargeFileIsVerifiedAndAFlippedByteInItIsAMismatch() throws Exception {
        byte[] rdb = largeRdb();
        assertThat(rdb.length).isGreaterThan(16 << 20);
        long expected = Crc64.update(0, rdb, 0, rdb.length - 8);

        RdbCheckReport good = new RdbCheck(Files.write(temp.resolve("good.rdb"), rdb), 0).run();
        assertThat(good.error()).isNull();
        assertThat(good.checksum()).isEqualTo(ChecksumStatus.VERIFIED);
        assertThat(good.computedCrc()).isEqualTo(expected);
        assertThat(good.keys()).isEqualTo(400_001);

        for (int at : new int[] {9 << 20, rdb.length / 2 + 12345, rdb.length - 40}) {
            byte[] bad = rdb.clone();
            bad[at] ^= 0x40;
            RdbCheckReport r = new RdbCheck(Files.write(temp.resolve("bad.rdb"), bad), 0).run();
            if (r.error() != null && r.error().kind() != RdbException.Kind.CHECKSUM_MISMATCH) {
                continue; // the flip hit a length or type byte: damage found before the footer
            }
            assertThat(r.checksum()).as("flip at %d", at).isEqualTo(ChecksumStatus.MISMATCH);
            assertThat(r.computedCrc()).isEqualTo(Crc64.update(0, bad, 0, bad.length - 8));
        }
    }
}
