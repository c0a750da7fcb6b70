package io.redback.cli;

import static io.redback.cli.Cli.fixture;

import static io.redback.cli.Cli.redback;
import io.redback.cli.Cli.Run;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What an operator sees from {@code redback check}: verdicts, JSON fields, exit codes. */
@io.redback.testsupport.Fast
class CheckCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void aValidFileExitsZeroAndTheJsonSaysWhatItHolds() throws Exception {
        Run r = redback("check", "--json", fixture("/fixtures/redis-7.4.1/dump.rdb").toString());
        assertThat(r.exit()).isZero();
        JsonNode j = r.json();
        assertThat(j.path("verdict").asText()).isEqualTo("valid");
        assertThat(j.path("format").asText()).isEqualTo("rdb");
        assertThat(j.path("version").asInt()).isEqualTo(12);
        assertThat(j.path("keys").asLong()).isEqualTo(87);
        assertThat(j.path("databases").path("0").path("keys").asLong()).isEqualTo(74);
        assertThat(j.path("databases").path("5").path("keys").asLong()).isEqualTo(5);
        assertThat(j.path("checksum").path("status").asText()).isEqualTo("verified");
        assertThat(j.path("aux").path("redis-ver").asText()).isEqualTo("7.4.1");
        assertThat(j.path("functions").size()).isPositive();
        assertThat(j.has("error")).isFalse();
    }

    @Test
    void theHumanReportNamesVersionKeysAndChecksum() {
        Run r = redback("check", fixture("/fixtures/valkey-8.0.1/dump.rdb").toString());
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("VALID").contains("RDB version 11").contains("CRC64 verified")
                .contains("valkey-ver=8.0.1").contains("db 0");
    }

    @Test
    void aTruncatedFileExitsOneAndSaysWhereAndWhat(@TempDir Path tmp) throws Exception {
        byte[] full = Files.readAllBytes(fixture("/fixtures/redis-7.4.1/dump.rdb"));
        Path cut = tmp.resolve("cut.rdb");
        Files.write(cut, java.util.Arrays.copyOf(full, 300_000));
        Run r = redback("check", "--json", cut.toString());
        assertThat(r.exit()).isEqualTo(1);
        JsonNode j = r.json();
        assertThat(j.path("verdict").asText()).isEqualTo("damaged");
        assertThat(j.path("error").path("kind").asText()).isEqualTo("truncated");
        assertThat(j.path("error").path("offset").asLong()).isEqualTo(300_000);
        assertThat(j.path("error").path("key").asText()).isNotEmpty();
        assertThat(j.path("keys").asLong()).isPositive();

        Run text = redback("check", cut.toString());
        assertThat(text.out()).contains("DAMAGED: truncated").contains("at byte 300000").contains("advice");
    }

    @Test
    void aChecksumMismatchIsDamage() throws Exception {
        Run r = redback("check", "--json", fixture("/fixtures/librdb/invalid_chksum_v8.rdb").toString());
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.json().path("error").path("kind").asText()).isEqualTo("checksum-mismatch");
        assertThat(r.json().path("checksum").path("status").asText()).isEqualTo("mismatch");
        assertThat(r.json().path("checksum").path("stored").asText())
                .isNotEqualTo(r.json().path("checksum").path("computed").asText());
        assertThat(redback("check", fixture("/fixtures/librdb/invalid_chksum_v8.rdb").toString()).out())
                .contains("checksum   MISMATCH: the footer says");
    }

    @Test
    void aFileFromTheFutureIsRefusedWithExitTwo() throws Exception {
        Run r = redback("check", "--json", fixture("/fixtures/librdb/future_v19.rdb").toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.json().path("verdict").asText()).isEqualTo("unsupported");
        assertThat(r.json().path("error").path("message").asText()).contains("version 99").contains("newer");
    }

    @Test
    void aMissingFileAndBadUsageExitTwoWithOneLine(@TempDir Path tmp) {
        Run missing = redback("check", tmp.resolve("nope.rdb").toString());
        assertThat(missing.exit()).isEqualTo(2);
        assertThat(missing.err()).contains("no such file");
        Run usage = redback("check", "--no-such-option", "x");
        assertThat(usage.exit()).isEqualTo(2);
        assertThat(usage.err()).contains("--help");
    }

    @Test
    void helpTeachesExitCodes() {
        Run r = redback("check", "--help");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("Exit codes").contains("--json");
    }
}
