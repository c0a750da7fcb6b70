package io.redback.storage;

import static io.redback.repo.TestBytes.readString;
import static io.redback.repo.TestBytes.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.redback.bytes.BulkInputStream;
import io.redback.repo.TestBytes;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The {@link Storage} contract, run against every backend: each subclass supplies a fresh,
 * empty storage per test.
 */
public abstract class StorageContract {

    /** A fresh, empty storage for the current test. */
    protected abstract Storage storage();

    /** Called after the 40 MiB unknown-length put, for backends to check how it was sent. */
    protected void afterBigUnknownLengthPut(String key) {
    }

    protected static void put(Storage s, String key, String text) throws IOException {
        byte[] bytes = utf8(text);
        s.put(key, new ByteArrayInputStream(bytes), bytes.length);
    }

    @Test
    void aPutObjectReadsBackWholeAndReplacesTheOldOne() throws IOException {
        Storage s = storage();
        put(s, "sources/a/snapshots/x/manifest.json", "first");
        assertThat(readString(s.get("sources/a/snapshots/x/manifest.json"))).isEqualTo("first");

        put(s, "sources/a/snapshots/x/manifest.json", "second, longer");
        assertThat(readString(s.get("sources/a/snapshots/x/manifest.json"))).isEqualTo("second, longer");
        assertThat(s.list("")).extracting(Storage.ObjectInfo::key).containsExactly("sources/a/snapshots/x/manifest.json");
    }

    @Test
    void aPutOfUnknownLengthStoresEverything() throws IOException {
        Storage s = storage();
        s.put("k", new ByteArrayInputStream(utf8("no length given")), -1);
        assertThat(readString(s.get("k"))).isEqualTo("no length given");
    }

    @Test
    void anEmptyObjectIsAnObject() throws IOException {
        Storage s = storage();
        s.put("empty", InputStream.nullInputStream(), 0);
        assertThat(s.get("empty").readAllBytes()).isEmpty();
        assertThat(s.getRange("empty", 0, 10).readAllBytes()).isEmpty();
        assertThat(s.stat("empty")).hasValueSatisfying(i -> assertThat(i.size()).isZero());
        assertThat(s.list("")).extracting(Storage.ObjectInfo::key).containsExactly("empty");
    }

    @Test
    void aRangeReadsTheSliceAndLessAtTheEnd() throws IOException {
        Storage s = storage();
        put(s, "r", "0123456789");
        assertThat(readString(s.getRange("r", 0, 3))).isEqualTo("012");
        assertThat(readString(s.getRange("r", 4, 2))).isEqualTo("45");
        assertThat(readString(s.getRange("r", 7, 100))).isEqualTo("789");
        assertThat(readString(s.getRange("r", 9, 1))).isEqualTo("9");
        assertThat(readString(s.getRange("r", 10, 5))).isEmpty();
        assertThat(readString(s.getRange("r", 50, 5))).isEmpty();
        assertThat(readString(s.getRange("r", 3, 0))).isEmpty();
        assertThat(readString(s.getRange("r", 2, Long.MAX_VALUE))).isEqualTo("23456789");
    }

    @Test
    void statGivesSizeAndTimeAndNothingForAMissingKey() throws IOException {
        Storage s = storage();
        Instant before = Instant.now().minusSeconds(5);
        put(s, "a/b", "12345");
        assertThat(s.stat("a/b")).hasValueSatisfying(i -> {
            assertThat(i.key()).isEqualTo("a/b");
            assertThat(i.size()).isEqualTo(5);
            assertThat(i.lastModified()).isBetween(before, Instant.now().plusSeconds(5));
        });
        assertThat(s.stat("a/missing")).isEmpty();
        assertThat(s.stat("a")).as("a folder-like prefix is not an object").isEmpty();
    }

