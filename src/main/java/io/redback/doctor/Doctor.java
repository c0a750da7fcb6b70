package io.redback.doctor;

import io.redback.drill.Drills;
import io.redback.redis.RedisConnection;
import io.redback.repo.Repository;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code redback doctor}: checks a server's persistence, the host it runs on, who can reach its
 * data, its log and (with a repository) its backups, each as a {@link Check} with a stable id.
 * What the user may not read (CONFIG, ACL, INFO) and what is not on this host makes the checks
 * that need it skip with the reason; only a connection that fails stops the run.
 */
public final class Doctor {
    /**
     * How doctor judges: what the server is for, the recovery point objective, how long to sample
     * the write rate, and how old the newest restore drill may be (null: {@link Drills#DEFAULT_MAX_AGE},
     * as {@code status} judges it).
     */
    public record Options(Profile profile, Duration rpo, Duration rateSample, Duration drillMaxAge) {
        public Options {
            if (rpo != null && (rpo.isNegative() || rpo.isZero())) {
                throw new IllegalArgumentException("--rpo must be positive");
            }
            if (drillMaxAge == null) {
                drillMaxAge = Drills.DEFAULT_MAX_AGE;
            } else if (drillMaxAge.isNegative() || drillMaxAge.isZero()) {
                throw new IllegalArgumentException("--drill-max-age must be positive");
            }
        }

        /** With the default drill age. */
        public Options(Profile profile, Duration rpo, Duration rateSample) {
            this(profile, rpo, rateSample, null);
        }
    }

    /** The repository side: where the source's backups are and under which name. */
    public record Backups(Repository repository, String source) {
    }

    private final Options options;
    private final Clock clock;

    public Doctor(Options options, Clock clock) {
        this.options = options;
        this.clock = clock;
    }

    /**
     * Runs every check on the server behind c (reached as host), and the backup checks when
     * backups is not null.
     *
     * @throws IOException when the connection fails during the run
     */
    public DoctorReport examine(RedisConnection c, String host, Backups backups) throws IOException {
        Server s = Server.read(c);
        Host h = Host.of(host, s.infoLong("process_id", -1));
        List<Check> checks = new ArrayList<>();
        checks.addAll(HostChecks.run(s, h, options.profile()));
        checks.addAll(ConfigChecks.run(s, options.profile(), options.rpo(), writeRate(s)));
        checks.addAll(InfoChecks.run(s, h, options.profile(), options.rpo(), clock.instant()));
        checks.addAll(SecurityChecks.run(s));
        checks.add(LogChecks.run(s, h));
        if (backups != null) {
            checks.addAll(BackupChecks.run(backups.repository(), backups.source(), options, clock.instant()));
        }
        return new DoctorReport(c.address(), checks);
    }

    /**
     * Bytes per second written, measured as the growth of master_repl_offset over the sample
     * (it only grows while a backlog exists); else instantaneous_input_kbps, an upper bound
     * that counts reads too. Null when INFO is refused.
     */
    private Double writeRate(Server s) throws IOException {
        if (s.infoRefused != null) {
            return null;
        }
        Duration sample = options.rateSample();
        if ("1".equals(s.info("repl_backlog_active")) && sample != null && !sample.isZero()) {
            long before = s.infoLong("master_repl_offset", -1);
            long started = System.nanoTime();
            try {
                Thread.sleep(sample.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
            Map<String, String> again = s.infoAgain("replication");
            long after = Server.parseLong(again.get("master_repl_offset"), -1);
            double seconds = (System.nanoTime() - started) / 1e9;
            if (before >= 0 && after >= before && seconds > 0) {
                return (after - before) / seconds;
            }
        }
        String kbps = s.info("instantaneous_input_kbps");
        if (kbps == null) {
            return null;
        }
        try {
            return Double.parseDouble(kbps) * 1024;
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
