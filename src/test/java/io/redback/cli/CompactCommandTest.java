package io.redback.cli;

import static io.redback.cli.Cli.redback;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.luben.zstd.Zstd;
import io.redback.bytes.Sha256;
import io.redback.cli.Cli.Run;
import io.redback.redis.LocalRedisServer;
import io.redback.repo.SegmentManifest;
import io.redback.storage.Storage;
import io.redback.repo.Timeline;
import io.redback.storage.s3.TestS3;
import io.redback.testsupport.Datasets;
import io.redback.testsupport.TimelineBuilder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code redback compact} merges a stream's one-second segments into few large ones, and every
 * reader sees the same log afterwards: restores to any second, the command log with its offsets
 * and times, and {@code check --repo --read-data}. An interrupted compaction leaves a readable
 * repository that the next compaction (or prune) cleans up; damage is never merged.
 */
@io.redback.testsupport.Slow
class CompactCommandTest {
    /** Two days before these tests run: every segment is older than the default --older-than 1h. */
    private static final Instant T0 = Instant.parse("2026-11-20T10:00:00Z");
    private static final int SECONDS = 30;

    @TempDir
    Path tmp;

    private String repo() {
        return tmp.resolve("repo").toString();
    }

    private static String sec(int s) {
        return T0.plusSeconds(s).toString();
    }

    /** Where the log stood at the end of each second (index: second), and just before the MULTI of second 10. */
    private record Points(long[] endOf, long beforeMulti) {
    }

    /**
     * One segment a second for 30 seconds, writing to databases 0 to 2, with a PING now and then
     * and a MULTI/EXEC that second 10 opens and second 11 closes (it spans two segments).
     */
    private static Points oneSegmentASecond(TimelineBuilder t, Instant start, int seconds) throws IOException {
        t.load("SET", "base", "1").load("SET", "counter", "0");
        t.baseSnapshot();
        long[] endOf = new long[seconds + 1];
        long beforeMulti = -1;
        for (int s = 1; s <= seconds; s++) {
            t.at(start.plusSeconds(s).plusMillis(100));
            if (s == 11) {
                t.command("INCR", "counter");
                t.command("EXEC");
            }
            t.db(s % 3).command("SET", "k" + s, "v" + s);
            t.at(start.plusSeconds(s).plusMillis(250)).command("INCR", "counter");
            if (s % 7 == 0) {
                t.ping();
            }
            if (s == 10) {
                beforeMulti = t.offset();
                t.at(start.plusSeconds(s).plusMillis(600)).command("MULTI");
                t.command("SET", "tx", "1");
            }
            endOf[s] = t.offset();
            t.segment();
        }
        return new Points(endOf, beforeMulti);
    }

    private void restoreAndCompare(TimelineBuilder t, long expectedOffset, Map<String, String> env, String repo,
                                   String... args) throws IOException {
        Path dir = tmp.resolve("restore-" + System.nanoTime());
        String[] all = Stream.concat(Stream.of("restore", "--repo", repo, "--to-dir", dir.toString(), "-q"),
                Stream.of(args)).toArray(String[]::new);
        Run r = redback(env, all);
        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("cut        at offset " + expectedOffset);
        try (LocalRedisServer reference = t.replayTo(expectedOffset);
             LocalRedisServer restored = Datasets.server().dir(dir).config("appendonly", "yes")
                     .config("appenddirname", "appendonlydir").start()) {
            assertThat(Datasets.digest(restored)).as("DEBUG DIGEST at offset " + expectedOffset)
                    .isEqualTo(Datasets.digest(reference));
        }
    }

    private void restoresMatchTheReference(TimelineBuilder t, Points p, Map<String, String> env, String repo)
            throws IOException {
        restoreAndCompare(t, p.endOf()[5], env, repo, "--at", sec(5));
        restoreAndCompare(t, p.endOf()[8], env, repo, "--at", sec(8));
        // The MULTI of second 10 is closed in second 11: the cut goes back before it, in the merged segment.
        restoreAndCompare(t, p.beforeMulti(), env, repo, "--at", sec(10));
        restoreAndCompare(t, p.endOf()[11], env, repo, "--at", sec(11));
        restoreAndCompare(t, p.endOf()[SECONDS], env, repo, "--at", sec(SECONDS), "--force");
    }

