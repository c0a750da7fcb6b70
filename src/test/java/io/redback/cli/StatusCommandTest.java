package io.redback.cli;

import static io.redback.cli.RepoLogCommandTest.ok;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.redback.repo.StreamStatus;
import io.redback.repo.Timeline;
import io.redback.testsupport.StreamedSource;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code redback status} of a source a real stream ships, while it runs, after it stopped, and long after. */
@io.redback.testsupport.Slow
class StatusCommandTest {
    @TempDir
    Path temp;

    @Test
    void showsTheTimelineItsWindowAndWhetherTheStreamRuns() throws Exception {
        try (StreamedSource s = StreamedSource.start(temp, "src")) {
            s.jedis().set("k", "v");
            long shipped = s.awaitShipped();
            String repo = s.repoUrl();
            awaitStatus(s, shipped);

            Cli.Run running = ok(Cli.redback("status", "--repo", repo));
            Timeline t = s.repository().timelines().of("src").get(0);
            assertThat(running.out()).startsWith("src (")
                    .contains("  stream      streaming (updated ")
                    .contains("  timeline    " + t.id() + " (the stream's): started ")
                    .contains("    window    " + TimelineText.second(t.manifest().startedAt()) + " .. ")
                    .contains("    segments  ")
                    .containsPattern("received [0-9,]+; durable [0-9,]+ \\(.*behind\\); committed [0-9,]+ \\(")
                    .contains("WAITAOF waits for the spool")
                    .contains("  snapshot    " + t.id() + ", ")
                    .doesNotContain("GAP");

            JsonNode doc = ok(Cli.redback("status", "--repo", repo, "--json")).json();
            JsonNode src = doc.get("sources").get(0);
            assertThat(src.get("source").asText()).isEqualTo("src");
            assertThat(src.get("stream").get("running").asBoolean()).isTrue();
            assertThat(src.get("stream").get("state").asText()).isEqualTo("streaming");
            JsonNode stream = src.get("stream");
            assertThat(stream.get("durableOffset").asLong()).isBetween(stream.get("committedOffset").asLong(),
                    stream.get("receivedOffset").asLong());
            assertThat(stream.get("durableLagBytes").asLong()).isGreaterThanOrEqualTo(0);
            assertThat(stream.get("durableLagSeconds").isNumber()).isTrue();
            assertThat(stream.get("durableAt").asText()).isEqualTo("spool");
            assertThat(src.get("timelines")).hasSize(1);
            JsonNode window = src.get("timelines").get(0).get("window");
            assertThat(window.get("fromOffset").asLong()).isEqualTo(t.manifest().startOffset());
            assertThat(window.get("toOffset").asLong()).isGreaterThanOrEqualTo(shipped);
            assertThat(Instant.parse(window.get("to").asText())).isAfterOrEqualTo(Instant.parse(window.get("from").asText()));
            assertThat(src.get("timelines").get(0).get("gaps")).isEmpty();
            assertThat(src.get("lastSnapshot").get("id").asText()).isEqualTo(t.id().toString());

            s.stopStreaming();
            Cli.Run stopped = ok(Cli.redback("status", "--repo", repo));
            assertThat(stopped.out()).contains("  stream      not running (stopped cleanly ");
            JsonNode after = ok(Cli.redback("status", "--repo", repo, "--name", "src", "--json")).json();
            assertThat(after.get("sources").get(0).get("stream").get("running").asBoolean()).isFalse();

            // A stream killed three hours ago left "streaming" behind; its age tells the truth.
            StreamStatus last = s.repository().timelines().status("src").orElseThrow();
            s.repository().write(new StreamStatus(last.formatVersion(), last.source(), last.sourceAddress(), "streaming",
                    Instant.now().minus(Duration.ofHours(3)), last.timeline(), last.replicationId(),
                    last.receivedOffset(), last.committedOffset(), last.spoolBytes(),
                    last.lagBytes(), last.lagSeconds(), null));
            Cli.Run stale = ok(Cli.redback("status", "--repo", repo));
            assertThat(stale.out()).contains("not running (last seen 3h ago, streaming then: it did not stop cleanly")
                    .contains(", committed "); // a status without the durable offset (an older release's) still reads
        }
    }

    @Test
    void anUnknownSourceOrRepositoryIsAUsageError() {
        Cli.Run missing = Cli.redback("status", "--repo", temp.resolve("nothing").toString());
        assertThat(missing.exit()).isEqualTo(2);
        assertThat(missing.err()).contains("no redback repository");

        String repo = temp.resolve("repo").toString();
        ok(Cli.redback("init", "--repo", repo));
        assertThat(ok(Cli.redback("status", "--repo", repo)).out()).startsWith("no sources in ");
        Cli.Run unknown = Cli.redback("status", "--repo", repo, "--name", "nope");
        assertThat(unknown.exit()).isEqualTo(2);
        assertThat(unknown.err()).contains("source nope has no snapshots, timelines or stream");
    }

    /** Waits for a stream.json that names the timeline and has committed offset (the first may predate the link). */
    private static void awaitStatus(StreamedSource s, long offset) throws Exception {
        long deadline = System.currentTimeMillis() + 20_000;
        while (s.repository().timelines().status("src")
                .filter(st -> st.timeline() != null && st.committedOffset() >= offset).isEmpty()) {
            assertThat(System.currentTimeMillis()).as("waited for stream.json").isLessThan(deadline);
            Thread.sleep(100);
        }
    }
}
