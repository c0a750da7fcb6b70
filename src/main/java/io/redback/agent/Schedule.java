package io.redback.agent;

import com.cronutils.model.Cron;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import io.redback.repo.Quantities;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * When a job runs: every fixed duration after its last run, or at the times of a cron expression
 * (five fields, UTC), each possibly delayed by a random jitter so that many agents do not hit
 * one repository at the same second.
 */
public sealed interface Schedule {
    /** The time the job is next due after a run at {@code last} (null: never ran, due now). */
    Instant next(Instant last, Instant now);

    /** Every {@code period}, counted from the end of the last run. */
    record Every(Duration period, Duration jitter) implements Schedule {
        @Override
        public Instant next(Instant last, Instant now) {
            return last == null ? now : last.plus(period).plus(random(jitter));
        }

        @Override
        public String toString() {
            return "every " + period;
        }
    }

    /** At the times of a cron expression; a time missed while the agent was down runs once at start. */
    record At(String expression, Duration jitter, Cron cron) implements Schedule {
        @Override
        public Instant next(Instant last, Instant now) {
            Instant after = last == null ? now : last;
            return ExecutionTime.forCron(cron).nextExecution(ZonedDateTime.ofInstant(after, ZoneOffset.UTC))
                    .map(z -> z.toInstant().plus(random(jitter)))
                    .orElse(Instant.MAX);
        }

        @Override
        public String toString() {
            return "cron " + expression;
        }
    }

    private static Duration random(Duration jitter) {
        return jitter.isZero() ? Duration.ZERO : Duration.ofMillis(ThreadLocalRandom.current().nextLong(jitter.toMillis()));
    }

    /** {@code {every: 6h}} or {@code {cron: "0 0/6 * * *", jitter: 5m}}; the caller has checked the other keys. */
    static Schedule parse(String job, YamlNode node) {
        Map<String, YamlNode> m = node.map(job);
        YamlNode every = m.get("every");
        YamlNode cron = m.get("cron");
        Duration jitter = m.containsKey("jitter") ? duration(job + ".jitter", m.get("jitter")) : Duration.ZERO;
        if ((every == null) == (cron == null)) {
            throw new ConfigException(node.line(), job + " needs either every: (e.g. 6h) or cron: (e.g. \"0 */6 * * *\")");
        }
        if (every != null) {
            Duration d = duration(job + ".every", every);
            if (d.isZero()) {
                throw new ConfigException(every.line(), job + ".every must be positive");
            }
            return new Every(d, jitter);
        }
        String text = cron.text(job + ".cron");
        try {
            Cron parsed = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(com.cronutils.model.CronType.UNIX))
                    .parse(text);
            parsed.validate();
            return new At(text, jitter, parsed);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(cron.line(), job + ".cron '" + text + "' is not a cron expression (minute hour "
                    + "day-of-month month day-of-week, UTC): " + e.getMessage());
        }
    }

    /** A duration value (8s, 15m, 6h, 30d) or a ConfigException on its line. */
    static Duration duration(String key, YamlNode node) {
        try {
            return Quantities.duration(key, node.text(key));
        } catch (ConfigException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw new ConfigException(node.line(), e.getMessage());
        }
    }
}
