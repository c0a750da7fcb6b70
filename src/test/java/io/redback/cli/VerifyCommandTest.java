package io.redback.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.luben.zstd.Zstd;
import io.redback.bytes.Sha256;
import io.redback.cli.Cli.Run;
import io.redback.repo.SegmentManifest;
import io.redback.repo.Timeline;
import io.redback.testsupport.Datasets;
import io.redback.testsupport.Slow;
import io.redback.testsupport.StreamedSource;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

/**
 * {@code redback verify} against a real source streamed into a file repository: the log
 * reproduces the source while a workload writes to it; a segment removed from the repository,
 * or altered with its manifest's sizes and hashes rewritten to match (so only the content
 * comparison can notice), makes the verdict inconsistent, naming the gap or the key.
 */
@Slow
class VerifyCommandTest {
    private static final String SOURCE = "src";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void theLogReproducesTheSourceWhileAWorkloadRuns() throws Exception {
        try (StreamedSource s = StreamedSource.start(tmp, SOURCE)) {
            // No DEBUG POPULATE: a source does not replicate it, so verify would (rightly) find its keys missing.
            Datasets.everyType(s.jedis(), 0);
            for (int i = 0; i < 500; i++) {
                s.jedis().set("bulk:" + i, "value " + i);
            }
            s.awaitShipped();
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong writes = new AtomicLong();
            Thread writer = new Thread(() -> {
                try (Jedis j = Datasets.jedis(s.redis())) {
                    for (long i = 0; !stop.get(); i++) {
                        j.set("w:" + (i % 300), "value " + i);
                        j.incr("w:counter");
                        j.hset("w:hash", "f" + (i % 50), Long.toString(i));
                        j.zadd("w:zset", i * 0.5, "m" + (i % 40));
                        j.pexpire("w:" + (i % 300), 3_600_000 + i);
                        writes.incrementAndGet();
                    }
                }
            }, "verify-test-writer");
            writer.start();
            Run r;
            try {
                while (writes.get() < 200) {
                    Thread.sleep(10); // until the workload is under way
                }
                r = verify(s);
            } finally {
                stop.set(true);
                writer.join(10_000);
            }

            assertThat(r.exit()).as(r.out() + r.err()).isZero();
            JsonNode j = r.json();
            assertThat(j.get("verdict").asText()).isEqualTo("consistent");
            assertThat(j.get("replicationId").asText()).hasSize(40);
            assertThat(j.get("offset").asLong()).isPositive();
            assertThat(j.get("keys").get("source").asLong()).isGreaterThan(500)
                    .isEqualTo(j.get("keys").get("rebuilt").asLong());
            assertThat(j.get("segments").asInt()).isPositive();
            assertThat(j.get("differences")).isEmpty();
            assertThat(j.get("problems")).isEmpty();
            assertThat(j.get("elapsedMs").asLong()).isNotNegative();

            Run human = Cli.redback("verify", "--redis", s.redis().uri().toString(), "--name", SOURCE, "--repo",
                    s.repoUrl(), "--quiet");
            assertThat(human.exit()).as(human.out() + human.err()).isZero();
            assertThat(human.out()).contains("verify source src at offset", "rebuilt    from timeline")
                    .endsWith(")" + System.lineSeparator()).contains("consistent (");
        }
    }

    @Test
    void aSegmentRemovedFromTheRepositoryIsAGap() throws Exception {
        try (StreamedSource s = StreamedSource.start(tmp, SOURCE)) {
            for (int batch = 0; batch < 3; batch++) {
                for (int i = 0; i < 20; i++) {
                    s.jedis().set("k" + batch + ":" + i, "v" + i);
                }
                s.awaitShipped();
            }
            Timeline t = timeline(s);
            assertThat(t.segments()).hasSizeGreaterThanOrEqualTo(3);
            SegmentManifest removed = t.segments().get(1);
            Files.delete(s.repoDir().resolve(removed.object()));
            Files.delete(s.repoDir().resolve(s.repository().segmentManifestKey(SOURCE, t.id(), removed.startOffset(),
                    removed.endOffset())));

            Run r = verify(s);

            assertThat(r.exit()).as(r.out() + r.err()).isEqualTo(1);
            JsonNode j = r.json();
            assertThat(j.get("verdict").asText()).isEqualTo("inconsistent");
            assertThat(j.get("problems").get(0).asText()).contains("cannot rebuild offset", "gap")
                    .contains(Long.toString(removed.endOffset()));
        }
    }

    @Test
    void aSegmentWhoseDataObjectIsGoneIsNamed() throws Exception {
        try (StreamedSource s = StreamedSource.start(tmp, SOURCE)) {
            for (int batch = 0; batch < 3; batch++) {
                s.jedis().set("k" + batch, "v");
                s.awaitShipped();
            }
            SegmentManifest lost = timeline(s).segments().get(1);
            Files.delete(s.repoDir().resolve(lost.object()));

            Run r = verify(s);

            assertThat(r.exit()).as(r.out() + r.err()).isEqualTo(1);
            assertThat(r.json().get("problems").get(0).asText()).contains("cannot rebuild offset", lost.object());
        }
    }

