package io.redback.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.redback.cli.Main;
import io.redback.redis.LocalRedisServer;
import io.redback.redis.RedisConnection;
import io.redback.repo.Repository;
import io.redback.repo.SnapshotManifest;
import io.redback.repo.StreamStatus;
import io.redback.storage.file.FileStorage;
import io.redback.testsupport.TestRedis;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The agent against real servers, with schedules of seconds. */
@io.redback.testsupport.Slow
class AgentTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path dir;

    @Test
    void aBadConfigurationStopsTheAgentAtStartAndNamesTheLine() throws Exception {
        Path config = dir.resolve("agent.yml");
        Files.writeString(config, """
                repository: %s
                sources:
                  - name: cache-1
                    redis: redis://127.0.0.1:6379
                    snapshot: {every: 6 hours}
                """.formatted(dir.resolve("repo").toUri()));
        StringWriter err = new StringWriter();
        CommandLine cl = Main.commandLine(Map.of());
        cl.setErr(new PrintWriter(err));
        cl.setOut(new PrintWriter(new StringWriter()));
        assertThat(cl.execute("agent", config.toString())).isEqualTo(2);
        assertThat(err.toString()).contains("agent.yml line 5: snapshot.every '6 hours' is not a duration");
    }

    @Test
    void snapshotsAppearRetentionTrimsThemAndMetricsMatchTheRepository() throws Exception {
        try (LocalRedisServer redis = TestRedis.server().start(); RedisConnection c = redis.connect()) {
            c.call("SET", "k", "v");
            AgentConfig config = AgentConfig.parse("""
                    repository: %s
                    listen: 127.0.0.1:0
                    state-dir: %s
                    sources:
                      - name: cache-1
                        redis: redis://127.0.0.1:%d
                        snapshot: {every: 1s}
                        retention: {keep-last: 2}
                        doctor: {every: 1h}
                        objectives: {rpo: 1m}
                    """.formatted(dir.resolve("repo").toUri(), dir.resolve("state"), redis.port()), Map.of(), dir);
            StringWriter log = new StringWriter();
            Agent agent = new Agent(config, Map.of(), new PrintWriter(log), true, Duration.ofSeconds(10), "test",
                    Clock.systemUTC());
            agent.start();
            try {
                await(Duration.ofSeconds(60), () -> count(log, "\"event\":\"prune\"") >= 3);
                try (FileStorage storage = new FileStorage(dir.resolve("repo"))) {
                    Repository repository = Repository.open(storage);
                    List<SnapshotManifest> kept = repository.catalog().snapshots("cache-1");
                    assertThat(kept).hasSizeBetween(1, 3); // 2 kept, perhaps 1 taken since the last prune
                    assertThat(count(log, "\"event\":\"snapshot\"")).isGreaterThanOrEqualTo(3);
                    // Refreshed after every job: scrape until the metrics have seen the newest snapshot.
                    SnapshotManifest newest = kept.get(kept.size() - 1);
                    await(Duration.ofSeconds(10), () -> value(scrape(agent),
                            "redback_snapshot_last_success_timestamp_seconds{source=\"cache-1\"}")
                            >= newest.finishedAt().toEpochMilli() / 1000.0);
                    String metrics = scrape(agent);
                    assertThat(value(metrics, "redback_snapshots_total{result=\"ok\",source=\"cache-1\"}"))
                            .isGreaterThanOrEqualTo(3);
                    assertThat(value(metrics, "redback_objective_seconds{objective=\"rpo\",source=\"cache-1\"}"))
                            .isEqualTo(60);
                    assertThat(value(metrics, "redback_stream_up{source=\"cache-1\"}")).isNaN(); // no stream: no series
                    assertThat(metrics).contains("redback_build_info{version=\"test\"} 1");
                    // The doctor job ran at start-up (never run before): one series per check it did not skip.
                    assertThat(log.toString()).contains("\"event\":\"doctor\"");
                    assertThat(value(metrics, "redback_doctor_check_status{check=\"config.rdbchecksum\",source=\"cache-1\"}"))
                            .isEqualTo(1);
                    assertThat(value(metrics, "redback_doctor_check_status{check=\"backup.snapshot-age\",source=\"cache-1\"}"))
                            .isIn(0.0, 0.5, 1.0);
                    assertThat(get(agent, "/healthz").body()).isEqualTo("ok\n");
                    JsonNode status = new ObjectMapper().readTree(get(agent, "/status").body());
                    assertThat(status.at("/sources/0/jobs/snapshot/schedule").asText()).isEqualTo("every PT1S");
                    assertThat(get(agent, "/").body()).contains("<td>cache-1</td>");
                }
            } finally {
                agent.stop();
                assertThat(agent.awaitStopped(Duration.ofSeconds(30))).isTrue();
            }
        }
    }

    @Test
    void theSnapshotJobTakesAScanWhenToldTo() throws Exception {
        try (LocalRedisServer redis = TestRedis.server().start(); RedisConnection c = redis.connect()) {
            for (int i = 0; i < 100; i++) {
                c.call("SET", "k" + i, "v" + i);
            }
            AgentConfig config = AgentConfig.parse("""
                    repository: %s
                    listen: 127.0.0.1:0
                    state-dir: %s
                    sources:
                      - name: managed
                        redis: redis://127.0.0.1:%d
                        snapshot: {every: 1h, method: scan}
                    """.formatted(dir.resolve("repo").toUri(), dir.resolve("state"), redis.port()), Map.of(), dir);
            StringWriter log = new StringWriter();
            Agent agent = new Agent(config, Map.of(), new PrintWriter(log), true, Duration.ofSeconds(10), "test",
                    Clock.systemUTC());
            agent.start();
            try {
                await(Duration.ofSeconds(30), () -> count(log, "\"event\":\"snapshot\"") >= 1);
                try (FileStorage storage = new FileStorage(dir.resolve("repo"))) {
                    List<SnapshotManifest> taken = Repository.open(storage).catalog().snapshots("managed");
                    assertThat(taken).as(log.toString()).hasSize(1);
                    assertThat(taken.get(0).method()).isEqualTo(SnapshotManifest.Method.SCAN);
                    assertThat(taken.get(0).totalKeys()).isEqualTo(100);
                }
            } finally {
                agent.stop();
                assertThat(agent.awaitStopped(Duration.ofSeconds(30))).isTrue();
            }
        }
    }

    @Test
    void theCheckJobReadsARotatingShareAndStopsReportingCleanOnceDamageIsRead() throws Exception {
        try (LocalRedisServer redis = TestRedis.server().start(); RedisConnection c = redis.connect()) {
            c.call("SET", "k", "v");
            Path repo = dir.resolve("repo");
            AgentConfig config = AgentConfig.parse("""
                    repository: %s
                    listen: 127.0.0.1:0
                    state-dir: %s
                    sources:
                      - name: cache-1
                        redis: redis://127.0.0.1:%d
                        snapshot: {every: 1h}
                        check: {every: 1s, read-data: 50%%}
                    """.formatted(repo.toUri(), dir.resolve("state"), redis.port()), Map.of(), dir);
            StringWriter log = new StringWriter();
            Agent agent = new Agent(config, Map.of(), new PrintWriter(log), true, Duration.ofSeconds(10), "test",
                    Clock.systemUTC());
            agent.start();
            try {
                await(Duration.ofSeconds(60), () -> log.toString().contains("check: clean, 50% of the data read"));
                await(Duration.ofSeconds(10), () -> value(scrape(agent),
                        "redback_check_last_success_timestamp_seconds{source=\"cache-1\"}") > 0);
                SnapshotManifest m;
                try (FileStorage storage = new FileStorage(repo)) {
                    m = Repository.open(storage).catalog().snapshots("cache-1").get(0);
                }
                Path object = repo.resolve(m.object());
                byte[] bytes = Files.readAllBytes(object);
                bytes[bytes.length / 2] ^= 1;
                Files.write(object, bytes);
                // 50%: the damaged snapshot is in every other round's share.
                await(Duration.ofSeconds(60), () -> log.toString().contains("check: 1 problem(s), 50% of the data read"));
                assertThat(log.toString()).contains(m.object());
            } finally {
                agent.stop();
                assertThat(agent.awaitStopped(Duration.ofSeconds(30))).isTrue();
            }
            assertThat(AgentState.open(dir.resolve("state")).count("cache-1", "check-round")).isGreaterThanOrEqualTo(2);
        }
    }

    @Test
    void theDrillJobRestoresIntoAThrowawayServerRecordsTheResultAndExportsItsRto() throws Exception {
        try (LocalRedisServer redis = TestRedis.server().start(); RedisConnection c = redis.connect()) {
            for (int i = 0; i < 50; i++) {
                c.call("SET", "session:" + i, "v" + i);
            }
            Path repo = dir.resolve("repo");
            AgentConfig config = AgentConfig.parse("""
                    repository: %s
                    listen: 127.0.0.1:0
                    state-dir: %s
                    sources:
                      - name: cache-1
                        redis: redis://127.0.0.1:%d
                        snapshot: {every: 1h}
                        drill: {every: 2s, at: newest}
                        objectives: {rto: 5m}
                    """.formatted(repo.toUri(), dir.resolve("state"), redis.port()), Map.of(), dir);
            StringWriter log = new StringWriter();
            Agent agent = new Agent(config, Map.of(), new PrintWriter(log), true, Duration.ofSeconds(10), "test",
                    Clock.systemUTC());
            agent.start();
            try {
                await(Duration.ofSeconds(90), () -> log.toString().contains(": passed, RTO "));
                assertThat(log.toString()).contains("50 keys");
                await(Duration.ofSeconds(10), () -> value(scrape(agent),
                        "redback_drills_total{result=\"passed\",source=\"cache-1\"}") >= 1);
                String metrics = scrape(agent);
                assertThat(value(metrics, "redback_drill_last_rto_seconds{source=\"cache-1\"}")).isPositive();
                assertThat(value(metrics, "redback_drill_last_success_timestamp_seconds{source=\"cache-1\"}"))
                        .isGreaterThan(System.currentTimeMillis() / 1000.0 - 120);
                try (FileStorage storage = new FileStorage(repo)) {
                    assertThat(io.redback.drill.Drills.latest(Repository.open(storage), "cache-1"))
                            .hasValueSatisfying(d -> assertThat(d.passed()).isTrue());
                }
            } finally {
                agent.stop();
                assertThat(agent.awaitStopped(Duration.ofSeconds(30))).isTrue();
            }
        }
    }

    @Test
    void aKilledSourceShowsStreamDownAndComesBackAndSigtermLosesNothing() throws Exception {
        LocalRedisServer redis = TestRedis.server().start();
        int port = redis.port();
        Path repo = dir.resolve("repo");
        Path config = dir.resolve("agent.yml");
        int httpPort = freePort();
        Files.writeString(config, """
                repository: %s
                listen: 127.0.0.1:%d
                state-dir: %s
                sources:
                  - name: cache-1
                    redis: redis://127.0.0.1:%d
                    stream: true
                """.formatted(repo.toUri(), httpPort, dir.resolve("state"), port));
        Path out = dir.resolve("agent.out");
        Process agent = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), "io.redback.cli.Main", "agent", config.toString(),
                "--log-format", "json", "--stop-timeout", "20s")
                .redirectOutput(out.toFile()).redirectError(dir.resolve("agent.err").toFile()).start();
        try {
            String up = "redback_stream_up{source=\"cache-1\"}";
            URI metrics = URI.create("http://127.0.0.1:" + httpPort + "/metrics");
            await(Duration.ofSeconds(90), () -> value(scrape(metrics), up) == 1);
            redis.close();
            await(Duration.ofSeconds(60), () -> value(scrape(metrics), up) == 0);
            redis = TestRedis.server().port(port).start();
            await(Duration.ofSeconds(90), () -> value(scrape(metrics), up) == 1);
            long offset;
            try (RedisConnection c = redis.connect()) {
                for (int i = 0; i < 100; i++) {
                    c.call("SET", "key:" + i, "value-" + i);
                }
                c.call("WAIT", "1", "5000");
                offset = Long.parseLong(c.info("replication").get("master_repl_offset"));
            }
            assertThat(value(scrape(metrics), "redback_stream_reconnects_total{source=\"cache-1\"}")).isGreaterThan(0);
            // The three offsets of stream.json, as status shows them: what WAIT counted is received,
            // durable in the spool and, within seconds, committed to the repository.
            long waited = offset;
            await(Duration.ofSeconds(30), () -> offset(scrape(metrics), "committed") >= waited);
            String m = scrape(metrics);
            assertThat(offset(m, "received")).isGreaterThanOrEqualTo(offset(m, "durable"));
            assertThat(offset(m, "durable")).isGreaterThanOrEqualTo(waited);
            assertThat(value(m, "redback_stream_durable_lag_bytes{source=\"cache-1\"}")).isGreaterThanOrEqualTo(0);
            // SIGHUP rereads the file: a source added there starts, the running stream runs on.
            Files.writeString(config, Files.readString(config) + """
                      - name: cache-2
                        redis: redis://127.0.0.1:%d
                        snapshot: {every: 1h}
                    """.formatted(port));
            assertThat(new ProcessBuilder("kill", "-HUP", Long.toString(agent.pid())).start().waitFor()).isZero();
            URI status = URI.create("http://127.0.0.1:" + httpPort + "/status");
            await(Duration.ofSeconds(30), () -> scrape(status).contains("\"cache-2\""));
            assertThat(value(scrape(metrics), up)).isEqualTo(1);
            agent.destroy(); // SIGTERM
            assertThat(agent.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(agent.exitValue()).isEqualTo(0);
            try (FileStorage storage = new FileStorage(repo)) {
                StreamStatus st = Repository.open(storage).timelines().status("cache-1").orElseThrow();
                assertThat(st.state()).as(Files.readString(out) + Files.readString(dir.resolve("agent.err"))).isEqualTo("stopped");
                // The log ends where the source's offset was: everything WAIT counted, nothing the source
                // did not have (a replica PING may have come in between, hence a range).
                long after;
                try (RedisConnection c = redis.connect()) {
                    after = Long.parseLong(c.info("replication").get("master_repl_offset"));
                }
                assertThat(st.committedOffset()).isBetween(offset, after);
                assertThat(st.receivedOffset()).isEqualTo(st.committedOffset());
                // The stream's events in words, with the fields redback stream prints: no record syntax.
                List<JsonNode> lines = new ArrayList<>();
                for (String line : Files.readAllLines(out)) {
                    lines.add(new ObjectMapper().readTree(line));
                }
                JsonNode started = lines.stream().filter(l -> l.path("event").asText()
                        .equals("stream-timeline-started")).findFirst().orElseThrow();
                assertThat(started.path("source").asText()).isEqualTo("cache-1");
                assertThat(started.path("message").asText()).startsWith("timeline " + started.path("timeline")
                        .asText() + " started: base snapshot of ").doesNotContain("[", "SnapshotManifest");
                assertThat(started.path("replicationId").asText()).hasSize(40);
                assertThat(started.path("offset").isNumber()).isTrue();
                assertThat(started.path("keys").isNumber()).isTrue();
                JsonNode stopped = lines.stream().filter(l -> l.path("event").asText().equals("stream-stopped"))
                        .reduce((first, second) -> second).orElseThrow();
                assertThat(stopped.path("receivedOffset").isNumber()).isTrue();
                assertThat(stopped.path("receivedOffset").asLong()).isEqualTo(st.receivedOffset());
                assertThat(stopped.path("committedOffset").asLong()).isEqualTo(st.committedOffset());
                assertThat(stopped.path("spooledSegments").asInt()).isZero();
                assertThat(stopped.path("message").asText()).isEqualTo("stopped: received up to offset "
                        + st.receivedOffset() + ", repository holds up to " + st.committedOffset());
            }
            assertThat(Files.readString(out)).contains("\"event\":\"stopped\"");
        } finally {
            agent.destroyForcibly();
            agent.waitFor(10, TimeUnit.SECONDS);
            redis.close();
        }
    }

    private static int freePort() throws IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static HttpResponse<String> get(Agent agent, String path) throws IOException, InterruptedException {
        URI uri = URI.create("http://127.0.0.1:" + agent.address().getPort() + path);
        return HTTP.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String scrape(Agent agent) {
        return scrape(URI.create("http://127.0.0.1:" + agent.address().getPort() + "/metrics"));
    }

    static String scrape(URI uri) {
        try {
            return HTTP.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString()).body();
        } catch (IOException e) {
            return ""; // not listening yet
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    /** The value of one series in a scrape, or NaN when it is not there. */
    static double value(String metrics, String series) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(metrics);
        return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
    }

    /** redback_stream_offset_bytes of cache-1 for kind, whatever order the labels are printed in. */
    private static double offset(String metrics, String kind) {
        double a = value(metrics, "redback_stream_offset_bytes{kind=\"" + kind + "\",source=\"cache-1\"}");
        return Double.isNaN(a) ? value(metrics, "redback_stream_offset_bytes{source=\"cache-1\",kind=\"" + kind + "\"}") : a;
    }

    static int count(StringWriter log, String text) {
        String s;
        synchronized (log) {
            s = log.toString();
        }
        return s.split(Pattern.quote(text), -1).length - 1;
    }

    static void await(Duration wait, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("waited " + wait.toSeconds() + " s in vain");
            }
            Thread.sleep(100);
        }
    }

    @SuppressWarnings("unused")
    private static List<String> lines(Path file) throws IOException {
        return new ArrayList<>(Files.readAllLines(file));
    }
}
