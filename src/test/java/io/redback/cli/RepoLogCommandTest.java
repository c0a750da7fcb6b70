package io.redback.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.redback.repo.SegmentManifest;
import io.redback.repo.Timeline;
import io.redback.testsupport.StreamedSource;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

/** {@code redback log} over logs really shipped by a stream of a real redis-server. */
@io.redback.testsupport.Slow
class RepoLogCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int FLUSHALL_BYTES = "*1\r\n$8\r\nFLUSHALL\r\n".length();

    @TempDir
    Path temp;

    @Test
    void findsTheFlushallWithItsOffsetTimeAndDatabaseAndTheRestoreThatUndoesIt() throws Exception {
        try (StreamedSource s = StreamedSource.start(temp, "src")) {
            Jedis j = s.jedis();
            j.set("a", "1");
            j.select(2);
            j.set("b", "2");
            s.awaitShipped();
            long before = s.masterOffset();
            long t0 = System.currentTimeMillis() / 1000;
            j.flushAll();
            long t1 = (System.currentTimeMillis() + 999) / 1000;
            long after = s.masterOffset();
            j.set("c", "3");
            j.flushAll();
            long second = s.masterOffset();
            s.awaitShipped();

            Cli.Run json = Cli.redback("log", "--repo", s.repoUrl(), "--grep", "FLUSHALL", "--json");
            assertThat(json.exit()).as(json.err()).isZero();
            List<JsonNode> lines = lines(json.out());
            assertThat(lines).hasSize(2);
            JsonNode first = lines.get(0);
            assertThat(first.get("command").asText()).isEqualToIgnoringCase("FLUSHALL");
            assertThat(first.get("offset").asLong()).isGreaterThan(before).isLessThanOrEqualTo(after);
            assertThat(first.get("length").asLong()).isEqualTo(FLUSHALL_BYTES);
            assertThat(first.get("startOffset").asLong()).isEqualTo(first.get("offset").asLong() - FLUSHALL_BYTES);
            assertThat(first.get("db").asInt()).isEqualTo(2);
            assertThat(first.get("unixTime").asLong()).isBetween(t0, t1);
            assertThat(first.get("source").asText()).isEqualTo("src");
            assertThat(first.get("restore").asText()).isEqualTo("redback restore --name src --before 'FLUSHALL' "
                    + "--to-dir before-flushall --repo " + s.repoUrl());
            // --before alone would stop at the first FLUSHALL: the second is named by its second, or by its offset.
            JsonNode next = lines.get(1);
            assertThat(next.get("offset").asLong()).isGreaterThan(after).isLessThanOrEqualTo(second);
            if (next.get("unixTime").asLong() == first.get("unixTime").asLong()) {
                assertThat(next.get("restore").asText()).contains(" --offset " + next.get("startOffset").asLong() + " ");
            } else {
                assertThat(next.get("restore").asText()).contains(" --before 'FLUSHALL' --after " + next.get("time").asText());
            }

            Cli.Run human = Cli.redback("log", "--repo", s.repoUrl(), "--grep", "flush*");
            assertThat(human.exit()).as(human.err()).isZero();
            assertThat(human.out()).contains(String.format("%14d   2 ", first.get("offset").asLong()))
                    .contains("  -> the data just before it: redback restore --name src --before 'FLUSHALL'")
                    .contains("2 listed of ");
            assertThat(human.out().lines().findFirst().orElseThrow()).startsWith("        OFFSET  DB TIME").contains("DB", "TIME", "COMMAND");
        }
    }

    @Test
    void filtersByDatabaseKeyTimeAndLimitAndHidesTheReplicationTraffic() throws Exception {
        try (StreamedSource s = StreamedSource.start(temp, "src")) {
            Jedis j = s.jedis();
            j.set("user:1", "alice");
            j.set("user:2", "bob");
            j.set("other:1", "x");
            j.select(5);
            j.set("user:3", "carol");
            j.del("user:3");
            assertThat(j.waitReplicas(1, 5000)).isEqualTo(1); // the source asks for acks: REPLCONF GETACK
            s.awaitShipped();
            String repo = s.repoUrl();

            List<JsonNode> inDb5 = lines(ok(Cli.redback("log", "--repo", repo, "--db", "5", "--json")).out());
            assertThat(inDb5).extracting(n -> n.get("command").asText().toUpperCase())
                    .containsExactly("SELECT", "SET", "DEL");
            assertThat(inDb5).allSatisfy(n -> assertThat(n.get("db").asInt()).isEqualTo(5));

            List<JsonNode> users = lines(ok(Cli.redback("log", "--repo", repo, "--key", "user:*", "--json")).out());
            assertThat(users).extracting(n -> n.get("key").asText())
                    .containsExactly("user:1", "user:2", "user:3", "user:3");
            long previous = 0;
            for (JsonNode n : users) {
                assertThat(n.get("offset").asLong()).isGreaterThan(previous);
                previous = n.get("offset").asLong();
                assertThat(n.get("segment").asText()).startsWith("sources/src/timelines/").endsWith(".aof.zst");
            }

            assertThat(lines(ok(Cli.redback("log", "--repo", repo, "--limit", "2", "--json")).out())).hasSize(2);

            Cli.Run future = ok(Cli.redback("log", "--repo", repo, "--from", "2099-01-01T00:00:00Z"));
            assertThat(future.out()).contains("0 listed of 0 commands read").contains("outside --since/--until not read");
            long now = System.currentTimeMillis() / 1000;
            assertThat(lines(ok(Cli.redback("log", "--repo", repo, "--from", Long.toString(now - 600), "--to",
                    Long.toString(now + 600), "--key", "user:*", "--json")).out())).hasSize(4);
            // --since/--until take every form of time, a time ago included; --from/--to are their old names
            assertThat(lines(ok(Cli.redback("log", "--repo", repo, "--since", "-10m", "--until", "now",
                    "--key", "user:*", "--json")).out())).hasSize(4);
            Cli.Run both = Cli.redback("log", "--repo", repo, "--since", "-10m", "--from", "-5m");
            assertThat(both.exit()).isEqualTo(2);
            assertThat(both.err()).contains("--from is the old name of --since");
            Cli.Run backwards = Cli.redback("log", "--repo", repo, "--since", "now", "--until", "-1h");
            assertThat(backwards.exit()).isEqualTo(2);
            assertThat(backwards.err()).contains("is after --until");
            assertThat(Cli.redback("log", "--help").out()).contains("--since=TIME", "--until=TIME")
                    .doesNotContain("--from", "--to=");

            Cli.Run plain = ok(Cli.redback("log", "--repo", repo));
            assertThat(plain.out()).doesNotContain("GETACK").contains("PING/REPLCONF not shown");
            assertThat(ok(Cli.redback("log", "--repo", repo, "--grep", "REPLCONF")).out()).contains("GETACK");
            assertThat(ok(Cli.redback("log", "--repo", repo, "--all")).out()).contains("REPLCONF");

            String id = s.repository().timelines().of("src").get(0).id().toString();
            assertThat(lines(ok(Cli.redback("log", "--repo", repo, "--name", "src", "--timeline", id.substring(0, 12),
                    "--key", "user:*", "--json")).out())).hasSize(4);
            Cli.Run noTimeline = Cli.redback("log", "--repo", repo, "--timeline", "19990101");
            assertThat(noTimeline.exit()).isEqualTo(2);
            assertThat(noTimeline.err()).contains("no timeline of source src match '19990101'");

            Cli.Run bad = Cli.redback("log", "--repo", repo, "--from", "yesterday");
            assertThat(bad.exit()).isEqualTo(2);
            assertThat(bad.err()).contains("'yesterday' is not a time");
        }
    }

    @Test
    void aDamagedSegmentIsReportedByNameAndTheRestIsListed() throws Exception {
        try (StreamedSource s = StreamedSource.start(temp, "src")) {
            Jedis j = s.jedis();
            for (int round = 0; round < 3; round++) {
                j.set("round:" + round, "v");
                s.awaitShipped();
            }
            s.stopStreaming();
            Timeline t = s.repository().timelines().of("src").get(0);
            SegmentManifest damaged = t.segments().get(0);
            flipLastByte(s.repoDir().resolve(damaged.object()));

            Cli.Run run = Cli.redback("log", "--repo", s.repoUrl(), "--key", "round:*");
            assertThat(run.exit()).isEqualTo(1);
            assertThat(run.err()).contains(damaged.object()).contains("SHA-256").contains("the manifest says")
                    .contains("redback check --repo");
            assertThat(run.out()).contains("\"round:2\"");
        }
    }

    @Test
    void withoutAShippedLogItSaysWhatShipsOne() {
        Path repo = temp.resolve("repo");
        assertThat(Cli.redback("init", "--repo", repo.toString()).exit()).isZero();
        Cli.Run run = Cli.redback("log", "--repo", repo.toString());
        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err()).contains("redback stream");
    }

    static Cli.Run ok(Cli.Run run) {
        assertThat(run.exit()).as("exit code; stderr: " + run.err()).isZero();
        return run;
    }

    static List<JsonNode> lines(String out) throws IOException {
        List<JsonNode> list = new ArrayList<>();
        for (String line : out.split("\n")) {
            if (!line.isBlank()) {
                list.add(JSON.readTree(line));
            }
        }
        return list;
    }

    static void flipLastByte(Path file) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            long at = f.length() - 1;
            f.seek(at);
            int b = f.read();
            f.seek(at);
            f.write(b ^ 0x01);
        }
    }
}
