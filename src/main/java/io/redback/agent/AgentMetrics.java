package io.redback.agent;

import io.prometheus.metrics.core.metrics.Info;
import io.redback.metrics.Metrics;

/**
 * The agent's metrics: redback's {@link Metrics} and {@code redback_build_info}, which only a
 * running process reports. Drill metrics are declared for the drill job to come and report
 * nothing until it runs.
 */
final class AgentMetrics extends Metrics {
    AgentMetrics(String version) {
        Info info = Info.builder().name("redback_build_info").help("The running redback").labelNames("version")
                .register(registry);
        info.addLabelValues(version);
    }
}
