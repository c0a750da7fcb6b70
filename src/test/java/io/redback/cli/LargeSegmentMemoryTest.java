package io.redback.cli;

import io.redback.testsupport.ChildJvm;
import static org.assertj.core.api.Assertions.assertThat;

import io.redback.repo.SegmentManifest;
import io.redback.testsupport.TimelineBuilder;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code redback log} and {@code check --repo --read-data} read a segment as a stream, as
 * restore does: a 40 MB segment (compaction writes 64 MiB ones) passes in a child JVM whose
 * heap is 64 MB, where holding the segment whole (and a copy of it) cannot fit.
 */
@io.redback.testsupport.Slow
class LargeSegmentMemoryTest {
    private static final Instant T0 = Instant.parse("2026-11-22T03:00:00Z");
    private static final int VALUES = 40;

    @TempDir
    Path temp;

    @Test
    void logAndReadDataCheckAFortyMegabyteSegmentInSixtyFourMegabytesOfHeap() throws Exception {
        Path repo = temp.resolve("repo");
        SegmentManifest big;
        try (TimelineBuilder t = TimelineBuilder.start(repo, "src", T0)) {
            t.load("SET", "before", "1");
            t.baseSnapshot();
            String value = "v".repeat(1 << 20);
            for (int i = 0; i < VALUES; i++) {
                t.at(T0.plusSeconds(1 + i / 10)).command("SET", "big:" + i, value);
            }
            big = t.segment();
        }
        assertThat(big.rawSize()).isGreaterThan(40L << 20);

        ChildJvm.Result log = redback("log", "--repo", repo.toString(), "--grep", "SET");
        assertThat(log.exit()).as(log.stderr()).isZero();
        assertThat(log.stdout().lines().filter(l -> l.contains("SET \"big:"))).as(log.stdout()).hasSize(VALUES);

        ChildJvm.Result check = redback("check", "--repo", repo.toString(), "--read-data");
        assertThat(check.exit()).as(check.stdout() + check.stderr()).isZero();
        assertThat(check.stdout()).contains(": CLEAN: 1 source(s)");
    }

    private ChildJvm.Result redback(String... args) throws IOException, InterruptedException {
        return ChildJvm.redback(temp, "-Xmx64m", args);
    }
}
