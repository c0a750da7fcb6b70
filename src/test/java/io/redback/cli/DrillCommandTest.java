package io.redback.cli;

import static io.redback.cli.Cli.redback;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.redback.cli.Cli.Run;
import io.redback.redis.LocalRedisServer;
import io.redback.testsupport.Datasets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

/**
 * {@code redback drill} as an operator runs it: a backup, then a drill whose phases and verdict
 * are printed and recorded, which {@code status} then shows; the JSON fields scripts read; a
 * failed assert and a missed RTO exit 1; bad options and a missing source exit 2.
 */
@io.redback.testsupport.Slow
class DrillCommandTest {
    @TempDir
    Path tmp;

    @Test
    void aBackupIsDrilledRecordedAndShownByStatus() throws Exception {
        String repo = tmp.resolve("repo").toString();
        try (LocalRedisServer source = Datasets.server().start(); Jedis j = Datasets.jedis(source)) {
            Datasets.everyType(j, 100);
            Run b = redback("backup", "--redis", "redis://127.0.0.1:" + source.port(), "--repo", repo, "--name", "c1",
                    "-q");
            assertThat(b.exit()).as(b.err()).isZero();
        }
        Run before = redback("status", "--repo", repo);
        assertThat(before.out()).contains("drill       NONE");

        Run text = redback("drill", "--repo", repo, "--name", "c1", "--assert", "GET str:small == hello", "-q");
        assertThat(text.exit()).as(text.err() + text.out()).isZero();
        assertThat(text.out()).containsPattern("(?m)^  fetch +\\d+\\.\\d{3} s$")
                .containsPattern("(?m)^  verify +\\d").containsPattern("(?m)^  load +\\d")
                .containsPattern("(?m)^  validate +\\d").containsPattern("(?m)^PASSED: RTO \\d+\\.\\d{3} s$");

        Run json = redback("drill", "--repo", repo, "--name", "c1", "--snapshot", "latest", "--sample", "all",
                "--json");
        assertThat(json.exit()).as(json.err()).isZero();
        JsonNode doc = json.json();
        assertThat(doc.get("verdict").asText()).isEqualTo("passed");
        assertThat(doc.get("rtoSeconds").asDouble()).isPositive();
        assertThat(doc.get("phases").has("fetch")).isTrue();
        assertThat(doc.get("keys").asLong()).isGreaterThan(100);
        assertThat(doc.get("sampled").asLong()).isEqualTo(doc.get("keys").asLong());
        assertThat(doc.get("problems")).isEmpty();
        String id = doc.get("id").asText();
        assertThat(Files.exists(tmp.resolve("repo/sources/c1/drills/" + id + ".json"))).isTrue();

        Run status = redback("status", "--repo", repo);
        assertThat(status.exit()).isZero();
        assertThat(status.out()).containsPattern("drill       passed .* \\(" + id + ", RTO ");
        JsonNode last = redback("status", "--repo", repo, "--json").json().get("sources").get(0);
        assertThat(last.get("lastDrill").get("id").asText()).isEqualTo(id);
        assertThat(last.get("drillOverdue").asBoolean()).isFalse();

        Run failed = redback("drill", "--repo", repo, "--name", "c1", "--assert", "GET str:small == bye", "--rto",
                "1ms", "--json");
        assertThat(failed.exit()).isEqualTo(1);
        assertThat(failed.json().get("verdict").asText()).isEqualTo("failed");
        assertThat(failed.json().get("problems").toString()).contains("expected bye, served hello", "RTO");
        assertThat(redback("status", "--repo", repo, "--drill-max-age", "1d").out()).contains("drill       failed");
    }

    @Test
    void whatCannotRunExitsTwo() {
        String repo = tmp.resolve("repo").toString();
        assertThat(redback("init", "--repo", repo).exit()).isZero();
        Run noSource = redback("drill", "--repo", repo, "--name", "nope", "-q");
        assertThat(noSource.exit()).as(noSource.out()).isEqualTo(2);
        assertThat(redback("drill", "--repo", repo, "--assert", "DEL k").err()).contains("GET key == value");
        assertThat(redback("drill", "--repo", repo, "--assert", "DEL k").exit()).isEqualTo(2);
        assertThat(redback("drill", "--repo", repo, "--sample", "many").exit()).isEqualTo(2);
        assertThat(redback("drill", "--repo", repo, "--server", tmp.resolve("none").toString()).exit()).isEqualTo(2);
    }

    /** Ctrl-C (or a kill) in the middle of validating: the throwaway server is stopped and its files removed. */
    @Test
    void anInterruptedDrillStopsItsServerAndRemovesItsFiles() throws Exception {
        String repo = tmp.resolve("repo").toString();
        try (LocalRedisServer source = Datasets.server().start(); Jedis j = Datasets.jedis(source)) {
            Datasets.everyType(j, 300_000);
            assertThat(redback("backup", "--redis", "redis://127.0.0.1:" + source.port(), "--repo", repo, "--name",
                    "c1", "-q").exit()).isZero();
        }
        Path childTmp = Files.createDirectories(tmp.resolve("child-tmp"));
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Djava.io.tmpdir=" + childTmp, "-cp", io.redback.testsupport.ChildJvm.classpath(),
                "io.redback.cli.Main", "drill", "--repo", repo, "--name", "c1", "--sample", "all", "-q")
                .redirectOutput(tmp.resolve("child.out").toFile()).redirectError(tmp.resolve("child.err").toFile());
        pb.environment().put(io.redback.redis.RedisServerBinary.ENV_VAR,
                io.redback.testsupport.TestRedis.binary().toString());
        Process drill = pb.start();
        try {
            // The server is the drill's child process, started once its log is in the drill's folder.
            List<ProcessHandle> servers = List.of();
            long deadline = System.nanoTime() + java.time.Duration.ofSeconds(60).toNanos();
            while (servers.isEmpty() && drill.isAlive() && System.nanoTime() < deadline) {
                if (serverLogExists(childTmp)) {
                    servers = drill.toHandle().children().toList();
                }
                Thread.sleep(20);
            }
            assertThat(servers).as("the drill's redis-server; the drill said: "
                    + Files.readString(tmp.resolve("child.out")) + Files.readString(tmp.resolve("child.err"))).isNotEmpty();
            drill.destroy(); // SIGTERM, as Ctrl-C's SIGINT: the JVM's shutdown hooks run
            assertThat(drill.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            long until = System.nanoTime() + java.time.Duration.ofSeconds(15).toNanos();
            while (servers.stream().anyMatch(ProcessHandle::isAlive) && System.nanoTime() < until) {
                Thread.sleep(50);
            }
            assertThat(servers.stream().noneMatch(ProcessHandle::isAlive))
                    .as("the throwaway redis-server after the drill was stopped").isTrue();
            try (var left = Files.list(childTmp)) {
                assertThat(left.filter(p -> p.getFileName().toString().startsWith("redback-drill-")).toList())
                        .as("the drill's files").isEmpty();
            }
        } finally {
            if (drill.isAlive()) {
                drill.destroyForcibly().waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
            }
        }
    }

    private static boolean serverLogExists(Path childTmp) throws java.io.IOException {
        try (var folders = Files.list(childTmp)) {
            return folders.anyMatch(f -> Files.exists(f.resolve("data").resolve("redis-server.log")));
        }
    }
}
