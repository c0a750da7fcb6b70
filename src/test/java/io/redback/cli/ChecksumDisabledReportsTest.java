package io.redback.cli;

import static io.redback.cli.Cli.redback;
import static org.assertj.core.api.Assertions.assertThat;

import io.redback.cli.Cli.Run;
import io.redback.redis.LocalRedisServer;
import io.redback.testsupport.Datasets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

/**
 * A server with {@code rdbchecksum no} writes RDBs whose footer is zero: nothing can be verified
 * against a checksum, and backup, restore and {@code check --repo} say "CRC64 disabled" as
 * {@code check} does, never "CRC64 verified".
 */
@io.redback.testsupport.Slow
class ChecksumDisabledReportsTest {
    @TempDir
    Path tmp;

    @Test
    void backupRestoreAndRepositoryCheckSayTheChecksumWasDisabled() throws Exception {
        String repo = tmp.resolve("repo").toString();
        try (LocalRedisServer source = Datasets.server().config("repl-diskless-sync-delay", "0")
                .config("rdbchecksum", "no").start();
             Jedis j = Datasets.jedis(source)) {
            j.set("a", "1");
            j.hset("h", "f", "v");
            Run backup = redback("backup", "--redis", "redis://127.0.0.1:" + source.port(), "--repo", repo,
                    "--name", "nochecksum", "-q");
            assertThat(backup.exit()).as(backup.err()).isZero();
            assertThat(backup.out()).contains("CRC64 disabled").doesNotContain("CRC64 verified");
        }
        Run check = redback("check", "--repo", repo, "--read-data");
        assertThat(check.exit()).as(check.out() + check.err()).isZero();
        assertThat(check.out()).contains("CLEAN").contains("CRC64 disabled");

        Run restore = redback("restore", "--snapshot", "latest", "--to-dir", tmp.resolve("out").toString(),
                "--repo", repo, "-q");
        assertThat(restore.exit()).as(restore.err()).isZero();
        assertThat(restore.out()).contains("CRC64 disabled").doesNotContain("CRC64 verified");
    }
}
