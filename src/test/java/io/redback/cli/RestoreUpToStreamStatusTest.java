package io.redback.cli;

import static io.redback.cli.RepoLogCommandTest.ok;
import static org.assertj.core.api.Assertions.assertThat;

import io.redback.redis.LocalRedisServer;
import io.redback.repo.StreamStatus;
import io.redback.repo.Timeline;
import io.redback.testsupport.Datasets;
import io.redback.testsupport.StreamedSource;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

/**
 * A timeline's window reaches as far as the stream's status vouches that nothing new arrived:
 * after a clean stop, the seconds between the last command and the stop are restorable; a
 * status that says the stream was behind extends nothing.
 */
@io.redback.testsupport.Slow
class RestoreUpToStreamStatusTest {
    @TempDir
    Path temp;

    @Test
    void theSecondsAfterTheLastCommandUpToACleanStopAreRestorable() throws Exception {
        // No PINGs from the source while the test runs: the last command stays the SET.
        LocalRedisServer.Builder quiet = Datasets.server().config("repl-ping-replica-period", "60");
        try (StreamedSource s = StreamedSource.start(temp, "src", quiet)) {
            s.jedis().set("k", "v1");
            s.awaitShipped();
            Thread.sleep(1000 - System.currentTimeMillis() % 1000 + 300); // into the next second
            s.stopStreaming();
            StreamStatus stopped = s.repository().timelines().status("src").orElseThrow();
            Timeline t = s.repository().timelines().of("src").get(0);
            Instant lastCommand = t.segments().get(t.segments().size() - 1).lastArrival();
            assertThat(stopped.state()).isEqualTo("stopped");
            assertThat(stopped.updatedAt().getEpochSecond()).isGreaterThan(lastCommand.getEpochSecond());

            String stopSecond = Instant.ofEpochSecond(stopped.updatedAt().getEpochSecond()).toString();
            Path dir = temp.resolve("restored");
            ok(Cli.redback("restore", "--repo", s.repoUrl(), "--at", stopSecond, "--to-dir", dir.toString(), "-q"));
            try (LocalRedisServer restored = Datasets.server().dir(dir).config("appendonly", "yes")
                    .config("appenddirname", "appendonlydir").start();
                 Jedis j = Datasets.jedis(restored)) {
                assertThat(j.get("k")).isEqualTo("v1");
            }

            com.fasterxml.jackson.databind.JsonNode window = ok(Cli.redback("status", "--repo", s.repoUrl(), "--json"))
                    .json().get("sources").get(0).get("timelines").get(0).get("window");
            assertThat(Instant.parse(window.get("to").asText())).as("status shows the window restores use")
                    .isEqualTo(stopped.updatedAt().minusMillis(1));

            // A status saying the stream had received more than the repository holds vouches for nothing.
            s.repository().write(new StreamStatus(stopped.formatVersion(), stopped.source(), stopped.sourceAddress(),
                    "stopped", stopped.updatedAt(), stopped.timeline(), stopped.replicationId(),
                    stopped.receivedOffset() + 14, stopped.committedOffset(), 14, 14, 0.5, null));
            Cli.Run refused = Cli.redback("restore", "--repo", s.repoUrl(), "--at", stopSecond, "--to-dir",
                    temp.resolve("refused").toString());
            assertThat(refused.exit()).as(refused.out() + refused.err()).isEqualTo(2);
            assertThat(refused.err()).contains("after the latest");
        }
    }
}
