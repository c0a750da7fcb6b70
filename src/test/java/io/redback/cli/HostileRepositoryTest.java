package io.redback.cli;

import static io.redback.cli.Cli.redback;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.luben.zstd.ZstdOutputStream;
import io.redback.bytes.Sha256;
import io.redback.cli.Cli.Run;
import io.redback.repo.SegmentManifest;
import io.redback.repo.SnapshotManifest;
import io.redback.testsupport.TimelineBuilder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Repositories damaged by an attacker or by bad luck: a data object replaced by something far
 * larger than its manifest says (or a zstd bomb) is read one byte past what the manifest promises
 * and reported by name (exit 1); one document that cannot be read (a snapshot manifest with a
 * refused object key, a torn {@code stream.json}, a bad segment manifest) is skipped with a
 * one-line warning while every command works on the rest, {@code check --repo} names it as
 * damaged (and reports no false MISSING), and {@code prune} deletes nothing of its source.
 */
@io.redback.testsupport.Fast
class HostileRepositoryTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant T0 = Instant.parse("2026-11-22T10:00:00Z");

    @TempDir
    Path tmp;

    /** A timeline: base snapshot, a segment, a second snapshot, two more segments. */
    private record Built(SnapshotManifest base, SnapshotManifest second, List<SegmentManifest> segments) {
    }

    private Path repoDir() {
        return tmp.resolve("repo");
    }

    private String repo() {
        return repoDir().toString();
    }

    private Built build() throws IOException {
        try (TimelineBuilder t = TimelineBuilder.start(repoDir(), "src", T0)) {
            t.load("SET", "a", "1");
            SnapshotManifest base = t.baseSnapshot();
            t.at(T0.plusSeconds(1)).command("SET", "k1", "v1");
            SegmentManifest s1 = t.segment();
            t.at(T0.plusSeconds(2));
            SnapshotManifest second = t.snapshot();
            t.command("SET", "k2", "v2");
            SegmentManifest s2 = t.segment();
            t.at(T0.plusSeconds(3)).command("SET", "k3", "v3");
            SegmentManifest s3 = t.segment();
            return new Built(base, second, List.of(s1, s2, s3));
        }
    }

    // ------------------------------------------------------------------ unbounded data objects

    @Test
    @Timeout(180)
    void aSnapshotReplacedByAZstdBombFailsTheRestoreNamingItAndWritesNoMoreThanItsManifestSays() throws Exception {
        Built b = build();
        byte[] bomb = bomb();
        Path object = repoDir().resolve(b.base().object());
        Files.write(object, bomb);
        // The attacker makes the manifest true about the stored bytes; rawSize stays what it was.
        String digest = sha256(bomb);
        editManifest(manifestPath(b.base()), m -> m.put("storedSize", bomb.length).put("sha256Stored", digest));

        Path dir = tmp.resolve("restored");
        Run r = redback("restore", "--snapshot", b.base().id().toString(), "--to-dir", dir.toString(), "--repo", repo(),
                "-q");
        assertThat(r.exit()).as(r.err()).isEqualTo(1);
        assertThat(r.err()).contains(b.base().object() + " decompresses to more than the " + b.base().rawSize()
                + " bytes its manifest says (reading stopped there)").contains("nothing was restored");
        assertThat(dir.resolve("dump.rdb")).doesNotExist();
    }

    @Test
    @Timeout(180) // read whole, the TiB would take hours: failing by time is failing
    void aSegmentReplacedByAHugeFileIsReportedByLogAndRestoreAfterOneBytePastItsSize() throws Exception {
        Built b = build();
        SegmentManifest s = b.segments().get(1);
        try (RandomAccessFile f = new RandomAccessFile(repoDir().resolve(s.object()).toFile(), "rw")) {
            f.setLength(1L << 40); // a TiB, sparse: read whole it would take hours
        }
        Run log = redback("log", "--repo", repo());
        assertThat(log.exit()).as(log.err()).isEqualTo(1);
        assertThat(log.err()).contains(s.object() + " is damaged: it holds more than the " + s.storedSize() + " bytes");
        assertThat(log.out()).contains("SET \"k1\"", "SET \"k3\"").doesNotContain("SET \"k2\"");

        Run restore = redback("restore", "--name", "src", "--at", T0.plusSeconds(3).toString(), "--to-dir",
                tmp.resolve("pitr").toString(), "--repo", repo(), "-q");
        assertThat(restore.exit()).as(restore.err()).isEqualTo(1);
        assertThat(restore.err()).contains(s.object() + " is damaged: it holds more than");
    }

    // ------------------------------------------------------------------ one bad document

    @Test
    void aSnapshotManifestWithARefusedObjectKeyIsSkippedAndEverythingElseWorks() throws Exception {
        Built b = build();
        Path manifest = manifestPath(b.second());
        editManifest(manifest, m -> m.put("object", "../../../../etc/passwd"));
        String key = repoDir().relativize(manifest).toString();
        Map<String, Long> before = files();

        Run list = redback("list", "--repo", repo());
        assertThat(list.exit()).as(list.err()).isZero();
        assertThat(list.out()).contains(b.base().id().toString()).doesNotContain(b.second().id().toString());
        assertThat(list.err().lines()).as(list.err()).containsExactly("redback list: warning: skipped " + key + ": "
                + key + " in file://" + repoDir().toUri().getRawPath().replaceAll("/$", "")
                + " is not a valid SnapshotManifest: invalid object key '../../../../etc/passwd': it has a '..' segment");

        Run show = redback("show", b.base().id().toString(), "--repo", repo());
        assertThat(show.exit()).as(show.err()).isZero();
        Run restore = redback("restore", "--snapshot", b.base().id().toString(), "--to-dir",
                tmp.resolve("one").toString(), "--repo", repo(), "-q");
        assertThat(restore.exit()).as(restore.err()).isZero();
        assertThat(restore.err()).contains("warning: skipped " + key);
        Run pitr = redback("restore", "--name", "src", "--at", T0.plusSeconds(3).toString(), "--to-dir",
                tmp.resolve("pitr").toString(), "--repo", repo(), "-q");
        assertThat(pitr.exit()).as(pitr.err()).isZero();
        Run status = redback("status", "--repo", repo());
        assertThat(status.exit()).as(status.err()).isZero();
        assertThat(status.err()).contains("warning: skipped " + key);

        assertDamagedOnly(key);
        assertPruneLeavesItAlone(key, before);
    }

    @Test
    void aTornStreamJsonIsSkippedAndEverythingElseWorks() throws Exception {
        build();
        Path stream = repoDir().resolve("sources/src/stream.json");
        Files.writeString(stream, "{\n  \"formatVersion\" : 1,\n  \"source\" : \"src\",\n  \"state\" : \"stre");
        String key = "sources/src/stream.json";
        Map<String, Long> before = files();

        Run status = redback("status", "--repo", repo());
        assertThat(status.exit()).as(status.err()).isZero();
        assertThat(status.err()).startsWith("redback status: warning: skipped " + key + ": " + key + " in ")
                .contains("is not valid JSON");
        assertThat(status.err().lines()).hasSize(1);
        Run pitr = redback("restore", "--name", "src", "--at", T0.plusSeconds(3).toString(), "--to-dir",
                tmp.resolve("pitr").toString(), "--repo", repo(), "-q");
        assertThat(pitr.exit()).as(pitr.err()).isZero();
        assertThat(pitr.err()).contains("warning: skipped " + key);
        Run list = redback("list", "--repo", repo());
        assertThat(list.exit()).as(list.err()).isZero();

        assertDamagedOnly(key);
        assertPruneLeavesItAlone(key, before);
    }

    @Test
    void aBadSegmentManifestIsSkippedAsAGapAndEverythingElseWorks() throws Exception {
        Built b = build();
        SegmentManifest s = b.segments().get(1);
        String key = s.object().replaceFirst("\\.aof(\\.zst)?$", ".json");
        editManifest(repoDir().resolve(key), m -> m.put("sha256Raw", "not a digest"));
        Map<String, Long> before = files();

        Run log = redback("log", "--repo", repo());
        assertThat(log.exit()).as("the gap is a problem").isEqualTo(1);
        assertThat(log.err()).contains("warning: skipped " + key);
        assertThat(log.out()).contains("SET \"k1\"", "SET \"k3\"");
        Run restore = redback("restore", "--snapshot", b.second().id().toString(), "--to-dir",
                tmp.resolve("one").toString(), "--repo", repo(), "-q");
        assertThat(restore.exit()).as(restore.err()).isZero();
        Run pitr = redback("restore", "--name", "src", "--at", T0.plusSeconds(1).toString(), "--to-dir",
                tmp.resolve("pitr").toString(), "--repo", repo(), "-q");
        assertThat(pitr.exit()).as(pitr.err()).isZero();

        JsonNode check = redback("check", "--repo", repo(), "--json").json();
        assertThat(check.get("verdict").asText()).isEqualTo("problems");
        assertThat(check.get("problems").findValuesAsText("kind")).containsExactlyInAnyOrder("damaged", "gap");
        assertPruneLeavesItAlone(key, before);
    }

    /** check --repo names the document as damaged, and nothing else is wrong (no false MISSING base). */
    private void assertDamagedOnly(String key) throws IOException {
        Run check = redback("check", "--repo", repo(), "--read-data");
        assertThat(check.exit()).as(check.out() + check.err()).isEqualTo(1);
        assertThat(check.out()).contains("DAMAGED  " + key).doesNotContain("MISSING");
        JsonNode json = redback("check", "--repo", repo(), "--json").json();
        JsonNode problems = json.get("problems");
        assertThat(problems).hasSize(1);
        assertThat(problems.get(0).get("kind").asText()).isEqualTo("damaged");
        assertThat(problems.get(0).get("object").asText()).isEqualTo(key);
    }

    /** prune (which would forget the base and trim the timeline) leaves the source as it is and says so. */
    private void assertPruneLeavesItAlone(String key, Map<String, Long> before) throws IOException {
        Run prune = redback("prune", "--keep-last", "1", "--repo", repo());
        assertThat(prune.exit()).as(prune.err()).isZero();
        assertThat(prune.out()).contains("left as it is: source src, because 1 document(s) of it could not be read ("
                + key + ")");
        assertThat(files()).isEqualTo(before);
        JsonNode json = redback("prune", "--keep-last", "1", "--dry-run", "--repo", repo(), "--json").json();
        assertThat(json.get("sourcesLeftAsTheyAre").get(0).asText()).isEqualTo("src");
        assertThat(json.get("removals")).isEmpty();
    }

    // ------------------------------------------------------------------ helpers

    private Path manifestPath(SnapshotManifest m) {
        return repoDir().resolve(m.object()).resolveSibling("manifest.json");
    }

    private static void editManifest(Path file, java.util.function.Consumer<ObjectNode> edit) throws IOException {
        ObjectNode tree = (ObjectNode) JSON.readTree(file.toFile());
        edit.accept(tree);
        Files.writeString(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(tree));
    }

    /** Every file of the repository but its locks, with its size. */
    private Map<String, Long> files() throws IOException {
        Map<String, Long> out = new TreeMap<>();
        try (Stream<Path> all = Files.walk(repoDir())) {
            for (Path p : all.filter(Files::isRegularFile).toList()) {
                String key = repoDir().relativize(p).toString();
                if (!key.startsWith("locks/")) {
                    out.put(key, Files.size(p));
                }
            }
        }
        return out;
    }

    /** 256 MiB of zeros as one zstd frame of a few KB. */
    private static byte[] bomb() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZstdOutputStream z = new ZstdOutputStream(out, 19)) {
            byte[] zeros = new byte[1 << 20];
            for (int n = 0; n < 256; n++) {
                z.write(zeros);
            }
        }
        return out.toByteArray();
    }

    private static String sha256(byte[] b) {
        return Sha256.of(b);
    }
}
