package io.redback.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A metrics file kept by one-shot commands: each run carries over what earlier runs wrote (counters
 * keep counting, a failed run leaves the last success alone), several sources and commands share a
 * file, and the file is only ever replaced whole.
 */
@io.redback.testsupport.Fast
class MetricsFileTest {
    @TempDir
    Path tmp;

    @Test
    void runsMergeIntoOneFile() throws Exception {
        Path file = tmp.resolve("redback.prom");
        MetricsFile.update(file, (m, before) -> {
            assertThat(before).isEmpty();
            m.snapshots.labelValues("cache-1", "ok").inc();
            m.snapshots.labelValues("cache-1", "failed").inc(0);
            m.snapshotLastSuccess.labelValues("cache-1").set(1_700_000_000.5);
            m.repositoryBytes.labelValues("cache-1", "snapshots").set(12_345);
        });
        MetricsFile.update(file, (m, before) -> {
            assertThat(before).containsExactly("cache-1");
            m.snapshots.labelValues("cache-1", "failed").inc();
            m.jobFailures.labelValues("cache-1", "snapshot").inc();
            m.checkLastSuccess.labelValues("odd \"name\"\\").set(42);
        });
        MetricsFile.update(file, (m, before) -> m.snapshots.labelValues("cache-1", "ok").inc());
        String text = Files.readString(file, StandardCharsets.UTF_8);
        assertThat(value(text, "redback_snapshots_total{result=\"ok\",source=\"cache-1\"}")).isEqualTo(2);
        assertThat(value(text, "redback_snapshots_total{result=\"failed\",source=\"cache-1\"}")).isEqualTo(1);
        assertThat(value(text, "redback_job_failures_total{job=\"snapshot\",source=\"cache-1\"}")).isEqualTo(1);
        assertThat(value(text, "redback_snapshot_last_success_timestamp_seconds{source=\"cache-1\"}"))
                .isEqualTo(1_700_000_000.5);
        assertThat(value(text, "redback_repository_bytes{kind=\"snapshots\",source=\"cache-1\"}")).isEqualTo(12_345);
        assertThat(value(text, "redback_check_last_success_timestamp_seconds{source=\"odd \\\"name\\\"\\\\\"}"))
                .isEqualTo(42);
        assertThat(text).contains("# TYPE redback_snapshots_total counter", "# HELP redback_repository_bytes ")
                .doesNotContain("redback_build_info");
        try (Stream<Path> left = Files.list(tmp)) {
            assertThat(left.map(p -> p.getFileName().toString()))
                    .as("no temporary left for the collector to find").containsExactlyInAnyOrder("redback.prom", "redback.prom.lock");
        }
    }

    @Test
    void linesRedbackDoesNotDeclareAreDropped() throws Exception {
        Path file = tmp.resolve("redback.prom");
        Files.writeString(file, """
                # HELP something_else Not ours
                something_else{source="a"} 3
                redback_stream_up{source="a",extra="x"} 1
                redback_stream_up{source="a"} 1
                redback_snapshots_total{result="ok",source="a"} nonsense
                """);
        MetricsFile.update(file, (m, before) -> assertThat(before).isEqualTo(Set.of("a")));
        String text = Files.readString(file);
        assertThat(text).doesNotContain("something_else", "extra", "redback_snapshots_total{");
        assertThat(value(text, "redback_stream_up{source=\"a\"}")).isEqualTo(1);
    }

    /** The value of one series in a text exposition, NaN when it is not there. */
    static double value(String text, String series) {
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
