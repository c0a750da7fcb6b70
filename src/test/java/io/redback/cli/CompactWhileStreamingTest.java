package io.redback.cli;

import static io.redback.cli.RepoLogCommandTest.ok;
import static org.assertj.core.api.Assertions.assertThat;

import io.redback.redis.LocalRedisServer;
import io.redback.repo.Timeline;
import io.redback.testsupport.Datasets;
import io.redback.testsupport.StreamedSource;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Transaction;

/**
 * {@code redback compact} beside a running stream, told to merge everything already committed
 * ({@code --older-than 0s}, harsher than any real use): the stream keeps appending after the
 * merged segments, the timeline stays contiguous, and its end restores to the source's data.
 */
@io.redback.testsupport.Slow
class CompactWhileStreamingTest {
    @TempDir
    Path temp;

    @Test
    void theStreamAppendsAfterMergedSegmentsAndTheTimelineStaysWhole() throws Exception {
        try (StreamedSource s = StreamedSource.start(temp, "src")) {
            String repo = s.repoUrl();
            Jedis j = s.jedis();
            int merges = 0;
            for (int round = 0; round < 6; round++) {
                j.select(round % 3);
                for (int i = 0; i < 40; i++) {
                    j.set("k" + round + ":" + i, "v".repeat(i + round));
                }
                Transaction tx = j.multi();
                tx.incr("counter");
                tx.rpush("list", "r" + round);
                tx.exec();
                s.awaitShipped();
                merges += ok(Cli.redback("compact", "--repo", repo, "--older-than", "0s", "--json")).json()
                        .get("merges").size();
            }
            j.select(0);
            j.set("last", "write");
            long end = s.awaitShipped();
            s.stopStreaming();

            assertThat(merges).as("merges made while streaming").isPositive();
            Timeline t = s.repository().timelines().of("src").get(0);
            assertThat(t.gaps()).as("gaps after compacting beside the stream").isEmpty();
            assertThat(t.superseded()).as("leftovers of a finished compaction").isEmpty();
            assertThat(t.endOffset()).isEqualTo(end);
            ok(Cli.redback("check", "--repo", repo, "--read-data"));

            Path dir = temp.resolve("restored");
            ok(Cli.redback("restore", "--repo", repo, "--offset", Long.toString(end), "--to-dir", dir.toString(), "-q"));
            try (LocalRedisServer restored = Datasets.server().dir(dir).config("appendonly", "yes")
                    .config("appenddirname", "appendonlydir").start()) {
                assertThat(Datasets.digest(restored)).as("DEBUG DIGEST of the restored end vs the source")
                        .isEqualTo(Datasets.digest(s.redis()));
            }
        }
    }
}
