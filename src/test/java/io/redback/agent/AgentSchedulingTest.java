package io.redback.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.redback.redis.LocalRedisServer;
import io.redback.repo.Repository;
import io.redback.storage.file.FileStorage;
import io.redback.testsupport.TestRedis;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Schedules across restarts, failing jobs, and reloads, against real servers. */
@io.redback.testsupport.Slow
class AgentSchedulingTest {
    @TempDir
    Path dir;

    private AgentConfig config(String sources) throws Exception {
        return AgentConfig.parse("""
                repository: %s
                listen: 127.0.0.1:0
                state-dir: %s
                sources:
                %s""".formatted("file://" + dir.resolve("repo"), dir.resolve("state"), sources), Map.of(), dir);
    }

    private static String source(String name, int port, String snapshot) {
        return "  - name: " + name + "\n    redis: redis://127.0.0.1:" + port + "\n    snapshot: " + snapshot + "\n";
    }

    @Test
    void aScheduleMissedWhileDownRunsOnceAtStartAndOneNotDueWaits() throws Exception {
        Files.createDirectories(dir.resolve("state"));
        Files.writeString(dir.resolve("state/state.json"), "{\"missed\":{\"snapshot\":\"2020-01-01T00:00:00Z\"},"
                + "\"recent\":{\"snapshot\":\"" + Instant.now().minusSeconds(60) + "\"}}");
        try (LocalRedisServer redis = TestRedis.server().start()) {
            StringWriter log = new StringWriter();
            Agent agent = new Agent(config(source("missed", redis.port(), "{every: 1h}")
                    + source("recent", redis.port(), "{every: 1h}")), Map.of(), new PrintWriter(log), true,
                    Duration.ofSeconds(10), "test", Clock.systemUTC());
            agent.start();
            try {
                AgentTest.await(Duration.ofSeconds(60), () -> log.toString().contains("\"event\":\"snapshot\""));
                Thread.sleep(2000); // time must pass: the schedule that is not due must stay idle meanwhile
            } finally {
                agent.stop();
                agent.awaitStopped(Duration.ofSeconds(30));
            }
            try (FileStorage storage = new FileStorage(dir.resolve("repo"))) {
                Repository repository = Repository.open(storage);
                assertThat(repository.catalog().snapshots("missed")).hasSize(1);
                assertThat(repository.catalog().snapshots("recent")).isEmpty();
            }
        }
    }

    @Test
    void aFailingJobIsRetriedWithBackoffAndReportedAndTheAgentRunsOnThenAReloadAddsASource() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        StringWriter log = new StringWriter();
        Agent agent = new Agent(config(source("gone", closed, "{every: 1h}")), Map.of(), new PrintWriter(log), true,
                Duration.ofSeconds(10), "test", Clock.systemUTC());
        agent.start();
        try (LocalRedisServer redis = TestRedis.server().start()) {
            URI metrics = URI.create("http://127.0.0.1:" + agent.address().getPort() + "/metrics");
            String failures = "redback_job_failures_total{job=\"snapshot\",source=\"gone\"}";
            AgentTest.await(Duration.ofSeconds(30), () -> value(get(metrics), failures) >= 2);
            assertThat(log.toString()).contains("\"event\":\"snapshot-failed\"").contains("retrying in");
            assertThat(value(get(metrics), "redback_snapshots_total{result=\"failed\",source=\"gone\"}"))
                    .isGreaterThanOrEqualTo(2);
            assertThat(get(URI.create("http://127.0.0.1:" + agent.address().getPort() + "/healthz"))).isEqualTo("ok\n");

            agent.reload(config(source("gone", closed, "{every: 1h}") + source("added", redis.port(), "{every: 1h}")));
            try {
                AgentTest.await(Duration.ofSeconds(60), () -> value(get(metrics),
                        "redback_snapshots_total{result=\"ok\",source=\"added\"}") == 1);
            } catch (AssertionError e) {
                throw new AssertionError(log + "\n" + get(metrics), e);
            }
            assertThat(log.toString()).contains("\"event\":\"reloaded\"");
        } finally {
            agent.stop();
            assertThat(agent.awaitStopped(Duration.ofSeconds(30))).isTrue();
        }
    }

    private static String get(URI uri) {
        try {
            return HttpClient.newHttpClient().send(HttpRequest.newBuilder(uri).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
        } catch (Exception e) {
            return "";
        }
    }

    private static double value(String metrics, String series) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(metrics);
        return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
    }
}