    @Test
    void missingKeysAreNoSuchFileException() throws IOException {
        Storage s = storage();
        put(s, "there", "x");
        assertThatThrownBy(() -> s.get("missing")).isInstanceOf(NoSuchFileException.class).hasMessageContaining("missing");
        assertThatThrownBy(() -> s.getRange("missing", 0, 1)).isInstanceOf(NoSuchFileException.class);
        assertThatThrownBy(() -> s.getRange("missing", 0, 0)).isInstanceOf(NoSuchFileException.class);
        assertThatThrownBy(() -> s.get("there/below")).isInstanceOf(NoSuchFileException.class);
    }

    @Test
    void aListingIsSortedByKeyAndFilteredByPrefix() throws IOException {
        Storage s = storage();
        for (String k : List.of("sources/cache-2/b", "sources/cache-1/snapshots/2/manifest.json", "config.json",
                "sources/cache-1/snapshots/1/dump.rdb.zst", "sources/cache-10/x", "tmp/upload-1")) {
            put(s, k, k);
        }
        assertThat(s.list("")).extracting(Storage.ObjectInfo::key).containsExactly("config.json",
                "sources/cache-1/snapshots/1/dump.rdb.zst", "sources/cache-1/snapshots/2/manifest.json",
                "sources/cache-10/x", "sources/cache-2/b", "tmp/upload-1");
        assertThat(s.list("sources/cache-1/")).extracting(Storage.ObjectInfo::key).containsExactly(
                "sources/cache-1/snapshots/1/dump.rdb.zst", "sources/cache-1/snapshots/2/manifest.json");
        assertThat(s.list("sources/cache-1")).as("a prefix may stop inside a name").extracting(Storage.ObjectInfo::key)
                .containsExactly("sources/cache-1/snapshots/1/dump.rdb.zst", "sources/cache-1/snapshots/2/manifest.json",
                        "sources/cache-10/x");
        assertThat(s.list("sources/cache-1/snapshots/2/manifest.json")).hasSize(1)
                .first().satisfies(i -> assertThat(i.size()).isEqualTo("sources/cache-1/snapshots/2/manifest.json".length()));
        assertThat(s.list("nothing/")).isEmpty();
        assertThat(s.list("sources/zzz")).isEmpty();
    }

    @Test
    void deleteIsIdempotent() throws IOException {
        Storage s = storage();
        put(s, "sources/a/snapshots/1/dump.rdb", "x");
        put(s, "sources/a/keep", "y");
        s.delete("sources/a/snapshots/1/dump.rdb");
        s.delete("sources/a/snapshots/1/dump.rdb");
        s.delete("never/was");
        assertThat(s.stat("sources/a/snapshots/1/dump.rdb")).isEmpty();
        assertThat(s.list("")).extracting(Storage.ObjectInfo::key).containsExactly("sources/a/keep");
        // The emptied "folder" can be written to again.
        put(s, "sources/a/snapshots/1/dump.rdb", "again");
        assertThat(readString(s.get("sources/a/snapshots/1/dump.rdb"))).isEqualTo("again");
    }

    @Test
    void aFortyMebibytePutOfUnknownLengthRoundTrips() throws IOException {
        Storage s = storage();
        long size = 40L << 20;
        String key = "sources/big/snapshots/1/dump.rdb.zst";
        s.put(key, TestBytes.stream(42, size), -1);
        afterBigUnknownLengthPut(key);
        assertThat(s.stat(key)).hasValueSatisfying(i -> assertThat(i.size()).isEqualTo(size));
        assertThat(TestBytes.sha256(s.get(key))).isEqualTo(TestBytes.sha256(TestBytes.stream(42, size)));
        // A range across the 16 MiB part boundary reads the same bytes as the source at that offset.
        long offset = (16L << 20) - 10;
        InputStream expected = TestBytes.stream(42, size);
        expected.skipNBytes(offset);
        assertThat(s.getRange(key, offset, 20).readAllBytes()).isEqualTo(expected.readNBytes(20));
    }

