package io.redback.cli;

import static io.redback.cli.Cli.redback;
import io.redback.cli.Cli.Run;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.redback.resp.RespWriter;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code redback aof log} then {@code redback aof cut}, as an operator types them. */
@io.redback.testsupport.Fast
class AofCutLogCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;
    Path aof;
    long flushOffset;

    @BeforeEach
    void writeAof() throws Exception {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes("#TS:1795314786\r\n".getBytes(StandardCharsets.US_ASCII));
        b.writeBytes(RespWriter.encode("SELECT", "0"));
        b.writeBytes(RespWriter.encode("SET", "user:1", "alice"));
        b.writeBytes("#TS:1795314790\r\n".getBytes(StandardCharsets.US_ASCII));
        flushOffset = b.size();
        b.writeBytes(RespWriter.encode("FLUSHALL"));
        b.writeBytes(RespWriter.encode("SET", "user:2", "bob"));
        aof = Files.write(tmp.resolve("appendonly.aof"), b.toByteArray());
    }

    @Test
    void logShowsTheFlushallAndTheCutThatUndoesIt() {
        Run r = redback("aof", "log", "--grep", "flushall", aof.toString());
        assertThat(r.exit()).isEqualTo(Main.OK);
        assertThat(r.out()).contains("appendonly.aof:" + flushOffset, "2026-11-22T02:33:10Z", "FLUSHALL",
                "redback aof cut --before 'FLUSHALL' --out before-flushall/appendonlydir " + aof,
                "1 listed of 4 commands read");
    }

    @Test
    void logJsonIsOneObjectPerLine() throws Exception {
        Run r = redback("aof", "log", "--json", "--key", "user:*", aof.toString());
        assertThat(r.exit()).isEqualTo(Main.OK);
        List<JsonNode> lines = new ArrayList<>();
        for (String line : r.out().split("\n")) {
            lines.add(JSON.readTree(line));
        }
        assertThat(lines).hasSize(2);
        assertThat(lines.get(0).get("command").asText()).isEqualTo("SET");
        assertThat(lines.get(0).get("key").asText()).isEqualTo("user:1");
        assertThat(lines.get(0).get("time").asText()).isEqualTo("2026-11-22T02:33:06Z");
        assertThat(lines.get(1).get("offset").asLong()).isGreaterThan(flushOffset);
    }

    @Test
    void cutBeforeWritesTheFileAndReportsKeptAndDropped() throws Exception {
        Path out = tmp.resolve("restored.aof");
        Run r = redback("aof", "cut", "--before", "FLUSHALL", "--out", out.toString(), aof.toString());
        assertThat(r.exit()).as(r.err()).isEqualTo(Main.OK);
        assertThat(r.out()).contains("before FLUSHALL", "kept       2 commands", "dropped    2 commands", "fsynced");
        assertThat(Files.size(out)).isEqualTo(flushOffset);

        Run again = redback("aof", "cut", "--before", "FLUSHALL", "--out", out.toString(), aof.toString());
        assertThat(again.exit()).isEqualTo(Main.USAGE);
        assertThat(again.err()).contains("exists; add --force");
    }

    @Test
    void cutIntoADirectoryPrintsHowToLoadItAndJson() throws Exception {
        Path out = tmp.resolve("cut/appendonlydir");
        Run r = redback("aof", "cut", "--json", "--at", "2026-11-22T02:33:08Z", "--out", out.toString(), aof.toString());
        assertThat(r.exit()).as(r.err()).isEqualTo(Main.OK);
        JsonNode j = JSON.readTree(r.out());
        assertThat(j.get("cut").get("offset").asLong()).isEqualTo(flushOffset - 16);
        assertThat(j.get("kept").get("commands").asLong()).isEqualTo(2);
        assertThat(j.get("output").get("kind").asText()).isEqualTo("appendonlydir");
        assertThat(j.get("output").get("load").asText())
                .isEqualTo("redis-server --appendonly yes --dir " + tmp.resolve("cut") + " --appenddirname appendonlydir");
        assertThat(out.resolve("appendonly.aof.manifest")).exists();
    }

    @Test
    void exitCodesSayWhetherAnythingMatched() {
        Run none = redback("aof", "cut", "--before", "DEL user:*", "--dry-run", aof.toString());
        assertThat(none.exit()).isEqualTo(Main.PROBLEM);
        assertThat(none.out()).contains("no command matches 'DEL user:*'");

        assertThat(redback("aof", "cut", "--out", "x", aof.toString()).exit()).isEqualTo(Main.USAGE);
        assertThat(redback("aof", "cut", "--at", "1", "--offset", "2", "--out", "x", aof.toString()).exit())
                .isEqualTo(Main.USAGE);
        Run noZone = redback("aof", "cut", "--at", "2026-11-22T10:00:00", "--dry-run", aof.toString());
        assertThat(noZone.exit()).isEqualTo(Main.USAGE);
        assertThat(noZone.err()).contains("no time zone");
        assertThat(redback("aof", "cut", "--offset", "5", "--after", "1", "--dry-run", aof.toString()).exit())
                .isEqualTo(Main.USAGE);
        assertThat(redback("aof", "cut", "--before", "FLUSHALL", aof.toString()).err()).contains("--out");
        assertThat(redback("aof", "log", tmp.resolve("missing").toString()).exit()).isEqualTo(Main.USAGE);
    }

    @Test
    void timeOptionsTakeEveryFormOfTimeAndDryRunIsDashN() {
        assertThat(redback("aof", "log", "--since", "2026-11-22T02:33:08Z", aof.toString()).out())
                .contains("2 listed of 4 commands read");
        assertThat(redback("aof", "log", "--key", "user:*", "--since", "1795314786", "--until",
                "2026-11-22T03:33:09+01:00", aof.toString()).out()).contains("1 listed of 4 commands read");
        // a time ago: 1000 weeks back is before these 2026 commands on any clock this test meets
        assertThat(redback("aof", "log", "--since", "-1000w", aof.toString()).out()).contains("4 listed of 4");
        assertThat(redback("aof", "log", "--until", "-1000w", aof.toString()).out()).contains("0 listed of 4");
        assertThat(redback("aof", "log", "--from", "1795314788", aof.toString()).out()).contains("2 listed of 4");
        Run bad = redback("aof", "log", "--until", "-15x", aof.toString());
        assertThat(bad.exit()).isEqualTo(Main.USAGE);
        assertThat(bad.err()).contains("'-15x' is not a time", "a time ago (-30s, -15m");

        Run dry = redback("aof", "cut", "-n", "--before", "FLUSHALL", "--after", "-1000w", aof.toString());
        assertThat(dry.exit()).as(dry.err()).isEqualTo(Main.OK);
        assertThat(dry.out()).contains("before FLUSHALL", "nothing (--dry-run)");
    }

    @Test
    void offsetRoundingIsSaid() {
        Run r = redback("aof", "cut", "--offset", "appendonly.aof:" + (flushOffset + 3), "--dry-run", aof.toString());
        assertThat(r.exit()).isEqualTo(Main.OK);
        assertThat(r.out()).contains("(rounded down)", "is not a command boundary", "byte " + flushOffset);
    }

    // ------------------------------------------------------------------ links never let a cut reach the source

    @Test
    void aHardLinkToTheSourceInsideTheOutputDirectoryIsRefusedEvenWithForceAndTheSourceKeepsItsBytes() throws Exception {
        byte[] before = Files.readAllBytes(aof);
        Path out = Files.createDirectories(tmp.resolve("copy")); // as `cp -al` leaves it
        Files.createLink(out.resolve("appendonly.aof.1.incr.aof"), aof);

        Run r = redback("aof", "cut", "--before", "FLUSHALL", "--force", "--out", out.toString(), aof.toString());

        assertThat(r.exit()).isEqualTo(Main.USAGE);
        assertThat(r.err()).contains("holds appendonly.aof.1.incr.aof, which is the source file", "never modified");
        assertThat(Files.readAllBytes(aof)).isEqualTo(before);
    }

    @Test
    void aSymbolicLinkToTheSourceInsideTheOutputDirectoryIsRefusedToo() throws Exception {
        byte[] before = Files.readAllBytes(aof);
        Path out = Files.createDirectories(tmp.resolve("copy"));
        Files.createSymbolicLink(out.resolve("appendonly.aof.1.incr.aof"), aof);

        Run r = redback("aof", "cut", "--before", "FLUSHALL", "--force", "--out", out.toString(), aof.toString());

        assertThat(r.exit()).isEqualTo(Main.USAGE);
        assertThat(Files.readAllBytes(aof)).isEqualTo(before);
    }

    @Test
    void aHardLinkedOutputFileIsRefusedAndASymbolicLinkedOneNeverWrittenThrough() throws Exception {
        byte[] before = Files.readAllBytes(aof);
        Path hard = Files.createLink(tmp.resolve("hard.aof"), aof);
        Run r = redback("aof", "cut", "--before", "FLUSHALL", "--force", "--out", hard.toString(), aof.toString());
        assertThat(r.exit()).isEqualTo(Main.USAGE);
        assertThat(r.err()).contains("is the source");

        Path victim = Files.writeString(tmp.resolve("victim.aof"), "precious");
        Path link = Files.createSymbolicLink(tmp.resolve("link.aof"), victim);
        Run l = redback("aof", "cut", "--before", "FLUSHALL", "--force", "--out", link.toString(), aof.toString());
        assertThat(l.exit()).isEqualTo(Main.USAGE);
        assertThat(l.err()).contains("is a symbolic link");

        assertThat(Files.readAllBytes(aof)).isEqualTo(before);
        assertThat(victim).hasContent("precious");
    }

    @Test
    void aLinkPlantedAtTheOldPredictableTemporaryNameIsNotWrittenThrough() throws Exception {
        Path victim = Files.writeString(tmp.resolve("victim"), "precious");
        Path out = tmp.resolve("restored.aof");
        Files.createSymbolicLink(tmp.resolve(".restored.aof.redback-" + ProcessHandle.current().pid() + ".tmp"), victim);

        Run r = redback("aof", "cut", "--before", "FLUSHALL", "--out", out.toString(), aof.toString());

        assertThat(r.exit()).as(r.err()).isEqualTo(Main.OK);
        assertThat(Files.size(out)).isEqualTo(flushOffset);
        assertThat(victim).hasContent("precious");
    }

    @Test
    void linksPlantedInAnOutputDirectoryAreRefusedNeverWrittenThrough() throws Exception {
        Path victim = Files.writeString(tmp.resolve("victim"), "precious");
        Path out = Files.createDirectories(tmp.resolve("cut"));
        Files.createSymbolicLink(out.resolve("appendonly.aof.1.incr.aof"), victim);

        Run r = redback("aof", "cut", "--before", "FLUSHALL", "--force", "--out", out.toString(), aof.toString());

        assertThat(r.exit()).isEqualTo(Main.USAGE);
        assertThat(r.err()).contains("is a symbolic link");
        assertThat(victim).hasContent("precious");
    }
}
