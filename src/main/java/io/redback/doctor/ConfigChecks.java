package io.redback.doctor;

import static io.redback.doctor.Check.evidence;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** The checks of the server's configuration (CONFIG GET): persistence, fsync, rewrites, eviction, backlog. */
final class ConfigChecks {
    /** A replication backlog should bridge this long a break of redback's (or a replica's) link. */
    static final Duration BACKLOG_COVERS = Duration.ofSeconds(60);

    private ConfigChecks() {
    }

    /** One save rule: save after {@code seconds} if at least {@code changes} writes happened. */
    record SaveRule(long seconds, long changes) {
    }

    static List<SaveRule> rules(String save) {
        List<SaveRule> rules = new ArrayList<>();
        String[] f = save.trim().isEmpty() ? new String[0] : save.trim().split("\\s+");
        for (int i = 0; i + 1 < f.length; i += 2) {
            rules.add(new SaveRule(Server.parseLong(f[i], 0), Server.parseLong(f[i + 1], 0)));
        }
        return rules;
    }

    static List<Check> run(Server s, Profile profile, Duration rpo, Double writeRate) {
        String[] ids = {"config.persistence", "config.appendfsync", "config.aof-timestamps", "config.rdbchecksum",
                "config.rdb-save-vs-rpo", "config.aof-rewrite", "config.maxmemory-policy", "config.repl-backlog"};
        List<Check> out = new ArrayList<>();
        if (s.config == null) {
            for (String id : ids) {
                out.add(Check.skip(id, s.configRefused));
            }
            return out;
        }
        out.add(persistence(s, profile));
        out.add(appendfsync(s, profile));
        out.add(aofTimestamps(s));
        out.add(rdbchecksum(s));
        out.add(saveVsRpo(s, rpo));
        out.add(aofRewrite(s));
        out.add(maxmemoryPolicy(s, profile));
        out.add(replBacklog(s, writeRate));
        return out;
    }

    static Check persistence(Server s, Profile profile) {
        String id = "config.persistence";
        String save = s.saveRules();
        boolean aof = s.aofOn();
        Object[] ev = {"save", save, "appendonly", aof ? "yes" : "no"};
        if (rules(save).isEmpty() && !aof) {
            if (profile == Profile.CACHE) {
                return Check.ok(id, "no persistence (save \"\" and appendonly no): fine for a cache, a restart "
                        + "starts empty", evidence(ev));
            }
            return Check.fail(id, "no persistence: no save rule and appendonly no; a restart loses every key",
                    evidence(ev), "CONFIG SET appendonly yes; CONFIG SET save \"3600 1 300 100 60 10000\"; "
                            + "CONFIG REWRITE (and appendonly yes / save ... in redis.conf)");
        }
        return Check.ok(id, (aof ? "AOF on" : "AOF off") + (rules(save).isEmpty() ? ", no save rule"
                : ", save rules " + save), evidence(ev));
    }

    static Check appendfsync(Server s, Profile profile) {
        String id = "config.appendfsync";
        if (!s.aofOn()) {
            return Check.skip(id, "the AOF is off (appendonly no)");
        }
        String v = s.config("appendfsync");
        Object[] ev = {"appendfsync", v};
        if ("no".equals(v)) {
            return Check.warn(id, "appendfsync no: the kernel decides when "
                    + "writes reach the disk (typically up to 30 s are lost in a power failure)", evidence(ev),
                    "CONFIG SET appendfsync everysec; CONFIG REWRITE");
        }
        return Check.ok(id, "appendfsync " + v + ("always".equals(v) ? ": no acknowledged write is lost, at a latency cost"
                : ": at most about one second of writes is lost in a power failure"), evidence(ev));
    }

    static Check aofTimestamps(Server s) {
        String id = "config.aof-timestamps";
        if (!s.aofOn()) {
            return Check.skip(id, "the AOF is off (appendonly no)");
        }
        String v = s.config("aof-timestamp-enabled");
        if (v == null) {
            return Check.skip(id, "this server has no aof-timestamp-enabled (Redis 7.0+)");
        }
        Object[] ev = {"aof-timestamp-enabled", v};
        if (!v.equals("yes")) {
            return Check.warn(id, "the AOF has no #TS annotations: `redback aof cut --at TIME` on this server's "
                    + "local AOF can only cut by command, not to the second", evidence(ev),
                    "CONFIG SET aof-timestamp-enabled yes; CONFIG REWRITE");
        }
        return Check.ok(id, "the AOF carries #TS annotations (exact --at cuts)", evidence(ev));
    }

    static Check rdbchecksum(Server s) {
        String id = "config.rdbchecksum";
        String v = s.config("rdbchecksum");
        if (v == null) {
            return Check.skip(id, "this server has no rdbchecksum directive");
        }
        Object[] ev = {"rdbchecksum", v};
        if (!v.equals("yes")) {
            return Check.warn(id, "RDB files are written without a CRC64: a damaged byte in a value goes unnoticed",
                    evidence(ev), "CONFIG SET rdbchecksum yes; CONFIG REWRITE");
        }
        return Check.ok(id, "RDB files carry a CRC64", evidence(ev));
    }

