package io.redback.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's first command: the demo runs end to end against a real redis-server. */
class DemoCommandTest {
    @Test
    void theDemoWritesSavesChecksAndInspectsARealDataset(@TempDir Path tmp) throws Exception {
        Cli.Run r = Cli.redback("demo", "--out", tmp.toString());
        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("VALID: every key and structure read, CRC64 verified")
                .contains("functions  1: ratelimit").contains("Biggest keys by size")
                .contains("FIXED: appendonly.aof.1.incr.aof truncated")
                .contains("1 snapshot(s)").contains("restored snapshot");
        java.util.regex.Matcher m = java.util.regex.Pattern
                .compile("db0 holds ([0-9,]+) keys \\(it had ([0-9,]+) before the FLUSHALL\\)").matcher(r.out());
        assertThat(m.find()).as(r.out()).isTrue();
        assertThat(m.group(1)).isEqualTo(m.group(2));
        assertThat(Files.size(tmp.resolve("dump.rdb"))).isGreaterThan(100_000);
    }
}
