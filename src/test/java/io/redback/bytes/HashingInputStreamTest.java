package io.redback.bytes;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * A stream hashed beside its reader gives the SHA-256 and count of exactly the bytes read,
 * whatever the sizes of the reads, the limit, or the pauses between reads (its hashing thread
 * ends when idle and starts again), as the plain stream does.
 */
@io.redback.testsupport.Fast
class HashingInputStreamTest {
    private static byte[] bytes(int n) {
        byte[] b = new byte[n];
        new SplittableRandom(19).nextBytes(b);
        return b;
    }

    private static void readAll(InputStream in, SplittableRandom sizes) throws Exception {
        byte[] buf = new byte[300_000];
        while (in.read(buf, 0, 1 + sizes.nextInt(buf.length)) >= 0) {
            // read in uneven pieces
        }
    }

    @Test
    void aLargeObjectHashedBesideItsReaderHasTheSameDigestAsOneHashedInline() throws Exception {
        byte[] data = bytes(23 * 1024 * 1024 + 17);
        HashingInputStream plain = new HashingInputStream(new ByteArrayInputStream(data));
        HashingInputStream beside = HashingInputStream.beside(new ByteArrayInputStream(data), Long.MAX_VALUE);
        readAll(plain, new SplittableRandom(1));
        readAll(beside, new SplittableRandom(2));

        assertThat(beside.count()).isEqualTo(data.length).isEqualTo(plain.count());
        assertThat(beside.sha256Hex()).isEqualTo(plain.sha256Hex()).isEqualTo(Sha256.of(data));
    }

    @Test
    void theLimitAndASmallObjectBehaveAsInline() throws Exception {
        byte[] data = bytes(12 * 1024 * 1024);
        HashingInputStream limited = HashingInputStream.beside(new ByteArrayInputStream(data), 10_000_001);
        readAll(limited, new SplittableRandom(3));
        assertThat(limited.count()).isEqualTo(10_000_001);
        assertThat(limited.sha256Hex()).isEqualTo(Sha256.of(java.util.Arrays.copyOf(data, 10_000_001)));

        byte[] small = bytes(1000);
        HashingInputStream s = HashingInputStream.beside(new ByteArrayInputStream(small), Long.MAX_VALUE);
        readAll(s, new SplittableRandom(4));
        assertThat(s.sha256Hex()).isEqualTo(Sha256.of(small));
    }

    @Test
    void aReaderThatPausesLongerThanTheHashingThreadWaitsStillGetsTheWholeDigest() throws Exception {
        byte[] data = bytes(20 * 1024 * 1024);
        HashingInputStream in = HashingInputStream.beside(new ByteArrayInputStream(data), Long.MAX_VALUE);
        byte[] first = in.readNBytes(12 * 1024 * 1024);
        Thread.sleep(1_300); // the hashing thread ends after a second without work
        readAll(in, new SplittableRandom(5));

        assertThat(first).hasSize(12 * 1024 * 1024);
        assertThat(in.count()).isEqualTo(data.length);
        assertThat(in.sha256Hex()).isEqualTo(Sha256.of(data));
    }
}
