package io.redback.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import io.redback.repo.SegmentManifest;
import io.redback.testsupport.TimelineBuilder;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code redback log} and {@code check --repo --read-data} read a segment as a stream, as
 * restore does: a 40 MB segment (compaction writes 64 MiB ones) passes in a child JVM whose
 * heap is 64 MB, where holding the segment whole (and a copy of it) cannot fit.
 */
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

        Child log = redback("log", "--repo", repo.toString(), "--grep", "SET");
        assertThat(log.exit()).as(log.err()).isZero();
        assertThat(log.out().lines().filter(l -> l.contains("SET \"big:"))).as(log.out()).hasSize(VALUES);

        Child check = redback("check", "--repo", repo.toString(), "--read-data");
        assertThat(check.exit()).as(check.out() + check.err()).isZero();
        assertThat(check.out()).contains(": CLEAN: 1 source(s)");
    }

    record Child(int exit, String out, String err) {
    }

    private Child redback(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx64m", "-cp", Path.of("target", "classes").toAbsolutePath() + File.pathSeparator
                        + System.getProperty("java.class.path"), "io.redback.cli.Main"));
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile(temp, "child", ".out");
        Path err = Files.createTempFile(temp, "child", ".err");
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        try {
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                fail("child JVM did not finish within 120 s: " + cmd);
            }
        } finally {
            if (p.isAlive()) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
        return new Child(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }
}
