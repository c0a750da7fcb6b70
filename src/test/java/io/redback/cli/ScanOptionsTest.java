package io.redback.cli;

import static io.redback.cli.Cli.redback;
import static org.assertj.core.api.Assertions.assertThat;

import io.redback.cli.Cli.Run;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Options of --method scan refused before anything is asked of a server or written. */
@io.redback.testsupport.Fast
class ScanOptionsTest {
    @TempDir
    Path tmp;

    @Test
    void commandNamesGoWithAScanAndNameOnlyItsCommands() {
        String repo = tmp.resolve("repo").toString();
        Run without = redback("backup", "--redis", "redis://127.0.0.1:1", "--command-name", "DUMP=XDUMP", "--repo", repo);
        assertThat(without.exit()).isEqualTo(2);
        assertThat(without.err()).contains("--command-name goes with --method scan");

        Run foreign = redback("backup", "--redis", "redis://127.0.0.1:1", "--method", "scan", "--command-name",
                "FLUSHALL=X", "--repo", repo);
        assertThat(foreign.exit()).isEqualTo(2);
        assertThat(foreign.err()).contains("a scan sends only", "DUMP", "SCAN");

        Run replica = redback("backup", "--redis", "redis://127.0.0.1:1", "--method", "scan", "--cluster",
                "--prefer-replica", "--repo", repo);
        assertThat(replica.exit()).isEqualTo(2);
        assertThat(replica.err()).contains("--prefer-replica goes with --method sync");
        assertThat(tmp.resolve("repo")).doesNotExist();
    }
}
