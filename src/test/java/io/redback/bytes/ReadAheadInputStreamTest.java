package io.redback.bytes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * A stream read ahead on a second thread yields exactly the bytes of the stream it reads, ends
 * where it ends, throws its IOException where it occurs, and stops its thread when closed.
 */
@io.redback.testsupport.Fast
class ReadAheadInputStreamTest {
    @Test
    void yieldsTheSameBytesAndEnds() throws Exception {
        for (int size : new int[] {0, 1, 1 << 20, (1 << 20) + 1, 9 * (1 << 20) + 333}) {
            byte[] data = new byte[size];
            new SplittableRandom(size).nextBytes(data);
            try (ReadAheadInputStream in = new ReadAheadInputStream(new ByteArrayInputStream(data))) {
                assertThat(in.readAllBytes()).isEqualTo(data);
                assertThat(in.read(new byte[10], 0, 10)).isEqualTo(-1);
                assertThat(in.read()).isEqualTo(-1);
            }
        }
    }

    @Test
    void aReadErrorIsThrownWhereItOccursWithItsMessage() throws Exception {
        byte[] head = new byte[(3 << 20) + 5];
        InputStream failing = new InputStream() {
            @Override
            public int read() throws IOException {
                throw new IOException("disk on fire");
            }
        };
        try (ReadAheadInputStream in = new ReadAheadInputStream(new SequenceInputStream(new ByteArrayInputStream(head),
                failing))) {
            assertThat(in.readNBytes(head.length)).hasSize(head.length);
            assertThatThrownBy(() -> in.read(new byte[10], 0, 10)).isInstanceOf(IOException.class)
                    .hasMessage("disk on fire");
        }
    }

    @Test
    void closingStopsTheReadingThread() throws Exception {
        InputStream endless = new InputStream() {
            @Override
            public int read() {
                return 7;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                java.util.Arrays.fill(b, off, off + len, (byte) 7);
                return len;
            }
        };
        ReadAheadInputStream in = new ReadAheadInputStream(endless);
        assertThat(in.read(new byte[100], 0, 100)).isEqualTo(100);
        in.close();
        assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().equals("redback-read-ahead") && t.isAlive());
    }
}
