package io.redback.cli;

import static io.redback.cli.Cli.redback;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.redback.cli.Cli.Run;
import io.redback.redis.LocalRedisServer;
import io.redback.testsupport.Datasets;
import io.redback.testsupport.TimelineBuilder;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

/**
 * {@code --metrics-file}: each one-shot command the agent also runs as a job writes the agent's
 * metrics for its run into a file node_exporter's textfile collector reads; runs of several
 * commands merge into one file, and a failed run counts its failure and leaves the last success
 * where it was.
 */
@io.redback.testsupport.Slow
class MetricsFileCommandsTest {
    @TempDir
    Path tmp;

    @Test
    void backupAndPruneKeepTheSnapshotMetrics() throws Exception {
        String repo = tmp.resolve("repo").toString();
        Path prom = tmp.resolve("redback.prom");
        try (LocalRedisServer source = Datasets.server().config("repl-diskless-sync-delay", "0").start();
             Jedis j = Datasets.jedis(source)) {
            for (int i = 0; i < 500; i++) {
                j.set("k" + i, "v" + i);
            }
            String uri = "redis://127.0.0.1:" + source.port();
            for (int i = 0; i < 2; i++) {
                Run b = redback("backup", "--redis", uri, "--repo", repo, "--name", "cache-1", "-q", "--json",
                        "--metrics-file", prom.toString());
                assertThat(b.exit()).as(b.err()).isZero();
            }
            Run last = redback("show", "--repo", repo, "--name", "cache-1", "latest", "--json");
            assertThat(last.exit()).as(last.err()).isZero();
            double finished = Instant.parse(last.json().get("finishedAt").asText()).toEpochMilli() / 1000.0;
            long stored = last.json().get("storedSize").asLong();
            String text = Files.readString(prom);
            assertThat(value(text, "redback_snapshots_total{result=\"ok\",source=\"cache-1\"}")).isEqualTo(2);
            assertThat(value(text, "redback_snapshots_total{result=\"failed\",source=\"cache-1\"}")).isZero();
            assertThat(value(text, "redback_job_failures_total{job=\"snapshot\",source=\"cache-1\"}")).isZero();
            assertThat(value(text, "redback_snapshot_last_success_timestamp_seconds{source=\"cache-1\"}"))
                    .isCloseTo(finished, within(0.001));
            assertThat(value(text, "redback_snapshot_last_size_bytes{source=\"cache-1\"}")).isEqualTo(stored);
            assertThat(value(text, "redback_snapshot_last_duration_seconds{source=\"cache-1\"}")).isPositive();
            assertThat(value(text, "redback_repository_bytes{kind=\"snapshots\",source=\"cache-1\"}"))
                    .isGreaterThan(stored);

            // A backup that cannot reach its source: counted, and the last success stays.
            Run down = redback("backup", "--redis", "redis://127.0.0.1:" + freePort(), "--repo", repo, "--name",
                    "cache-1", "-q", "--metrics-file", prom.toString());
            assertThat(down.exit()).isEqualTo(2);
            text = Files.readString(prom);
            assertThat(value(text, "redback_snapshots_total{result=\"failed\",source=\"cache-1\"}")).isEqualTo(1);
            assertThat(value(text, "redback_snapshots_total{result=\"ok\",source=\"cache-1\"}")).isEqualTo(2);
            assertThat(value(text, "redback_job_failures_total{job=\"snapshot\",source=\"cache-1\"}")).isEqualTo(1);
            assertThat(value(text, "redback_snapshot_last_success_timestamp_seconds{source=\"cache-1\"}"))
                    .isCloseTo(finished, within(0.001));

            Run prune = redback("prune", "--repo", repo, "--keep-last", "1", "--metrics-file", prom.toString());
            assertThat(prune.exit()).as(prune.err()).isZero();
            text = Files.readString(prom);
            assertThat(value(text, "redback_repository_bytes{kind=\"snapshots\",source=\"cache-1\"}")).isEqualTo(stored);
            assertThat(value(text, "redback_job_failures_total{job=\"prune\",source=\"cache-1\"}")).isZero();
            assertThat(value(text, "redback_snapshots_total{result=\"ok\",source=\"cache-1\"}"))
                    .as("what backup wrote stays").isEqualTo(2);

            // A prune that cannot run (the repository is gone) counts a failure for the sources the file knows.
            Run gone = redback("prune", "--repo", tmp.resolve("nothing-here").toString(), "--keep-last", "1",
                    "--metrics-file", prom.toString());
            assertThat(gone.exit()).isEqualTo(2);
            assertThat(value(Files.readString(prom), "redback_job_failures_total{job=\"prune\",source=\"cache-1\"}"))
                    .isEqualTo(1);
        }
    }

    @Test
    void compactAndCheckWriteTheLogAndCheckMetrics() throws Exception {
        Path repo = tmp.resolve("repo");
        Path prom = tmp.resolve("redback.prom");
        Instant t0 = Instant.parse("2026-11-20T10:00:00Z");
        try (TimelineBuilder t = TimelineBuilder.start(repo, "db-1", t0)) {
            t.load("SET", "base", "1");
            t.baseSnapshot();
            for (int s = 1; s <= 5; s++) {
                t.at(t0.plusSeconds(s)).command("SET", "k" + s, "v" + s);
                t.segment();
            }
        }
        Run compact = redback("compact", "--repo", repo.toString(), "--metrics-file", prom.toString());
        assertThat(compact.exit()).as(compact.err()).isZero();
        String text = Files.readString(prom);
        assertThat(value(text, "redback_job_failures_total{job=\"compact\",source=\"db-1\"}")).isZero();
        assertThat(value(text, "redback_repository_bytes{kind=\"log\",source=\"db-1\"}")).isPositive();
        assertThat(value(text, "redback_recoverable_until_timestamp_seconds{source=\"db-1\"}"))
                .isEqualTo(t0.plusSeconds(5).getEpochSecond());
        assertThat(value(text, "redback_check_last_success_timestamp_seconds{source=\"db-1\"}")).isNaN();

        double before = System.currentTimeMillis() / 1000.0;
        Run check = redback("check", "--repo", repo.toString(), "--read-data", "--metrics-file", prom.toString());
        assertThat(check.exit()).as(check.out() + check.err()).isZero();
        text = Files.readString(prom);
        assertThat(value(text, "redback_check_last_success_timestamp_seconds{source=\"db-1\"}"))
                .isBetween(before, System.currentTimeMillis() / 1000.0);
        assertThat(value(text, "redback_job_failures_total{job=\"check\",source=\"db-1\"}")).isZero();
        assertThat(value(text, "redback_job_failures_total{job=\"compact\",source=\"db-1\"}")).as("kept").isZero();

        Run misuse = redback("check", tmp.resolve("dump.rdb").toString(), "--metrics-file", prom.toString());
        assertThat(misuse.exit()).isEqualTo(2);
        assertThat(misuse.err()).contains("go with --repo");
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** The value of one series in a text exposition, NaN when it is not there. */
    private static double value(String text, String series) {
        List<String> found = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.startsWith(series + " ")) {
                found.add(line.substring(series.length() + 1).strip());
            }
        }
        assertThat(found).as(series + " at most once in\n" + text).hasSizeLessThanOrEqualTo(1);
        return found.isEmpty() ? Double.NaN : Double.parseDouble(found.get(0));
    }
}
