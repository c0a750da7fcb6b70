package io.redback.metrics;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.redback.drill.DrillResult;
import io.redback.drill.Drills;
import io.redback.repo.Repository;
import io.redback.repo.SnapshotManifest;
import io.redback.repo.StreamStatus;
import io.redback.repo.Timeline;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * redback's Prometheus metrics, declared once for the agent (served on /metrics) and the one-shot
 * commands ({@code --metrics-file}, for node_exporter's textfile collector): names, help and
 * labels. Base units (seconds, bytes, timestamps in seconds), {@code _total} counters, labelled by
 * source and never by an unbounded value. {@link #refresh} reads what the repository says of a
 * source, so the values match the repository whoever wrote it.
 */
public class Metrics {
    /** A declared metric: its name as exposed (counters with {@code _total}) and its label names, in order. */
    record Declared(String name, Object metric, List<String> labels) {
    }

    private final Map<String, Declared> declared = new LinkedHashMap<>();
    protected final PrometheusRegistry registry = new PrometheusRegistry();
    public final Gauge streamUp = gauge("redback_stream_up", "1 while the source's stream is connected and shipping", "source");
    public final Gauge lagSeconds = gauge("redback_stream_lag_seconds", "How long the oldest byte received but not yet in the repository has waited", "source");
    public final Gauge lagBytes = gauge("redback_stream_lag_bytes", "Bytes received from the source and not yet in the repository", "source");
    public final Gauge offset = gauge("redback_stream_offset_bytes", "The stream's replication offsets: received from the source, durable (fsync'd in the spool: what FACK reports with durable-at spool) and committed (in the repository)", "source", "kind");
    public final Gauge durableLagBytes = gauge("redback_stream_durable_lag_bytes", "Bytes received from the source and not yet fsync'd in the spool", "source");
    public final Gauge durableLagSeconds = gauge("redback_stream_durable_lag_seconds", "How long the oldest byte received but not yet fsync'd has waited", "source");
    public final Gauge recoverableUntil = gauge("redback_recoverable_until_timestamp_seconds", "The newest point a restore can reach (counting the stream's vouch that nothing newer arrived)", "source");
    public final Gauge windowStart = gauge("redback_recovery_window_start_timestamp_seconds", "The oldest point a restore can reach", "source");
    public final Gauge spoolBytes = gauge("redback_spool_bytes", "Bytes in the local spool, waiting for the repository", "source");
    public final Counter reconnects = counter("redback_stream_reconnects_total", "Times the stream lost its link or was restarted", "source");
    public final Gauge snapshotLastSuccess = gauge("redback_snapshot_last_success_timestamp_seconds", "When the newest snapshot finished", "source");
    public final Gauge snapshotLastDuration = gauge("redback_snapshot_last_duration_seconds", "How long the last snapshot taken by the agent or backup ran", "source");
    public final Gauge snapshotLastSize = gauge("redback_snapshot_last_size_bytes", "Stored size of the newest snapshot", "source");
    public final Counter snapshots = counter("redback_snapshots_total", "Snapshots attempted, by result", "source", "result");
    public final Gauge drillLastSuccess = gauge("redback_drill_last_success_timestamp_seconds", "When the last successful restore drill finished", "source");
    public final Gauge drillLastRto = gauge("redback_drill_last_rto_seconds", "How long the last restore drill took to restore", "source");
    public final Counter drills = counter("redback_drills_total", "Restore drills, by result", "source", "result");
    public final Gauge checkLastSuccess = gauge("redback_check_last_success_timestamp_seconds", "When the last clean check of the source finished", "source");
    public final Gauge repositoryBytes = gauge("redback_repository_bytes", "Bytes the source's objects take in the repository, by kind (snapshots, log)", "source", "kind");
    public final Counter jobFailures = counter("redback_job_failures_total", "Failed job runs (agent jobs or one-shot commands), by job", "source", "job");
    public final Gauge objective = gauge("redback_objective_seconds", "The configured recovery objectives", "source", "objective");
    public final Gauge doctorStatus = gauge("redback_doctor_check_status", "Result of each doctor check the doctor job ran: 1 ok, 0.5 warn, 0 fail (a skipped check has no series)", "source", "check");

    private Gauge gauge(String name, String help, String... labels) {
        Gauge g = Gauge.builder().name(name).help(help).labelNames(labels).register(registry);
        declared.put(name, new Declared(name, g, List.of(labels)));
        return g;
    }

    private Counter counter(String name, String help, String... labels) {
        Counter c = Counter.builder().name(name).help(help).labelNames(labels).register(registry);
        declared.put(name, new Declared(name, c, List.of(labels)));
        return c;
    }

    /** The metric exposed under name (a counter's with {@code _total}), or null when redback declares none. */
    Declared declared(String name) {
        return declared.get(name);
    }

    /** An instant as a Prometheus timestamp: seconds since the epoch, with milliseconds. */
    public static double seconds(Instant t) {
        return t.toEpochMilli() / 1000.0;
    }

    /** The metrics in Prometheus's text format (version 0.0.4). */
    public byte[] scrape() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new PrometheusTextFormatWriter(false).write(out, registry.scrape());
        return out.toByteArray();
    }

    /** Forgets the series of a source removed by a reload. */
    public void forget(String source) {
        for (Gauge g : new Gauge[] {streamUp, lagSeconds, lagBytes, durableLagBytes, durableLagSeconds, recoverableUntil, windowStart, spoolBytes,
                snapshotLastSuccess, snapshotLastDuration, snapshotLastSize, checkLastSuccess}) {
            g.remove(source);
        }
        for (String kind : new String[] {"received", "durable", "committed"}) {
            offset.remove(source, kind);
        }
        reconnects.remove(source);
    }

    /**
     * Sets what the repository says of source: its newest snapshot (when and how big), the
     * recovery window (counting the stream's vouch that nothing newer arrived, so an idle source
     * does not look stale), the bytes its snapshots and log take, and the stream's last status
     * (spool, lags, offsets), which a running stream rewrites every second.
     */
    public void refresh(Repository repository, String s) throws IOException {
        read(repository, s, true);
    }

    /**
     * What {@link #refresh} sets, but the stream's spool, lags and offsets: for a one-shot command,
     * whose file keeps what it wrote until its next run, those would be stale long before then.
     */
    public void refreshStored(Repository repository, String s) throws IOException {
        read(repository, s, false);
    }

    private void read(Repository repository, String s, boolean stream) throws IOException {
        List<SnapshotManifest> snapshots = repository.catalog().snapshots(s);
        long snapshotBytes = 0;
        Instant oldest = null;
        SnapshotManifest newest = null;
        for (SnapshotManifest m : snapshots) {
            snapshotBytes += m.storedSize();
            if (newest == null || m.finishedAt().isAfter(newest.finishedAt())) {
                newest = m;
            }
            if (oldest == null || m.finishedAt().isBefore(oldest)) {
                oldest = m.finishedAt();
            }
        }
        Instant until = newest == null ? null : newest.finishedAt();
        if (newest != null) {
            snapshotLastSuccess.labelValues(s).set(seconds(newest.finishedAt()));
            snapshotLastSize.labelValues(s).set(newest.storedSize());
        }
        List<Timeline> timelines = repository.timelines().of(s);
        Optional<StreamStatus> status = repository.timelines().status(s);
        long logBytes = 0;
        for (Timeline t : timelines) {
            for (var seg : t.segments()) {
                logBytes += seg.storedSize();
            }
            Instant last = t.restorableUntil();
            Instant vouched = status.flatMap(st -> st.caughtUpUntil(t)).filter(q -> q.isAfter(last)).orElse(last);
            until = until == null || vouched.isAfter(until) ? vouched : until;
            Instant start = t.start().time();
            oldest = oldest == null || start.isBefore(oldest) ? start : oldest;
        }
        if (until != null) {
            recoverableUntil.labelValues(s).set(seconds(until));
            windowStart.labelValues(s).set(seconds(oldest));
        }
        repositoryBytes.labelValues(s, "snapshots").set(snapshotBytes);
        repositoryBytes.labelValues(s, "log").set(logBytes);
        status.filter(st -> stream).ifPresent(st -> {
            spoolBytes.labelValues(s).set(st.spoolBytes());
            lagBytes.labelValues(s).set(st.lagBytes());
            lagSeconds.labelValues(s).set(st.lagSeconds() == null ? 0 : st.lagSeconds());
            offset.labelValues(s, "received").set(st.receivedOffset());
            offset.labelValues(s, "committed").set(st.committedOffset());
            if (st.durableOffset() != null) { // a status from before the group commit has none
                offset.labelValues(s, "durable").set(st.durableOffset());
                durableLagBytes.labelValues(s).set(st.durableLagBytes() == null ? 0 : st.durableLagBytes());
                durableLagSeconds.labelValues(s).set(st.durableLagSeconds() == null ? 0 : st.durableLagSeconds());
            }
        });
        // The newest recorded drill (by the agent or by hand): its RTO, and when it passed. After a
        // failed one the last success time is left as it was (it may be older than the newest record).
        Optional<DrillResult> drill = Drills.latest(repository, s);
        drill.ifPresent(d -> {
            drillLastRto.labelValues(s).set(d.rtoSeconds());
            if (d.passed()) {
                drillLastSuccess.labelValues(s).set(seconds(Instant.parse(d.startedAt())) + d.rtoSeconds());
            }
        });
    }
}
