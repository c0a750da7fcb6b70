package io.redback.cli;

import static io.redback.cli.Cli.fixture;
import static io.redback.cli.Cli.redback;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.redback.cli.Cli.Run;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What an operator sees from {@code redback check} on AOFs: detection, verdicts, JSON, --fix. */
@io.redback.testsupport.Fast
class CheckCommandAofTest {
    private static final String INCR = "appendonly.aof.1.incr.aof";

    @TempDir
    Path tmp;

    private static Path releaseDir() {
        return fixture("/fixtures/redis-7.4.1/appendonlydir");
    }

    private Path copyOfReleaseDir() throws Exception {
        Path to = Files.createDirectories(tmp.resolve("appendonlydir"));
        try (Stream<Path> files = Files.list(releaseDir())) {
            for (Path f : files.collect(Collectors.toList())) {
                Files.copy(f, to.resolve(f.getFileName()));
            }
        }
        return to;
    }

    private static List<String> names(Path dir) throws Exception {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
        }
    }

    @Test
    void anAppendonlydirIsCheckedFileByFile() throws Exception {
        Run r = redback("check", "--json", releaseDir().toString());
        assertThat(r.exit()).isZero();
        JsonNode j = r.json();
        assertThat(j.path("verdict").asText()).isEqualTo("valid");
        assertThat(j.path("format").asText()).isEqualTo("aof-multipart");
        assertThat(j.path("files")).hasSize(2);
        assertThat(j.path("files").path(0).path("content").asText()).isEqualTo("rdb");
        assertThat(j.path("files").path(0).path("rdb").path("checksum").asText()).isEqualTo("verified");
        assertThat(j.path("files").path(1).path("verdict").asText()).isEqualTo("valid");
        assertThat(j.path("commands").asLong()).isEqualTo(j.path("files").path(1).path("commands").asLong()).isPositive();
        assertThat(j.path("databases").path("5").asLong()).isPositive();
        assertThat(j.path("topCommands").path("set").asLong()).isPositive();
        assertThat(j.path("timeRange").path("first").asLong()).isPositive();
        assertThat(j.has("error")).isFalse();

        Run manifest = redback("check", "--json", releaseDir().resolve("appendonly.aof.manifest").toString());
        assertThat(manifest.json().path("commands")).isEqualTo(j.path("commands"));

        Run text = redback("check", releaseDir().toString());
        assertThat(text.out()).contains("VALID: every command read in 2 files", "multi-part AOF", INCR, "db 5",
                "(from #TS annotations)");
    }

    @Test
    void anAofWithAnRdbPreambleIsToldFromAnRdbByWhatFollowsTheRdb() throws Exception {
        Path preamble = fixture("/fixtures/redis-tests/rdb-preamble.aof");
        assertThat(redback("check", "--json", preamble.toString()).json().path("format").asText())
                .isEqualTo("aof-rdb-preamble");
        Path renamed = tmp.resolve("appendonly.bin");
        Files.copy(preamble, renamed);
        JsonNode j = redback("check", "--json", renamed.toString()).json();
        assertThat(j.path("format").asText()).isEqualTo("aof-rdb-preamble");
        assertThat(j.path("commands").asLong()).isEqualTo(2);
        // an RDB stays an RDB, even when asked as an AOF it is only an RDB with nothing after it
        assertThat(redback("check", "--json", fixture("/fixtures/redis-7.4.1/dump.rdb").toString()).json()
                .path("format").asText()).isEqualTo("rdb");
        JsonNode forced = redback("check", "--json", "--type", "aof", fixture("/fixtures/redis-7.4.1/dump.rdb").toString())
                .json();
        assertThat(forced.path("format").asText()).isEqualTo("aof-rdb-preamble");
        assertThat(forced.path("commands").asLong()).isZero();
    }

    @Test
    void aTornTailIsReportedAndFixedKeepingTheOriginal() throws Exception {
        Path dir = copyOfReleaseDir();
        byte[] full = Files.readAllBytes(dir.resolve(INCR));
        Files.write(dir.resolve(INCR), Arrays.copyOf(full, full.length - 10));

        Run r = redback("check", "--json", dir.toString());
        assertThat(r.exit()).isEqualTo(1);
        JsonNode j = r.json();
        assertThat(j.path("verdict").asText()).isEqualTo("truncated-tail");
        assertThat(j.path("error").path("kind").asText()).isEqualTo("truncated");
        assertThat(j.path("error").path("file").asText()).isEqualTo(INCR);
        assertThat(j.path("error").path("offset").asLong()).isEqualTo(full.length - 10);
        assertThat(j.path("error").path("message").asText()).contains("ends inside the command");
        assertThat(j.path("error").path("time").asLong()).isPositive();
        long keep = j.path("cut").path("truncateTo").asLong();
        assertThat(keep).isLessThan(full.length - 10);
        assertThat(j.path("files").path(1).path("verdict").asText()).isEqualTo("truncated-tail");

        Run text = redback("check", dir.toString());
        assertThat(text.out()).contains("TRUNCATED TAIL", "`redback check --fix` does it", "advice");

        Run fixed = redback("check", "--fix", dir.toString());
        assertThat(fixed.exit()).isZero();
        assertThat(fixed.out()).contains("FIXED: " + INCR + " truncated from", "original", "VALID");
        assertThat(Files.size(dir.resolve(INCR))).isEqualTo(keep);
        List<String> files = names(dir);
        assertThat(files).hasSize(4).anySatisfy(n -> assertThat(n).matches(
                "appendonly\\.aof\\.1\\.incr\\.aof\\.\\d{8}T\\d{6}Z\\.orig"));
        assertThat(redback("check", dir.toString()).exit()).isZero();
    }

    @Test
    void damageNeedsForceToBeCut() throws Exception {
        Path dir = copyOfReleaseDir();
        long size = Files.size(dir.resolve(INCR));
        Files.write(dir.resolve(INCR), "\0\0\0\0".getBytes(StandardCharsets.US_ASCII), StandardOpenOption.APPEND);

        Run refused = redback("check", "--json", "--fix", dir.toString());
        assertThat(refused.exit()).isEqualTo(1);
        JsonNode j = refused.json();
        assertThat(j.path("verdict").asText()).isEqualTo("damaged");
        assertThat(j.path("fix").path("done").asBoolean()).isFalse();
        assertThat(j.path("fix").path("reason").asText()).contains("--fix --force");
        assertThat(j.path("error").path("found").asText()).isEqualTo("NUL (0x00)");
        assertThat(Files.size(dir.resolve(INCR))).isEqualTo(size + 4);

        Run forced = redback("check", "--json", "--fix", "--force", dir.toString());
        assertThat(forced.exit()).isZero();
        JsonNode f = forced.json();
        assertThat(f.path("verdict").asText()).isEqualTo("valid");
        assertThat(f.path("fix").path("done").asBoolean()).isTrue();
        assertThat(f.path("fix").path("droppedBytes").asLong()).isEqualTo(4);
        assertThat(f.path("fix").path("verdictBefore").asText()).isEqualTo("damaged");
        assertThat(Path.of(f.path("fix").path("backup").asText())).exists();
        assertThat(Files.size(dir.resolve(INCR))).isEqualTo(size);
    }

    @Test
    void anRdbIsNeverModified() throws Exception {
        Path rdb = tmp.resolve("dump.rdb");
        Files.copy(fixture("/fixtures/redis-7.4.1/dump.rdb"), rdb);
        byte[] before = Files.readAllBytes(rdb);
        Run r = redback("check", "--fix", "--force", rdb.toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("never modifies an RDB");
        assertThat(Files.readAllBytes(rdb)).isEqualTo(before);
        assertThat(names(tmp)).containsExactly("dump.rdb");
    }

    @Test
    void typeForcesTheReadingAndBadCombinationsAreUsageErrors() throws Exception {
        Path incr = releaseDir().resolve(INCR);
        Run asRdb = redback("check", "--json", "--type", "rdb", incr.toString());
        assertThat(asRdb.exit()).isEqualTo(1);
        assertThat(asRdb.json().path("error").path("kind").asText()).isEqualTo("not-rdb");

        Run asAof = redback("check", "--json", "--type", "aof", incr.toString());
        assertThat(asAof.exit()).isZero();
        assertThat(asAof.json().path("format").asText()).isEqualTo("aof");

        Run notADir = redback("check", "--type", "dir", incr.toString());
        assertThat(notADir.exit()).isEqualTo(2);
        assertThat(notADir.err()).contains("not a directory");

        Run force = redback("check", "--force", incr.toString());
        assertThat(force.exit()).isEqualTo(2);
        assertThat(force.err()).contains("--force only goes with --fix");

        Run help = redback("check", "--help");
        assertThat(help.out()).contains("--fix", "--force", "--type", "appendonlydir", "truncated-tail");
    }

    @Test
    void aBadManifestNamesItsLine() throws Exception {
        Path dir = copyOfReleaseDir();
        Files.writeString(dir.resolve("appendonly.aof.manifest"), "file appendonly.aof.1.base.rdb seq 1 type b\n"
                + "file appendonly.aof.1.base.rdb seq 2 type b\n");
        Run r = redback("check", "--json", dir.toString());
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.json().path("error").path("kind").asText()).isEqualTo("manifest");
        assertThat(r.json().path("error").path("manifestLine").asInt()).isEqualTo(2);
        Run text = redback("check", dir.toString());
        assertThat(text.out()).contains("DAMAGED: bad manifest", "line 2", "a second base file");
    }
}