    @Test
    void aReaderDuringAPutSeesTheOldObjectOrTheNewOneNeverAMix() throws Exception {
        Storage s = storage();
        int size = 2 << 20;
        byte[] old = new byte[size];
        Arrays.fill(old, (byte) 'a');
        s.put("flip", new ByteArrayInputStream(old), size);

        AtomicInteger sawOld = new AtomicInteger();
        AtomicInteger sawNew = new AtomicInteger();
        CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
            try {
                s.put("flip", new SlowStream((byte) 'b', size, 64 * 1024, Duration.ofMillis(4)), -1);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            boolean done = writer.isDone();
            byte[] seen = s.get("flip").readAllBytes();
            assertThat(seen).hasSize(size);
            byte first = seen[0];
            assertThat(first).isIn((byte) 'a', (byte) 'b');
            for (byte b : seen) {
                if (b != first) {
                    throw new AssertionError("a reader saw a mix of the old and the new object");
                }
            }
            (first == 'a' ? sawOld : sawNew).incrementAndGet();
            if (done) {
                break;
            }
        }
        writer.get(10, TimeUnit.SECONDS);
        assertThat(sawOld.get()).as("reads during the put").isPositive();
        assertThat(readString(s.getRange("flip", 0, 1))).isEqualTo("b");
    }

    @Test
    void aFailedPutLeavesTheOldObjectAndNoTrace() throws IOException {
        Storage s = storage();
        put(s, "k", "old");
        InputStream breaking = new BreaksAtTheEnd(TestBytes.stream(1, 1 << 20));
        assertThatThrownBy(() -> s.put("k", breaking, -1)).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> s.put("new", new BreaksAtTheEnd(TestBytes.stream(1, 1 << 20)), -1))
                .isInstanceOf(IOException.class);
        assertThat(readString(s.get("k"))).isEqualTo("old");
        assertThat(s.stat("new")).isEmpty();
        assertThat(s.list("")).extracting(Storage.ObjectInfo::key).containsExactly("k");
    }

    @Test
    void aLengthThatDoesNotMatchTheDataIsRefused() throws IOException {
        Storage s = storage();
        assertThatThrownBy(() -> s.put("short", new ByteArrayInputStream(utf8("12345")), 10))
                .isInstanceOf(IOException.class).hasMessageContaining("ended after 5");
        assertThatThrownBy(() -> s.put("long", new ByteArrayInputStream(utf8("12345")), 3))
                .isInstanceOf(IOException.class).hasMessageContaining("has more");
        assertThat(s.list("")).isEmpty();
    }

    @Test
    void keysThatCouldEscapeOrCollideAreRefused() {
        Storage s = storage();
        for (String bad : List.of("", "/abs", "a//b", "a/../b", "..", "a/.", "dir/", "back\\slash", "x.tmp-123", "a\nb")) {
            assertThatThrownBy(() -> s.put(bad, InputStream.nullInputStream(), 0)).as(bad)
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> s.get(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }

    /** Delivers size bytes of one value in chunks with a pause before each, so that a put takes a while. */
    static final class SlowStream extends BulkInputStream {
        private final byte value;
        private final int chunk;
        private final Duration pause;
        private long left;

        SlowStream(byte value, long size, int chunk, Duration pause) {
            this.value = value;
            this.left = size;
            this.chunk = chunk;
            this.pause = pause;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (left == 0) {
                return -1;
            }
            try {
                Thread.sleep(pause.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException();
            }
            int n = (int) Math.min(Math.min(len, chunk), left);
            Arrays.fill(b, off, off + n, value);
            left -= n;
            return n;
        }
    }

    /** The bytes of a stream, then an IOException instead of its end: a source that broke. */
    protected static final class BreaksAtTheEnd extends InputStream {
        private final InputStream in;

        public BreaksAtTheEnd(InputStream in) {
            this.in = in;
        }

        @Override
        public int read() throws IOException {
            int b = in.read();
            if (b < 0) {
                throw new IOException("the source broke");
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = in.read(b, off, len);
            if (n < 0) {
                throw new IOException("the source broke");
            }
            return n;
        }
    }
}
