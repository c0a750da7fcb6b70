package io.redback.cli;

import static io.redback.cli.Cli.redback;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.luben.zstd.Zstd;
import io.redback.bytes.Sha256;
import io.redback.cli.Cli.Run;
import io.redback.repo.SnapshotManifest;
import io.redback.restore.PhaseListener;
import io.redback.restore.SnapshotRestore;
import io.redback.storage.Storage;
import io.redback.storage.file.FileStorage;
import java.io.FilterInputStream;
import io.redback.testsupport.TimelineBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A snapshot restore checks the RDB beside its download: an RDB whose structure is broken under
 * a manifest that vouches for it (both SHA-256s right) is named with the offset of the damage and
 * never put in place, and a stored object that differs from its manifest, or a download that
 * breaks off, is reported as before, ahead of anything the structural check would say.
 */
@io.redback.testsupport.Fast
class RestoreSnapshotCheckTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant T0 = Instant.parse("2026-11-22T10:00:00Z");

    @TempDir
    Path tmp;

    @Test
    void anRdbDamagedUnderAValidManifestIsNamedWithItsOffsetAndNeverPutInPlace() throws Exception {
        SnapshotManifest m = snapshot();
        byte[] raw = raw(m);
        int at = damage(raw);
        byte[] stored = Zstd.compress(raw, 3);
        Files.write(object(m), stored);
        editManifest(m, j -> j.put("storedSize", stored.length).put("sha256Stored", Sha256.of(stored))
                .put("rawSize", raw.length).put("sha256Raw", Sha256.of(raw)));
        Path dir = tmp.resolve("restored");
        Files.createDirectories(dir);

        Run r = redback("restore", "--snapshot", m.id().toString(), "--to-dir", dir.toString(), "--repo", repo(), "-q");
        assertThat(r.exit()).as(r.err()).isEqualTo(1);
        assertThat(r.err()).contains("the RDB of snapshot " + m.id()).contains("does not pass the check")
                .contains("at byte " + at).contains("nothing was restored");
        assertThat(dir.resolve("dump.rdb")).doesNotExist();
        try (Stream<Path> left = Files.list(dir)) {
            assertThat(left).as("the new file is dropped").isEmpty();
        }
    }

    @Test
    void aStoredObjectThatDiffersFromItsManifestIsReportedAsBeforeAheadOfItsDamagedRdb() throws Exception {
        SnapshotManifest m = snapshot();
        byte[] raw = raw(m);
        damage(raw);
        byte[] stored = Zstd.compress(raw, 3);
        Files.write(object(m), stored);
        Path dir = tmp.resolve("restored");

        Run r = redback("restore", "--snapshot", m.id().toString(), "--to-dir", dir.toString(), "--repo", repo(), "-q");
        assertThat(r.exit()).as(r.err()).isEqualTo(1);
        assertThat(r.err()).contains(m.object() + " is damaged: " + stored.length + " bytes with SHA-256 "
                + Sha256.of(stored) + ", the manifest says " + m.storedSize() + " bytes with SHA-256 " + m.sha256Stored())
                .contains("nothing was restored").doesNotContain("does not pass the check");
        assertThat(dir.resolve("dump.rdb")).doesNotExist();
    }

    @Test
    void aDownloadThatBreaksOffIsReportedAsItselfAndNothingIsPutInPlace() throws Exception {
        SnapshotManifest m = snapshot();
        Storage broken = new ForwardingStorage(new FileStorage(tmp.resolve("repo"))) {
            @Override
            public InputStream get(String key) throws IOException {
                InputStream in = super.get(key);
                if (!key.equals(m.object())) {
                    return in;
                }
                return new FilterInputStream(in) {
                    private int left = 20;

                    @Override
                    public int read(byte[] b, int off, int len) throws IOException {
                        if (left <= 0) {
                            throw new IOException("connection reset by the test");
                        }
                        int n = super.read(b, off, Math.min(len, left));
                        left -= Math.max(n, 0);
                        return n;
                    }
                };
            }
        };
        Path dir = tmp.resolve("restored");
        SnapshotRestore restore = new SnapshotRestore(new AtomicLong(), PhaseListener.NONE);
        assertThatThrownBy(() -> restore.toDir(new SnapshotRestore.Snapshot(broken, m), dir, false))
                .isInstanceOf(IOException.class).hasMessage("connection reset by the test");
        assertThat(dir.resolve("dump.rdb")).doesNotExist();
        try (Stream<Path> left = Files.list(dir)) {
            assertThat(left).isEmpty();
        }
    }

    /** Every call to inner, for a test to override one. */
    private static class ForwardingStorage implements Storage {
        private final Storage inner;

        ForwardingStorage(Storage inner) {
            this.inner = inner;
        }

        @Override
        public void put(String key, InputStream data, long length) throws IOException {
            inner.put(key, data, length);
        }

        @Override
        public InputStream get(String key) throws IOException {
            return inner.get(key);
        }

        @Override
        public InputStream getRange(String key, long offset, long length) throws IOException {
            return inner.getRange(key, offset, length);
        }

        @Override
        public Optional<ObjectInfo> stat(String key) throws IOException {
            return inner.stat(key);
        }

        @Override
        public List<ObjectInfo> list(String prefix) throws IOException {
            return inner.list(prefix);
        }

        @Override
        public void delete(String key) throws IOException {
            inner.delete(key);
        }

        @Override
        public String describe() {
            return inner.describe();
        }

        @Override
        public void close() throws IOException {
            inner.close();
        }
    }

    private SnapshotManifest snapshot() throws IOException {
        try (TimelineBuilder t = TimelineBuilder.start(tmp.resolve("repo"), "src", T0)) {
            t.load("SET", "somekey", "somevalue");
            return t.baseSnapshot();
        }
    }

    private String repo() {
        return tmp.resolve("repo").toString();
    }

    private Path object(SnapshotManifest m) {
        return tmp.resolve("repo").resolve(m.object());
    }

    private byte[] raw(SnapshotManifest m) throws IOException {
        byte[] stored = Files.readAllBytes(object(m));
        return Zstd.decompress(stored, (int) m.rawSize());
    }

    /** Makes the string key's type byte one no RDB has; returns its offset. */
    private static int damage(byte[] raw) {
        byte[] name = "somekey".getBytes(StandardCharsets.US_ASCII);
        for (int i = 2; i + name.length <= raw.length; i++) {
            if (raw[i - 1] == name.length && java.util.Arrays.equals(raw, i, i + name.length, name, 0, name.length)) {
                raw[i - 2] = (byte) 0x7F;
                return i - 2;
            }
        }
        throw new AssertionError("the key is not in the RDB");
    }

    private void editManifest(SnapshotManifest m, java.util.function.Consumer<ObjectNode> edit) throws IOException {
        Path file = object(m).resolveSibling("manifest.json");
        ObjectNode tree = (ObjectNode) JSON.readTree(file.toFile());
        edit.accept(tree);
        Files.writeString(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(tree));
    }
}