    static Check saveVsRpo(Server s, Duration rpo) {
        String id = "config.rdb-save-vs-rpo";
        if (rpo == null) {
            return Check.skip(id, "no --rpo given");
        }
        String save = s.saveRules();
        List<SaveRule> rules = rules(save);
        Object[] ev = {"save", save, "rpoSeconds", rpo.toSeconds(), "appendonly", s.aofOn() ? "yes" : "no",
                "appendfsync", s.aofOn() ? s.config("appendfsync") : null};
        if (s.aofOn() && !"no".equals(s.config("appendfsync")) && rpo.toSeconds() >= 1) {
            return Check.ok(id, "the AOF (appendfsync " + s.config("appendfsync") + ") keeps writes within a second, "
                    + "inside the RPO of " + rpo.toSeconds() + " s", evidence(ev));
        }
        // A write is saved at the latest after the interval of a rule that one change triggers;
        // rules needing more changes leave a quiet server's last writes unsaved indefinitely.
        long bound = rules.stream().filter(r -> r.changes() <= 1).mapToLong(SaveRule::seconds).min().orElse(-1);
        String fix = "CONFIG SET save \"" + Math.max(1, rpo.toSeconds()) + " 1\" (or appendonly yes with appendfsync "
                + "everysec); CONFIG REWRITE";
        if (bound < 0) {
            return Check.fail(id, rules.isEmpty() ? "no save rule and no AOF: nothing bounds the loss"
                    : "no save rule fires on a single change: the last writes of a quiet server stay unsaved "
                    + "for as long as it stays quiet, beyond the RPO of " + rpo.toSeconds() + " s", evidence(ev), fix);
        }
        if (bound > rpo.toSeconds()) {
            return Check.fail(id, "the save rules let up to " + bound + " s of writes go unsaved, beyond the RPO of "
                    + rpo.toSeconds() + " s", evidence(ev), fix);
        }
        return Check.ok(id, "a save follows any write within " + bound + " s (RPO " + rpo.toSeconds() + " s)",
                evidence(ev));
    }

    static Check aofRewrite(Server s) {
        String id = "config.aof-rewrite";
        if (!s.aofOn()) {
            return Check.skip(id, "the AOF is off (appendonly no)");
        }
        long pct = s.configLong("auto-aof-rewrite-percentage", -1);
        long min = s.configLong("auto-aof-rewrite-min-size", -1);
        Object[] ev = {"auto-aof-rewrite-percentage", pct, "auto-aof-rewrite-min-size", min};
        if (pct == 0) {
            return Check.warn(id, "automatic AOF rewrites are off: the AOF grows without bound and every restart "
                    + "replays all of it", evidence(ev), "CONFIG SET auto-aof-rewrite-percentage 100; CONFIG REWRITE");
        }
        if (pct > 0 && pct < 25) {
            return Check.warn(id, "auto-aof-rewrite-percentage " + pct + ": the AOF is rewritten (a fork and a full "
                    + "write) whenever it grows by " + pct + " %", evidence(ev),
                    "CONFIG SET auto-aof-rewrite-percentage 100; CONFIG REWRITE");
        }
        if (min >= 0 && min < (1L << 20)) {
            return Check.warn(id, "auto-aof-rewrite-min-size " + min + " bytes: tiny AOFs are rewritten over and over",
                    evidence(ev), "CONFIG SET auto-aof-rewrite-min-size 64mb; CONFIG REWRITE");
        }
        return Check.ok(id, "rewrites when the AOF grows by " + pct + " % past " + HostChecks.mb(min), evidence(ev));
    }

    static Check maxmemoryPolicy(Server s, Profile profile) {
        String id = "config.maxmemory-policy";
        String policy = s.config("maxmemory-policy");
        long max = s.configLong("maxmemory", 0);
        Object[] ev = {"maxmemory", max, "maxmemory-policy", policy};
        boolean evicts = policy != null && !policy.equals("noeviction") && max > 0;
        if (profile == Profile.STORE && evicts) {
            return Check.fail(id, "maxmemory-policy " + policy + " with maxmemory " + max + ": keys of a store are "
                    + "evicted silently when memory is full", evidence(ev),
                    "CONFIG SET maxmemory-policy noeviction; CONFIG REWRITE (writes then fail with OOM instead)");
        }
        if (profile == Profile.CACHE && max == 0) {
            return Check.warn(id, "no maxmemory on a cache: it grows until the host runs out of memory", evidence(ev),
                    "CONFIG SET maxmemory <bytes>; CONFIG SET maxmemory-policy allkeys-lru; CONFIG REWRITE");
        }
        return Check.ok(id, "maxmemory " + max + ", policy " + policy, evidence(ev));
    }

    static Check replBacklog(Server s, Double writeRate) {
        String id = "config.repl-backlog";
        long size = s.configLong("repl-backlog-size", -1);
        if (size < 0) {
            return Check.skip(id, "repl-backlog-size is unknown");
        }
        if (writeRate == null) {
            return Check.skip(id, "the write rate could not be measured (INFO replication refused)");
        }
        long need = (long) Math.ceil(writeRate * BACKLOG_COVERS.toSeconds());
        Object[] ev = {"repl-backlog-size", size, "writeBytesPerSecond", Math.round(writeRate),
                "neededFor" + BACKLOG_COVERS.toSeconds() + "s", need};
        if (size < need) {
            long suggest = Math.max(need * 2, 1L << 20);
            return Check.warn(id, "the backlog (" + HostChecks.mb(size) + ") holds less than "
                    + BACKLOG_COVERS.toSeconds() + " s of writes at the measured rate: a `redback stream` or replica "
                    + "link down that long needs a full sync", evidence(ev),
                    "CONFIG SET repl-backlog-size " + suggest + "; CONFIG REWRITE");
        }
        return Check.ok(id, "the backlog (" + HostChecks.mb(size) + ") holds "
                + (writeRate <= 0 ? "any outage while no writes come" : Math.round(size / writeRate) + " s of writes")
                + " at the measured rate", evidence(ev));
    }
}