    @Test
    void aSegmentAlteredWithItsManifestRewrittenIsCaughtByTheContent() throws Exception {
        try (StreamedSource s = StreamedSource.start(tmp, SOURCE)) {
            s.jedis().set("before", "1");
            s.awaitShipped();
            s.jedis().set("victim", "original-value-AAAA");
            s.awaitShipped();
            s.jedis().set("after", "1");
            s.awaitShipped();
            Timeline t = timeline(s);
            byte[] needle = "original-value-AAAA".getBytes(StandardCharsets.US_ASCII);
            SegmentManifest altered = null;
            for (SegmentManifest m : t.segments()) {
                byte[] raw = Zstd.decompress(Files.readAllBytes(s.repoDir().resolve(m.object())), (int) m.rawSize());
                int at = indexOf(raw, needle);
                if (at >= 0) {
                    // Same length, so every offset and size of the manifest stays true but the hashes.
                    System.arraycopy("original-value-BBBB".getBytes(StandardCharsets.US_ASCII), 0, raw, at,
                            needle.length);
                    byte[] stored = Zstd.compress(raw, 3);
                    Files.write(s.repoDir().resolve(m.object()), stored);
                    Path manifest = s.repoDir().resolve(s.repository().segmentManifestKey(SOURCE, t.id(),
                            m.startOffset(), m.endOffset()));
                    ObjectNode tree = (ObjectNode) JSON.readTree(manifest.toFile());
                    tree.put("storedSize", stored.length).put("sha256Stored", Sha256.of(stored))
                            .put("sha256Raw", Sha256.of(raw));
                    Files.writeString(manifest, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(tree));
                    altered = m;
                    break;
                }
            }
            assertThat(altered).as("the segment holding the SET").isNotNull();
            Run check = Cli.redback("check", "--repo", s.repoUrl(), "--read-data");
            assertThat(check.exit()).as("check --read-data cannot tell: " + check.out() + check.err()).isZero();

            Run r = verify(s);

            assertThat(r.exit()).as(r.out() + r.err()).isEqualTo(1);
            JsonNode j = r.json();
            assertThat(j.get("verdict").asText()).isEqualTo("inconsistent");
            assertThat(j.get("differences")).hasSize(1);
            JsonNode d = j.get("differences").get(0);
            assertThat(d.get("kind").asText()).isEqualTo("value");
            assertThat(d.get("db").asInt()).isZero();
            assertThat(d.get("key").asText()).isEqualTo("victim");
            assertThat(j.get("problems").get(0).asText()).contains("differs from the source", "1 value");
        }
    }

    @Test
    void keysTheSourceNeverReplicatedAreMissingFromTheLog() throws Exception {
        try (StreamedSource s = StreamedSource.start(tmp, SOURCE)) {
            s.jedis().set("replicated", "1");
            s.jedis().select(3);
            // DEBUG POPULATE writes keys without propagating them: the log never sees them.
            s.jedis().sendCommand(() -> "DEBUG".getBytes(StandardCharsets.US_ASCII),
                    "POPULATE".getBytes(StandardCharsets.US_ASCII), "5".getBytes(StandardCharsets.US_ASCII));
            s.jedis().select(0);
            s.awaitShipped();

            Run r = verify(s);

            assertThat(r.exit()).as(r.out() + r.err()).isEqualTo(1);
            JsonNode j = r.json();
            assertThat(j.get("differing").get("missing").asLong()).isEqualTo(5);
            assertThat(j.get("differences")).allSatisfy(d -> {
                assertThat(d.get("kind").asText()).isEqualTo("missing");
                assertThat(d.get("db").asInt()).isEqualTo(3);
            });
        }
    }

    @Test
    void aStoppedStreamThatHasNotShippedTheOffsetIsSaidSoWithoutWaiting() throws Exception {
        try (StreamedSource s = StreamedSource.start(tmp, SOURCE)) {
            s.jedis().set("shipped", "1");
            s.awaitShipped();
            s.stopStreaming();
            s.jedis().set("never-shipped", "1");

            Run r = Cli.redback("verify", "--redis", s.redis().uri().toString(), "--name", SOURCE, "--repo",
                    s.repoUrl(), "--wait", "5m", "--json");

            assertThat(r.exit()).as(r.out() + r.err()).isEqualTo(1);
            JsonNode j = r.json();
            assertThat(j.get("problems").get(0).asText()).contains("stream is not running", "stopped");
            assertThat(j.get("elapsedMs").asLong()).isLessThan(60_000);
        }
    }

    @Test
    void aSourceWithoutALogIsInconsistentAndNoRepositoryIsAnError() throws Exception {
        try (StreamedSource s = StreamedSource.start(tmp, SOURCE)) {
            Run r = Cli.redback("verify", "--redis", s.redis().uri().toString(), "--name", "other", "--repo",
                    s.repoUrl(), "--json");
            assertThat(r.exit()).as(r.out() + r.err()).isEqualTo(1);
            assertThat(r.json().get("problems").get(0).asText()).contains("not being streamed");

            Run none = Cli.redback("verify", "--redis", s.redis().uri().toString(), "--name", SOURCE, "--repo",
                    tmp.resolve("nothing-here").toString());
            assertThat(none.exit()).as(none.out() + none.err()).isEqualTo(2);
        }
    }

    private static Run verify(StreamedSource s) {
        return Cli.redback("verify", "--redis", s.redis().uri().toString(), "--name", SOURCE, "--repo", s.repoUrl(),
                "--wait", "30s", "--json");
    }

    private static Timeline timeline(StreamedSource s) throws Exception {
        List<Timeline> all = s.repository().timelines().of(SOURCE);
        assertThat(all).hasSize(1);
        return all.get(0);
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i <= hay.length - needle.length; i++) {
            for (int k = 0; k < needle.length; k++) {
                if (hay[i + k] != needle[k]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
