package io.redback.agent;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Info;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Instant;

/**
 * The agent's Prometheus metrics, in base units (seconds, bytes, timestamps in seconds), labelled
 * by source and never by an unbounded value. Drill metrics are declared for the drill job to
 * come and report nothing until it runs.
 */
final class AgentMetrics {
    final PrometheusRegistry registry = new PrometheusRegistry();
    final Gauge streamUp = gauge("redback_stream_up", "1 while the source's stream is connected and shipping", "source");
    final Gauge lagSeconds = gauge("redback_stream_lag_seconds", "How long the oldest byte received but not yet in the repository has waited", "source");
    final Gauge lagBytes = gauge("redback_stream_lag_bytes", "Bytes received from the source and not yet in the repository", "source");
    final Gauge offset = gauge("redback_stream_offset_bytes", "The stream's replication offsets: received from the source, durable (fsync'd in the spool: what FACK reports with durable-at spool) and committed (in the repository)", "source", "kind");
    final Gauge durableLagBytes = gauge("redback_stream_durable_lag_bytes", "Bytes received from the source and not yet fsync'd in the spool", "source");
    final Gauge durableLagSeconds = gauge("redback_stream_durable_lag_seconds", "How long the oldest byte received but not yet fsync'd has waited", "source");
    final Gauge recoverableUntil = gauge("redback_recoverable_until_timestamp_seconds", "The newest point a restore can reach (counting the stream's vouch that nothing newer arrived)", "source");
    final Gauge windowStart = gauge("redback_recovery_window_start_timestamp_seconds", "The oldest point a restore can reach", "source");
    final Gauge spoolBytes = gauge("redback_spool_bytes", "Bytes in the local spool, waiting for the repository", "source");
    final Counter reconnects = counter("redback_stream_reconnects_total", "Times the stream lost its link or was restarted", "source");
    final Gauge snapshotLastSuccess = gauge("redback_snapshot_last_success_timestamp_seconds", "When the newest snapshot finished", "source");
    final Gauge snapshotLastDuration = gauge("redback_snapshot_last_duration_seconds", "How long the last snapshot the agent took ran", "source");
    final Gauge snapshotLastSize = gauge("redback_snapshot_last_size_bytes", "Stored size of the newest snapshot", "source");
    final Counter snapshots = counter("redback_snapshots_total", "Snapshots the agent attempted, by result", "source", "result");
    final Gauge drillLastSuccess = gauge("redback_drill_last_success_timestamp_seconds", "When the last successful restore drill finished", "source");
    final Gauge drillLastRto = gauge("redback_drill_last_rto_seconds", "How long the last restore drill took to restore", "source");
    final Counter drills = counter("redback_drills_total", "Restore drills, by result", "source", "result");
    final Gauge checkLastSuccess = gauge("redback_check_last_success_timestamp_seconds", "When the last clean check of the source finished", "source");
    final Gauge repositoryBytes = gauge("redback_repository_bytes", "Bytes the source's objects take in the repository, by kind (snapshots, log)", "source", "kind");
    final Counter jobFailures = counter("redback_job_failures_total", "Failed job runs, by job", "source", "job");
    final Gauge objective = gauge("redback_objective_seconds", "The configured recovery objectives", "source", "objective");
    final Gauge doctorStatus = gauge("redback_doctor_check_status", "Result of each doctor check the doctor job ran: 1 ok, 0.5 warn, 0 fail (a skipped check has no series)", "source", "check");

    AgentMetrics(String version) {
        Info info = Info.builder().name("redback_build_info").help("The running redback").labelNames("version")
                .register(registry);
        info.addLabelValues(version);
    }

    private Gauge gauge(String name, String help, String... labels) {
        return Gauge.builder().name(name).help(help).labelNames(labels).register(registry);
    }

    private Counter counter(String name, String help, String... labels) {
        return Counter.builder().name(name).help(help).labelNames(labels).register(registry);
    }

    static double seconds(Instant t) {
        return t.toEpochMilli() / 1000.0;
    }

    /** The metrics in Prometheus's text format (version 0.0.4). */
    byte[] scrape() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new PrometheusTextFormatWriter(false).write(out, registry.scrape());
        return out.toByteArray();
    }

    /** Forgets the series of a source removed by a reload. */
    void forget(String source) {
        for (Gauge g : new Gauge[] {streamUp, lagSeconds, lagBytes, durableLagBytes, durableLagSeconds, recoverableUntil, windowStart, spoolBytes,
                snapshotLastSuccess, snapshotLastDuration, snapshotLastSize, checkLastSuccess}) {
            g.remove(source);
        }
        for (String kind : new String[] {"received", "durable", "committed"}) {
            offset.remove(source, kind);
        }
        reconnects.remove(source);
    }
}