    /** `redback log --json` without the segment each command was read from, which compaction changes. */
    private String log() throws IOException {
        Run r = redback("log", "--repo", repo(), "--all", "--json");
        assertThat(r.exit()).as(r.err()).isZero();
        StringBuilder out = new StringBuilder();
        for (String line : r.out().split("\n")) {
            JsonNode n = new com.fasterxml.jackson.databind.ObjectMapper().readTree(line);
            if (n instanceof ObjectNode o) {
                o.remove("segment");
            }
            out.append(n).append('\n');
        }
        return out.toString();
    }

    private static Timeline timeline(TimelineBuilder t) throws IOException {
        return t.repository().timelines().of(t.source()).get(0);
    }

    /** Every file under dir, relative, with its bytes' SHA-256. */
    private static Map<String, String> files(Path dir) throws Exception {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path f : all.filter(Files::isRegularFile).toList()) {
                out.put(dir.relativize(f).toString(), sha256(Files.readAllBytes(f)));
            }
        }
        return out;
    }

    private static String sha256(byte[] b) {
        return Sha256.of(b);
    }

    private static byte[] raw(TimelineBuilder t, SegmentManifest s) throws IOException {
        byte[] stored = Files.readAllBytes(t.objectPath(s.object()));
        return s.compression().algorithm().equals("none") ? stored : Zstd.decompress(stored, (int) s.rawSize());
    }

    @Test
    void compactMergesOneSecondSegmentsAndEveryReaderSeesTheSameLog() throws Exception {
        try (TimelineBuilder t = TimelineBuilder.start(tmp.resolve("repo"), "cache-1", T0)) {
            Points p = oneSegmentASecond(t, T0, SECONDS);
            List<SegmentManifest> before = timeline(t).segments();
            assertThat(before).hasSize(SECONDS);
            Map<Long, byte[]> rawBefore = new TreeMap<>();
            for (SegmentManifest s : before) {
                rawBefore.put(s.startOffset(), raw(t, s));
            }
            String logBefore = log();

            Map<String, String> untouched = files(tmp.resolve("repo"));
            Run dry = redback("compact", "--repo", repo(), "--target-size", "1KiB", "--dry-run");
            assertThat(dry.exit()).as(dry.out() + dry.err()).isZero();
            assertThat(dry.out()).contains("dry run, nothing changed", "would merge cache-1/");
            assertThat(files(tmp.resolve("repo"))).as("a dry run changes nothing").isEqualTo(untouched);

            Run r = redback("compact", "--repo", repo(), "--target-size", "1KiB", "--json");
            assertThat(r.exit()).as(r.out() + r.err()).isZero();
            JsonNode report = r.json();
            assertThat(report.get("segmentsBefore").asInt()).isEqualTo(SECONDS);
            Timeline after = timeline(t);
            assertThat(after.segments()).hasSizeLessThanOrEqualTo(6).hasSize(report.get("segmentsAfter").asInt());
            assertThat(after.gaps()).isEmpty();
            assertThat(after.superseded()).isEmpty();
            assertThat(after.restorableOffset()).isEqualTo(t.offset());

            // Each merged segment is what the stream would have written for its segments' bytes as one.
            for (SegmentManifest m : after.segments()) {
                List<SegmentManifest> parts = before.stream().filter(s -> s.startOffset() >= m.startOffset()
                        && s.endOffset() <= m.endOffset()).toList();
                ByteArrayOutputStream concatenated = new ByteArrayOutputStream();
                List<SegmentManifest.IndexEntry> index = new ArrayList<>();
                for (SegmentManifest s : parts) {
                    concatenated.writeBytes(rawBefore.get(s.startOffset()));
                    index.addAll(s.index());
                }
                assertThat(raw(t, m)).isEqualTo(concatenated.toByteArray());
                assertThat(m.rawSize()).isEqualTo(concatenated.size());
                assertThat(m.sha256Raw()).isEqualTo(sha256(concatenated.toByteArray()));
                assertThat(m.sha256Stored()).isEqualTo(sha256(Files.readAllBytes(t.objectPath(m.object()))));
                assertThat(m.storedSize()).isEqualTo(Files.size(t.objectPath(m.object())));
                assertThat(m.index()).isEqualTo(index);
                assertThat(m.commands()).isEqualTo(parts.stream().mapToLong(SegmentManifest::commands).sum());
                assertThat(m.selectedDb()).isEqualTo(parts.get(0).selectedDb());
                assertThat(m.firstArrival()).isEqualTo(parts.get(0).firstArrival());
                assertThat(m.lastArrival()).isEqualTo(parts.get(parts.size() - 1).lastArrival());
                assertThat(m.replicationId()).isEqualTo(parts.get(0).replicationId());
            }
            for (SegmentManifest s : before) {
                if (after.segments().stream().noneMatch(m -> m.object().equals(s.object()))) {
                    assertThat(t.objectPath(s.object())).as("replaced data object").doesNotExist();
                }
            }

            Run check = redback("check", "--repo", repo(), "--read-data");
            assertThat(check.exit()).as(check.out() + check.err()).isZero();
            assertThat(log()).isEqualTo(logBefore);
            restoresMatchTheReference(t, p, Map.of(), repo());

            Run again = redback("compact", "--repo", repo(), "--target-size", "1KiB", "--json");
            assertThat(again.exit()).as(again.err()).isZero();
            assertThat(again.json().get("merges")).as("nothing left to merge at this size").isEmpty();
        }
    }

    @Test
    void anInterruptedCompactionStillReadsAndTheNextCompactOrPruneCleansUp() throws Exception {
        try (TimelineBuilder t = TimelineBuilder.start(tmp.resolve("repo"), "cache-1", T0)) {
            Points p = oneSegmentASecond(t, T0, SECONDS);
            String logBefore = log();
            List<SegmentManifest> before = timeline(t).segments();
            Path saved = tmp.resolve("saved");
            Files.createDirectories(saved);
            for (SegmentManifest s : before) {
                for (String key : keys(t, s)) {
                    Files.copy(t.objectPath(key), saved.resolve(Path.of(key).getFileName()));
                }
            }
            Run r = redback("compact", "--repo", repo(), "--target-size", "1KiB");
            assertThat(r.exit()).as(r.out() + r.err()).isZero();
            List<SegmentManifest> merged = timeline(t).segments();
            assertThat(merged.size()).isGreaterThanOrEqualTo(2);

            // The crash: after the first merge, nothing deleted yet; after the second, only the manifests.
            List<SegmentManifest> firstParts = within(before, merged.get(0));
            List<SegmentManifest> secondParts = within(before, merged.get(1));
            putBack(t, saved, firstParts, true);
            putBack(t, saved, secondParts, false);

            Timeline interrupted = timeline(t);
            assertThat(interrupted.segments()).isEqualTo(merged);
            assertThat(interrupted.gaps()).isEmpty();
            assertThat(interrupted.superseded()).hasSameElementsAs(firstParts);
            Run check = redback("check", "--repo", repo(), "--read-data");
            assertThat(check.exit()).as(check.out() + check.err()).isZero();
            assertThat(check.out()).contains(firstParts.size() + " segment(s) that a compacted segment covers");
            assertThat(log()).isEqualTo(logBefore);
            restoreAndCompare(t, p.endOf()[3], Map.of(), repo(), "--at", sec(3));
            Run status = redback("status", "--repo", repo());
            assertThat(status.exit()).as(status.err()).isZero();

            Map<String, String> untouched = files(tmp.resolve("repo"));
            Run dry = redback("compact", "--repo", repo(), "--target-size", "1KiB", "--dry-run", "--json");
            assertThat(dry.exit()).as(dry.err()).isZero();
            assertThat(dry.json().get("leftoversRemoved")).hasSize(2 * firstParts.size() + secondParts.size());
            assertThat(files(tmp.resolve("repo"))).isEqualTo(untouched);

            Run finish = redback("compact", "--repo", repo(), "--target-size", "1KiB");
            assertThat(finish.exit()).as(finish.out() + finish.err()).isZero();
            assertThat(finish.out()).contains("deleted " + (2 * firstParts.size() + secondParts.size()) + " object(s)");
            assertLeftoversGone(t, firstParts, secondParts);
            assertThat(timeline(t).segments()).isEqualTo(merged);

            putBack(t, saved, firstParts, true);
            putBack(t, saved, secondParts, false);
            Run prune = redback("prune", "--repo", repo(), "--keep-last", "10");
            assertThat(prune.exit()).as(prune.out() + prune.err()).isZero();
            assertLeftoversGone(t, firstParts, List.of());
            assertThat(timeline(t).segments()).isEqualTo(merged);
            assertThat(log()).isEqualTo(logBefore);
        }
    }

    private static List<String> keys(TimelineBuilder t, SegmentManifest s) {
        String manifest = s.object().replaceFirst("\\.aof(\\.zst)?$", ".json");
        return List.of(manifest, s.object());
    }

    private static List<SegmentManifest> within(List<SegmentManifest> segments, SegmentManifest merged) {
        return segments.stream().filter(s -> s.startOffset() >= merged.startOffset()
                && s.endOffset() <= merged.endOffset()).toList();
    }

    private static void putBack(TimelineBuilder t, Path saved, List<SegmentManifest> segments, boolean manifests)
            throws IOException {
        for (SegmentManifest s : segments) {
            for (String key : keys(t, s)) {
                if (manifests || !key.endsWith(".json")) {
                    Files.copy(saved.resolve(Path.of(key).getFileName()), t.objectPath(key),
                            StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    private static void assertLeftoversGone(TimelineBuilder t, List<SegmentManifest> first,
                                            List<SegmentManifest> second) {
        for (SegmentManifest s : Stream.concat(first.stream(), second.stream()).toList()) {
            for (String key : keys(t, s)) {
                assertThat(t.objectPath(key)).doesNotExist();
            }
        }
    }

    @Test
    void youngSegmentsStayAsTheStreamWroteThem() throws Exception {
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        try (TimelineBuilder t = TimelineBuilder.start(tmp.resolve("repo"), "cache-1", now.minusSeconds(3 * 3600))) {
            oneSegmentASecond(t, now.minusSeconds(3 * 3600), 6);
            List<SegmentManifest> young = new ArrayList<>();
            for (int s = 0; s < 4; s++) {
                t.at(now.minusSeconds(300 - s)).command("SET", "young" + s, "1");
                young.add(t.segment());
            }
            Run r = redback("compact", "--repo", repo());
            assertThat(r.exit()).as(r.out() + r.err()).isZero();
            Timeline after = timeline(t);
            assertThat(after.segments()).hasSize(1 + young.size());
            assertThat(after.segments().subList(1, after.segments().size())).isEqualTo(young);
            for (SegmentManifest s : young) {
                assertThat(t.objectPath(s.object())).exists();
            }
            assertThat(after.segments().get(0).endOffset()).isEqualTo(young.get(0).startOffset());
        }
    }

    @Test
    void aDamagedSegmentIsNeverMergedAndCompactSaysWhich() throws Exception {
        try (TimelineBuilder t = TimelineBuilder.start(tmp.resolve("repo"), "cache-1", T0)) {
            oneSegmentASecond(t, T0, 8);
            SegmentManifest damaged = timeline(t).segments().get(4);
            try (RandomAccessFile f = new RandomAccessFile(t.objectPath(damaged.object()).toFile(), "rw")) {
                f.seek(f.length() / 2);
                int b = f.read();
                f.seek(f.length() / 2);
                f.write(b ^ 0x55);
            }
            Map<String, String> before = files(tmp.resolve("repo"));
            Run r = redback("compact", "--repo", repo());
            assertThat(r.exit()).as(r.out() + r.err()).isEqualTo(1);
            assertThat(r.err()).contains(damaged.object(), "is damaged", "check --repo --read-data");
            assertThat(files(tmp.resolve("repo"))).as("nothing merged, nothing deleted").isEqualTo(before);
        }
    }

    @Test
    void compactsAnS3Repository() throws Exception {
        try (TimelineBuilder t = TimelineBuilder.start(tmp.resolve("repo"), "cache-1", T0);
             TestS3 s3 = TestS3.start()) {
            Points p = oneSegmentASecond(t, T0, 12);
            s3.createBucket("backups");
            try (Storage bucket = s3.url("backups", "redis").open();
                 Stream<Path> files = Files.walk(tmp.resolve("repo"))) {
                for (Path f : files.filter(Files::isRegularFile).toList()) {
                    String key = tmp.resolve("repo").relativize(f).toString().replace('\\', '/');
                    try (var in = Files.newInputStream(f)) {
                        bucket.put(key, in, Files.size(f));
                    }
                }
            }
            String url = "s3://backups/redis?endpoint=" + s3.endpoint();
            Run r = redback(s3.env(), "compact", "--repo", url, "--target-size", "1KiB", "--json");
            assertThat(r.exit()).as(r.out() + r.err()).isZero();
            assertThat(r.json().get("segmentsAfter").asInt()).isLessThan(12);
            Run check = redback(s3.env(), "check", "--repo", url, "--read-data");
            assertThat(check.exit()).as(check.out() + check.err()).isZero();
            restoreAndCompare(t, p.endOf()[5], s3.env(), url, "--at", sec(5));
            restoreAndCompare(t, p.beforeMulti(), s3.env(), url, "--at", sec(10));
        }
    }
}
