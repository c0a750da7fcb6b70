package io.redback.cli;

import static io.redback.cli.RepoLogCommandTest.flipLastByte;
import static io.redback.cli.RepoLogCommandTest.ok;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.redback.repo.SegmentManifest;
import io.redback.repo.Timeline;
import io.redback.testsupport.StreamedSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Transaction;

/** {@code redback check --repo} on repositories a real stream wrote, whole, with a segment gone, and damaged. */
@io.redback.testsupport.Slow
class CheckRepoCommandTest {
    @TempDir
    Path temp;

    @Test
    void aStreamedRepositoryIsCleanAndAMissingSegmentIsAGap() throws Exception {
        try (StreamedSource s = StreamedSource.start(temp, "src")) {
            writeRounds(s, 3);
            s.stopStreaming();
            String repo = s.repoUrl();

            Cli.Run clean = ok(Cli.redback("check", "--repo", repo));
            assertThat(clean.out()).startsWith(s.repository().describe() + ": CLEAN: 1 source(s), 1 snapshot(s), "
                    + "1 timeline(s)").contains(" contiguous");
            ok(Cli.redback("check", "--repo", repo, "--read-data"));
            JsonNode json = ok(Cli.redback("check", "--repo", repo, "--read-data", "--json")).json();
            assertThat(json.get("verdict").asText()).isEqualTo("clean");
            assertThat(json.get("bytesRead").asLong()).isPositive();

            Timeline t = s.repository().timelines().of("src").get(0);
            assertThat(t.segments()).hasSizeGreaterThanOrEqualTo(3);
            SegmentManifest middle = t.segments().get(1);
            Files.delete(s.repoDir().resolve(middle.object()));
            Files.delete(s.repoDir().resolve(manifestKey(middle)));

            Cli.Run gap = Cli.redback("check", "--repo", repo);
            assertThat(gap.exit()).isEqualTo(1);
            String missing = "offsets " + (middle.startOffset() + 1) + ".." + middle.endOffset() + " missing";
            assertThat(gap.out()).contains(": PROBLEMS: 1 found").contains("GAP      timeline " + t.id() + ": " + missing)
                    .contains(" between " + TimelineText.second(t.segments().get(0).lastArrival()) + " and "
                            + TimelineText.second(t.segments().get(2).firstArrival()))
                    .contains("restores of this timeline stop at offset " + middle.startOffset())
                    .contains("advice     gap:");
            JsonNode problems = Cli.redback("check", "--repo", repo, "--json").json().get("problems");
            assertThat(problems).hasSize(1);
            assertThat(problems.get(0).get("kind").asText()).isEqualTo("gap");

            Cli.Run status = Cli.redback("status", "--repo", repo);
            assertThat(status.exit()).isEqualTo(1);
            assertThat(status.out()).contains("    GAP       " + missing);
            Cli.Run log = Cli.redback("log", "--repo", repo);
            assertThat(log.exit()).isEqualTo(1);
            assertThat(log.err()).contains(missing);
        }
    }

    @Test
    void aFlippedByteIsDamageThatReadDataFinds() throws Exception {
        try (StreamedSource s = StreamedSource.start(temp, "src")) {
            writeRounds(s, 3);
            s.stopStreaming();
            String repo = s.repoUrl();
            Timeline t = s.repository().timelines().of("src").get(0);
            SegmentManifest segment = t.segments().get(1);
            flipLastByte(s.repoDir().resolve(segment.object()));

            ok(Cli.redback("check", "--repo", repo)); // sizes are right: only reading finds it
            Cli.Run read = Cli.redback("check", "--repo", repo, "--read-data");
            assertThat(read.exit()).isEqualTo(1);
            assertThat(read.out()).contains("DAMAGED  " + segment.object() + " is damaged: ")
                    .contains("the manifest says " + segment.storedSize() + " bytes with SHA-256 " + segment.sha256Stored());

            String base = s.repository().catalog().find("src", t.id().toString()).object();
            flipLastByte(s.repoDir().resolve(base));
            JsonNode json = Cli.redback("check", "--repo", repo, "--read-data", "--json").json();
            assertThat(json.get("verdict").asText()).isEqualTo("problems");
            List<String> objects = json.get("problems").findValuesAsText("object");
            assertThat(objects).containsExactlyInAnyOrder(base, segment.object());
        }
    }

    @Test
    void usageErrors() {
        Cli.Run none = Cli.redback("check", "--repo", temp.resolve("nothing").toString());
        assertThat(none.exit()).isEqualTo(2);
        assertThat(none.err()).contains("no redback repository");
        assertThat(Cli.redback("check").exit()).isEqualTo(2);
        Cli.Run both = Cli.redback("check", "--repo", temp.toString(), "dump.rdb");
        assertThat(both.exit()).isEqualTo(2);
        assertThat(both.err()).contains("--repo checks a repository");

        String repo = temp.resolve("repo").toString();
        ok(Cli.redback("init", "--repo", repo));
        assertThat(ok(Cli.redback("check", "--repo", repo)).out()).contains(": CLEAN: 0 source(s)");
        Cli.Run unknown = Cli.redback("check", "--repo", repo, "--name", "nope");
        assertThat(unknown.exit()).isEqualTo(2);
        assertThat(unknown.err()).contains("source nope has no snapshots and no timelines");
    }

    private static void writeRounds(StreamedSource s, int rounds) throws Exception {
        Jedis j = s.jedis();
        for (int round = 0; round < rounds; round++) {
            for (int i = 0; i < 50; i++) {
                j.set("k" + round + ":" + i, "v".repeat(i));
            }
            Transaction tx = j.multi();
            tx.incr("counter");
            tx.sadd("set" + round, "x", "y");
            tx.exec();
            s.awaitShipped();
        }
    }

    private static String manifestKey(SegmentManifest s) {
        return s.object().replaceFirst("\\.aof(\\.zst)?$", ".json");
    }
}
