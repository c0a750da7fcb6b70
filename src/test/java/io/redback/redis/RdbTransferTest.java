package io.redback.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The two RDB framings of a full sync, fed the way a socket delivers: in pieces of any size. */
@io.redback.testsupport.Fast
class RdbTransferTest {
    private static final byte[] MARK = "0123456789abcdef0123456789abcdef01234567".getBytes(StandardCharsets.US_ASCII);

    @Test
    void aDisklessTransferEndsBeforeItsMarkWhateverTheReadSizes() throws IOException {
        Random random = new Random(42);
        for (int size : new int[] {0, 1, 39, 40, 41, 1000, 300_000, 1 << 20}) {
            byte[] rdb = new byte[size];
            random.nextBytes(rdb);
            // Put partial copies of the mark in the payload: only the mark at the end counts.
            if (size > 100) {
                System.arraycopy(MARK, 0, rdb, size / 2, 39);
            }
            for (int maxPiece : new int[] {1, 7, 40, 41, 8192, Integer.MAX_VALUE}) {
                AtomicInteger ends = new AtomicInteger();
                RdbTransfer t = RdbTransfer.eofMarked(pieces(concat(rdb, MARK), maxPiece, random), MARK,
                        TransferProgress.NONE, ends::incrementAndGet);
                assertThat(readAll(t, random)).as("size %d, pieces of %d", size, maxPiece).isEqualTo(rdb);
                assertThat(t.read()).isEqualTo(-1);
                assertThat(ends.get()).as("onEnd runs once, at the end").isEqualTo(1);
                assertThat(t.length()).isEqualTo(-1);
            }
        }
    }

    @Test
    void nothingAfterTheMarkIsConsumed() throws IOException {
        byte[] rdb = "REDIS0010 payload".getBytes(StandardCharsets.US_ASCII);
        byte[] after = "*1\r\n$4\r\nPING\r\n".getBytes(StandardCharsets.US_ASCII);
        // A socket delivers the mark at the end of a read: the master sends nothing more until ACKed.
        InputStream link = new SequenceOfReads(List.of(concat(rdb, MARK), after));
        RdbTransfer t = RdbTransfer.eofMarked(link, MARK, TransferProgress.NONE, () -> { });
        assertThat(t.readAllBytes()).isEqualTo(rdb);
        assertThat(link.readAllBytes()).isEqualTo(after);
    }

    @Test
    void aSizedTransferReadsExactlyItsLengthAndLeavesTheRest() throws IOException {
        byte[] wire = "0123456789REST".getBytes(StandardCharsets.US_ASCII);
        InputStream link = new ByteArrayInputStream(wire);
        List<Long> seen = new ArrayList<>();
        RdbTransfer t = RdbTransfer.sized(link, 10, (bytes, total, mbs) -> {
            seen.add(bytes);
            assertThat(total).isEqualTo(10);
        }, () -> { });
        assertThat(t.readAllBytes()).isEqualTo("0123456789".getBytes(StandardCharsets.US_ASCII));
        assertThat(link.readAllBytes()).isEqualTo("REST".getBytes(StandardCharsets.US_ASCII));
        assertThat(seen).last().isEqualTo(10L);
    }

    @Test
    void aConnectionClosedEarlySaysSo() {
        RdbTransfer sized = RdbTransfer.sized(new ByteArrayInputStream(new byte[5]), 10, TransferProgress.NONE, () -> { });
        assertThatThrownBy(sized::readAllBytes).isInstanceOf(EOFException.class)
                .hasMessageContaining("after 5 bytes of the RDB, expected 10");
        RdbTransfer marked = RdbTransfer.eofMarked(new ByteArrayInputStream(new byte[100]), MARK,
                TransferProgress.NONE, () -> { });
        assertThatThrownBy(marked::readAllBytes).isInstanceOf(EOFException.class)
                .hasMessageContaining("before its end mark");
    }

    private static byte[] readAll(InputStream in, Random random) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[1 << 16];
        while (true) {
            int n = in.read(buf, 0, 1 + random.nextInt(buf.length));
            if (n < 0) {
                return out.toByteArray();
            }
            out.write(buf, 0, n);
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] r = new byte[a.length + b.length];
        System.arraycopy(a, 0, r, 0, a.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    /** Returns at most maxPiece bytes per read, a random amount, like a socket. */
    private static InputStream pieces(byte[] data, int maxPiece, Random random) {
        return new ByteArrayInputStream(data) {
            @Override
            public synchronized int read(byte[] b, int off, int len) {
                return super.read(b, off, Math.max(1, Math.min(len, 1 + random.nextInt(Math.min(maxPiece, 1 << 20)))));
            }
        };
    }

    /** Each read returns exactly the next of the given chunks (or less if asked for less). */
    private static final class SequenceOfReads extends InputStream {
        private final List<byte[]> chunks;
        private int chunk;
        private int pos;

        SequenceOfReads(List<byte[]> chunks) {
            this.chunks = chunks;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (chunk == chunks.size()) {
                return -1;
            }
            byte[] c = chunks.get(chunk);
            int n = Math.min(len, c.length - pos);
            System.arraycopy(c, pos, b, off, n);
            pos += n;
            if (pos == c.length) {
                chunk++;
                pos = 0;
            }
            return n;
        }

        @Override
        public int read() {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }
    }
}
