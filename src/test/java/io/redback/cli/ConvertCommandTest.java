package io.redback.cli;

import static io.redback.cli.Cli.redback;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code redback convert}: a Redis 7.4 RDB for Redis 7.0 is refused while hashes with field TTLs
 * would lose them (exit 1, nothing written), written with --lossy drop-field-ttl (exit 0, the
 * output RDB 10 and valid, the changes counted), and a bad target is a usage error.
 */
@io.redback.testsupport.Fast
class ConvertCommandTest {
    @TempDir
    Path tmp;

    @Test
    void lossyKeysRefusedThenConvertedWhenAsked() throws Exception {
        Path in = Cli.fixture("/fixtures/redis-7.4.1/dump.rdb");
        Path out = tmp.resolve("out.rdb");
        Cli.Run refused = redback("convert", "--target", "redis:7.0", in.toString(), out.toString());
        assertThat(refused.exit()).as(refused.err()).isEqualTo(1);
        assertThat(refused.out()).contains("did not convert", "refused (--lossy fail)");
        assertThat(refused.err()).contains("hfe:", "nothing was written");
        assertThat(out).doesNotExist();

        Cli.Run run = redback("convert", "--target", "redis:7.0", "--lossy", "drop-field-ttl", "--json", in.toString(),
                out.toString());
        assertThat(run.exit()).as(run.err()).isZero();
        JsonNode j = run.json();
        assertThat(j.get("written").asBoolean()).isTrue();
        assertThat(j.get("check").asText()).isEqualTo("valid");
        assertThat(j.get("lossy").asLong()).isPositive();
        assertThat(j.get("changes").get("set listpack -> hashtable (plain)").asLong()).isPositive();
        assertThat(new String(Files.readAllBytes(out), 0, 9, java.nio.charset.StandardCharsets.US_ASCII))
                .isEqualTo("REDIS0010");

        Cli.Run text = redback("convert", "--target", "valkey:8.0", in.toString(), tmp.resolve("v.rdb").toString(),
                "--lossy", "skip-key");
        assertThat(text.exit()).as(text.err()).isZero();
        assertThat(text.out()).contains("converted", "left out (--lossy skip-key)", "check", "valid");
    }

    @Test
    void anUnknownTargetIsAUsageError() {
        Cli.Run run = redback("convert", "--target", "redis:9.9", "a.rdb", tmp.resolve("b.rdb").toString());
        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err()).contains("--target redis:9.9");
        Cli.Run lossy = redback("convert", "--target", "redis:7.0", "--lossy", "maybe", "a.rdb", "b.rdb");
        assertThat(lossy.exit()).isEqualTo(2);
        assertThat(lossy.err()).contains("--lossy maybe");
    }
}
