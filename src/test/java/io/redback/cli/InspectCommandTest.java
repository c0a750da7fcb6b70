package io.redback.cli;

import static io.redback.cli.Cli.redback;
import io.redback.cli.Cli.Run;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@io.redback.testsupport.Fast
class InspectCommandTest {
    /** What one run of the CLI printed and returned. */

    private static String fixture(String resource) {
        try {
            return Path.of(InspectCommandTest.class.getResource(resource).toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static final String DUMP = fixture("/fixtures/redis-7.4.1/dump.rdb");

    @Test
    void textReportHasEverySection() {
        Run r = redback("inspect", "-q", DUMP);

        assertThat(r.exit()).isEqualTo(Main.OK);
        assertThat(r.out()).contains("87 keys", "RDB version 12", "Biggest keys by size (top 10)",
                "Biggest keys by elements (top 10)", "Types", "Encodings", "Prefixes (delimiter \":\", depth 1; all 16",
                "Databases", "Expiry (relative to");
        assertThat(r.err()).isEmpty();
    }

    @Test
    void textTablesAreAligned() {
        Run r = redback("inspect", "-q", DUMP);

        List<String> table = section(r.out(), "Biggest keys by size");
        assertThat(table).hasSize(11); // header + 10
        assertThat(table.get(1)).contains("str:large:random", "524,309");
        // right-aligned BYTES column: every row ends that column at the same place
        int end = table.get(0).indexOf("BYTES") + "BYTES".length();
        assertThat(table).allSatisfy(line -> assertThat(line.charAt(end)).isEqualTo(' '));
        assertThat(table.subList(1, table.size())).allSatisfy(line -> assertThat(line.charAt(end - 1)).isBetween('0', '9'));
    }

    @Test
    void textListsTwentyPrefixesAndPointsToJsonForTheRest() {
        Run r = redback("inspect", "-q", "--prefix-depth", "2", DUMP);

        assertThat(r.out()).contains("top 20 of 26 by bytes", "... 6 more (all are in --json)");
        assertThat(section(r.out(), "Prefixes")).hasSize(1 + 20 + 1);
    }

    @Test
    void textSaysWhenThePrefixLimitWasReached() {
        Run r = redback("inspect", "-q", "--max-prefixes", "2", DUMP);

        assertThat(r.exit()).isEqualTo(Main.OK);
        assertThat(r.out()).contains("(other)", "more than 2 distinct prefixes");
    }

    @Test
    void jsonHasTheWholeReport() throws IOException {
        Run r = redback("inspect", "--json", "--top", "3", DUMP);

        assertThat(r.exit()).isEqualTo(Main.OK);
        JsonNode j = r.json();
        assertThat(j.get("outcome").asText()).isEqualTo("complete");
        assertThat(j.get("keys").asLong()).isEqualTo(87);
        assertThat(j.get("options").get("top").asInt()).isEqualTo(3);
        assertThat(j.get("biggestKeysByBytes")).hasSize(3);
        assertThat(j.get("biggestKeysByBytes").get(0).get("key").asText()).isEqualTo("str:large:random");
        assertThat(j.get("biggestKeysByElements").get(0).get("elements").asLong()).isEqualTo(1000);
        assertThat(j.get("types").get("string").get("keys").asLong()).isEqualTo(42);
        assertThat(j.get("prefixes").get("int").get("keys").asLong()).isEqualTo(13);
        assertThat(j.get("prefixLimitReached").asBoolean()).isFalse();
        assertThat(j.get("databases").get("5").get("keys").asLong()).isEqualTo(5);
        assertThat(j.get("expiry").get("noExpiry").asLong()).isEqualTo(72);
        assertThat(j.has("error")).isFalse();
        JsonNode ttl = null;
        for (JsonNode k : redback("inspect", "--json", "--top", "100", DUMP).json().get("biggestKeysByBytes")) {
            if (k.get("key").asText().equals("ttl:str:farms")) {
                ttl = k;
            }
        }
        assertThat(ttl.get("expiresAt").asText()).isEqualTo("2100-01-01T00:00:00.123Z");
    }

    @Test
    void jsonListsEveryPrefix() throws IOException {
        Run r = redback("inspect", "--json", "--prefix-depth", "2", DUMP);

        assertThat(r.json().get("prefixes")).hasSize(26);
    }

    @Test
    void damagedFileExitsOneWithAnErrorObject(@TempDir Path dir) throws IOException {
        Path truncated = dir.resolve("truncated.rdb");
        try (InputStream in = Files.newInputStream(Path.of(DUMP)); OutputStream out = Files.newOutputStream(truncated)) {
            out.write(in.readNBytes(300_000));
        }

        Run json = redback("inspect", "--json", truncated.toString());
        Run text = redback("inspect", "-q", truncated.toString());

        assertThat(json.exit()).isEqualTo(Main.PROBLEM);
        JsonNode j = json.json();
        assertThat(j.get("outcome").asText()).isEqualTo("damaged");
        assertThat(j.get("error").get("kind").asText()).isEqualTo("truncated");
        assertThat(j.get("error").get("offset").asLong()).isEqualTo(300_000);
        assertThat(j.get("error").get("advice").asText()).isNotEmpty();
        assertThat(j.get("keys").asLong()).isBetween(1L, 86L);
        assertThat(text.exit()).isEqualTo(Main.PROBLEM);
        assertThat(text.out()).contains("DAMAGED: truncated", "error      at byte 300000", "advice", "Types");
    }

    @Test
    void checksumMismatchIsDamage() throws IOException {
        Run r = redback("inspect", "--json", fixture("/fixtures/librdb/invalid_chksum_v8.rdb"));

        assertThat(r.exit()).isEqualTo(Main.PROBLEM);
        assertThat(r.json().get("error").get("kind").asText()).isEqualTo("checksum-mismatch");
    }

    @Test
    void unsupportedVersionExitsTwo() {
        Run r = redback("inspect", "-q", fixture("/fixtures/librdb/future_v19.rdb"));

        assertThat(r.exit()).isEqualTo(Main.USAGE);
        assertThat(r.out()).contains("NOT FULLY READ: format too new", "advice");
    }

    @Test
    void anAofIsNotInspectedAndTheUserIsToldWhatToRunInstead() {
        String aof = fixture("/fixtures/redis-7.2.6/appendonlydir/appendonly.aof.1.incr.aof");
        assertThat(redback("check", "-q", aof).exit()).isZero();
        Run r = redback("inspect", aof);

        assertThat(r.exit()).isEqualTo(Main.USAGE);
        assertThat(r.err().lines().count()).as(r.err()).isEqualTo(1);
        assertThat(r.err()).contains("is an AOF file", "redback check", "redback aof log").doesNotContain("DAMAGED");
        assertThat(r.out()).isEmpty();
        Run dir = redback("inspect", fixture("/fixtures/redis-7.2.6/appendonlydir/appendonly.aof.1.incr.aof")
                .replace("/appendonly.aof.1.incr.aof", ""));
        assertThat(dir.exit()).isEqualTo(Main.USAGE);
        assertThat(dir.err()).contains("appendonlydir", "redback check");
    }

    @Test
    void missingFileExitsTwo() {
        Run r = redback("inspect", "/no/such/dump.rdb");

        assertThat(r.exit()).isEqualTo(Main.USAGE);
        assertThat(r.err()).contains("redback inspect: /no/such/dump.rdb: no such file");
        assertThat(r.out()).isEmpty();
    }

    @Test
    void badOptionsAreUsageErrors() {
        assertThat(redback("inspect", "--top", "-1", DUMP).exit()).isEqualTo(Main.USAGE);
        assertThat(redback("inspect", "--prefix-depth", "0", DUMP).exit()).isEqualTo(Main.USAGE);
        assertThat(redback("inspect", "--max-prefixes", "0", DUMP).exit()).isEqualTo(Main.USAGE);
        Run empty = redback("inspect", "--prefix-delimiter", "", DUMP);
        assertThat(empty.exit()).isEqualTo(Main.USAGE);
        assertThat(empty.err()).contains("delimiter must not be empty");
        assertThat(Main.run("inspect", "--top", "x", DUMP)).isEqualTo(Main.USAGE);
    }

    @Test
    void helpShowsOptionsExamplesAndExitCodes() {
        Run r = redback("inspect", "--help");

        assertThat(r.exit()).isEqualTo(Main.OK);
        assertThat(r.out()).contains("--top=N", "--prefix-delimiter=S", "--prefix-depth=N", "--max-prefixes=N",
                "--json", "--quiet", "Examples:", "redback inspect --top 50", "Exit codes: 0");
    }

    /** The lines of a text section after its title, up to the blank line that ends it. */
    private static List<String> section(String out, String title) {
        List<String> lines = new ArrayList<>();
        boolean in = false;
        for (String line : out.split("\n", -1)) {
            if (in) {
                if (line.isBlank()) {
                    break;
                }
                lines.add(line);
            } else if (line.startsWith(title)) {
                in = true;
            }
        }
        return lines;
    }
}
