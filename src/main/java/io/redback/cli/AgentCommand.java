package io.redback.cli;

import io.redback.agent.Agent;
import io.redback.agent.AgentConfig;
import io.redback.agent.ConfigException;
import io.redback.repo.Quantities;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code redback agent}: runs unattended from a YAML configuration: supervised streams, scheduled
 * snapshots, retention and compaction, and Prometheus metrics over HTTP, until SIGINT/SIGTERM.
 */
@Command(name = "agent", mixinStandardHelpOptions = true,
        description = {"Run redback unattended: streams, scheduled snapshots, retention, compaction and metrics.",
                "",
                "Reads CONFIG (YAML; see docs/guide.md) and, for every source, keeps `stream` running "
                        + "(restarted with backoff when it dies), takes snapshots on schedule (every: 6h or a cron "
                        + "expression in UTC, with optional jitter), applies the retention policy after each snapshot "
                        + "(the keys are prune's --keep-* options), and compacts the log. A source's jobs never "
                        + "overlap; a schedule missed while the agent was down runs once at start-up; a failing job is "
                        + "logged, counted in redback_job_failures_total and retried with backoff, and never stops the "
                        + "agent. Prune and compact take the repository's lock as the commands do.",
                "",
                "A source with `cluster: true` (or whose server says cluster_enabled:1) is a Redis Cluster: its "
                        + "stream is `stream --cluster`, its snapshot `backup --cluster`, its retention `prune --name "
                        + "CLUSTER`, its check and drill those of the cluster, with the stream figures per shard "
                        + "source (CLUSTER.shard-N).",
                "",
                "HTTP on `listen` (default 127.0.0.1:9187): /metrics (Prometheus text format), /healthz, /status "
                        + "(JSON) and / (a small page). One log line per event on stdout (--log-format json for log "
                        + "shippers). SIGHUP rereads CONFIG (a bad one is reported and the running configuration kept); "
                        + "SIGINT/SIGTERM stop the streams cleanly (flush, drain) and exit 0 within --stop-timeout.",
                "",
                "A bad CONFIG stops the agent at start with exit 2 and names the line."},
        footerHeading = "%nExamples:%n",
        footer = {"  redback agent /etc/redback/agent.yml",
                "  redback agent agent.yml --log-format json --stop-timeout 60s",
                "  redback agent agent.yml --check-config",
                "",
                "Exit codes: 0 stopped by a signal (or --check-config found CONFIG valid), 2 bad CONFIG, or the "
                        + "repository or the HTTP port could not be opened."})
public final class AgentCommand implements Callable<Integer> {
    enum LogFormat { text, json }

    @Parameters(index = "0", paramLabel = "CONFIG", description = "The agent's configuration file (YAML).")
    Path configFile;

    @Option(names = "--log-format", paramLabel = "FORMAT", defaultValue = "text",
            description = "One line per event as ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    LogFormat logFormat;

    @Option(names = "--stop-timeout", paramLabel = "DURATION", defaultValue = "30s",
            description = "On SIGINT/SIGTERM, how long streams may take to flush and drain before the agent exits "
                    + "anyway (default: ${DEFAULT-VALUE}); what is not drained waits in the spool.")
    String stopTimeout;

    @Option(names = "--check-config", description = "Only read and validate CONFIG, then exit.")
    boolean checkConfig;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = Terminal.out(spec);
        PrintWriter err = Terminal.err(spec);
        Map<String, String> env = Main.env(spec);
        AgentConfig config;
        Duration stop;
        try {
            stop = Quantities.duration("--stop-timeout", stopTimeout);
            config = AgentConfig.read(configFile, env);
        } catch (ConfigException e) {
            err.println("redback agent: " + configFile + " " + e.getMessage());
            return Main.USAGE;
        } catch (IOException | RuntimeException e) {
            err.println("redback agent: " + configFile + ": " + Text.message(e));
            return Main.USAGE;
        }
        if (checkConfig) {
            out.println(configFile + ": valid, " + config.sources().size() + " source(s)");
            out.flush();
            return Main.OK;
        }
        String version = Main.class.getPackage().getImplementationVersion();
        Agent agent = new Agent(config, env, out, logFormat == LogFormat.json, stop,
                version == null ? "development" : version, Clock.systemUTC());
        try {
            agent.start();
        } catch (IOException | RuntimeException e) {
            err.println("redback agent: cannot start: " + Text.message(e));
            agent.stop();
            return Main.USAGE;
        }
        CountDownLatch signalled = new CountDownLatch(1);
        StopSignals.onInterruptOrTerminate(signalled::countDown);
        StopSignals.onHangup(() -> reload(agent, err));
        try {
            signalled.await();
            agent.stop();
            agent.awaitStopped(stop.plusSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return Main.OK;
    }

    private void reload(Agent agent, PrintWriter err) {
        try {
            agent.reload(AgentConfig.read(configFile, Main.env(spec)));
        } catch (ConfigException e) {
            err.println("redback agent: reload refused, keeping the running configuration: " + configFile + " "
                    + e.getMessage());
            err.flush();
        } catch (IOException | RuntimeException e) {
            err.println("redback agent: reload refused, keeping the running configuration: " + configFile + ": "
                    + Text.message(e));
            err.flush();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
