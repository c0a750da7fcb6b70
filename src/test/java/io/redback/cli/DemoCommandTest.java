package io.redback.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's first command: the demo runs end to end against a real redis-server, and each part works. */
@io.redback.testsupport.Slow
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
        assertStreamedAndRestoredBeforeTheFlushall(r.out(), tmp);
    }

    /** The last part: stream, FLUSHALL, log, restore --before FLUSHALL, the keys back, a clean stop, status. */
    private static void assertStreamedAndRestoredBeforeTheFlushall(String out, Path tmp) {
        assertThat(out).contains("started: base snapshot of")
                .contains("FLUSHALL; DBSIZE -> 0")
                .contains("-> the data just before it: redback restore --name demo --before 'FLUSHALL'")
                .contains("restored source demo as of offset")
                .contains("stopped: received up to offset")
                .contains("stream      not running (stopped cleanly");
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("db0 holds ([0-9,]+) keys again, "
                + "orders:count is (\\d+) \\(before the FLUSHALL: ([0-9,]+) keys, (\\d+)\\)").matcher(out);
        assertThat(m.find()).as(out).isTrue();
        assertThat(m.group(1)).as("keys back").isEqualTo(m.group(3));
        assertThat(m.group(2)).as("orders:count back").isEqualTo(m.group(4)).isEqualTo("100");
        assertThat(tmp.resolve("before-flushall/appendonlydir")).isDirectory();
        assertThat(tmp.resolve("spool")).as("the drained spool is removed").doesNotExist();
    }
}
