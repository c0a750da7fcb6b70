package io.redback.doctor;

import static io.redback.doctor.Check.evidence;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** The checks of what the server reports about its persistence at run time (INFO). */
final class InfoChecks {
    /** A fork slower than this stalls every client for that long. */
    static final long SLOW_FORK_USEC = 1_000_000;

    private InfoChecks() {
    }

    static List<Check> run(Server s, Host h, Profile profile, Duration rpo, Instant now) {
        String[] ids = {"info.last-bgsave", "info.aof-last-write", "info.aof-rewrite", "info.unsaved-changes",
                "info.fork-time", "info.cow", "info.loading"};
        List<Check> out = new ArrayList<>();
        if (s.infoRefused != null) {
            for (String id : ids) {
                out.add(Check.skip(id, s.infoRefused));
            }
            return out;
        }
        out.add(lastBgsave(s));
        out.add(aofLastWrite(s));
        out.add(aofRewrite(s));
        out.add(unsavedChanges(s, profile, rpo, now));
        out.add(forkTime(s));
        out.add(cow(s, h));
        out.add(loading(s));
        return out;
    }

    static Check lastBgsave(Server s) {
        String id = "info.last-bgsave";
        String status = s.info("rdb_last_bgsave_status");
        if (status == null) {
            return Check.skip(id, "INFO persistence has no rdb_last_bgsave_status");
        }
        Object[] ev = {"rdb_last_bgsave_status", status, "rdb_last_save_time", s.info("rdb_last_save_time"),
                "rdb_changes_since_last_save", s.info("rdb_changes_since_last_save"),
                "rdb_last_bgsave_time_sec", s.info("rdb_last_bgsave_time_sec")};
        if (!status.equals("ok")) {
            return Check.fail(id, "the last BGSAVE failed: nothing has been saved since " + time(s, "rdb_last_save_time")
                    + (s.config("save") != null && !s.config("save").isBlank()
                    ? " and, with stop-writes-on-bgsave-error yes, writes are refused (MISCONF)" : ""),
                    evidence(ev), "read the server log for the cause (fork ENOMEM: vm.overcommit_memory=1; dir gone or "
                            + "full: CONFIG GET dir, free space); then BGSAVE and check INFO persistence again");
        }
        return Check.ok(id, "the last BGSAVE succeeded", evidence(ev));
    }

    static Check aofLastWrite(Server s) {
        String id = "info.aof-last-write";
        if (!"1".equals(s.info("aof_enabled"))) {
            return Check.skip(id, "the AOF is off (aof_enabled:0)");
        }
        String status = s.info("aof_last_write_status");
        Object[] ev = {"aof_last_write_status", status, "aof_delayed_fsync", s.info("aof_delayed_fsync")};
        if (status != null && !status.equals("ok")) {
            return Check.fail(id, "writing the AOF failed: writes are refused until it succeeds again (a full disk "
                    + "or an I/O error)", evidence(ev), "free space in the data dir (df -h $(redis-cli CONFIG GET dir)), "
                    + "then check the server log; the server retries on its own");
        }
        return Check.ok(id, "the last AOF write succeeded", evidence(ev));
    }

    static Check aofRewrite(Server s) {
        String id = "info.aof-rewrite";
        if (!"1".equals(s.info("aof_enabled"))) {
            return Check.skip(id, "the AOF is off (aof_enabled:0)");
        }
        String status = s.info("aof_last_bgrewrite_status");
        long failures = s.infoLong("aof_rewrites_consecutive_failures", 0);
        Object[] ev = {"aof_last_bgrewrite_status", status, "aof_rewrites_consecutive_failures",
                s.info("aof_rewrites_consecutive_failures"), "aof_rewrite_in_progress", s.info("aof_rewrite_in_progress")};
        if ((status != null && !status.equals("ok")) || failures > 0) {
            return Check.fail(id, "the last AOF rewrite failed" + (failures > 0 ? " (" + failures
                    + " in a row)" : "") + ": the incr files keep growing and a restart replays all of them",
                    evidence(ev), "read the server log for the cause (fork ENOMEM, disk full), fix it, then "
                            + "BGREWRITEAOF");
        }
        return Check.ok(id, "the last AOF rewrite succeeded", evidence(ev));
    }

    static Check unsavedChanges(Server s, Profile profile, Duration rpo, Instant now) {
        String id = "info.unsaved-changes";
        long changes = s.infoLong("rdb_changes_since_last_save", -1);
        long lastSave = s.infoLong("rdb_last_save_time", -1);
        if (changes < 0 || lastSave < 0) {
            return Check.skip(id, "INFO persistence has no rdb_changes_since_last_save");
        }
        long age = Math.max(0, now.getEpochSecond() - lastSave);
        boolean aof = "1".equals(s.info("aof_enabled"));
        Object[] ev = {"rdb_changes_since_last_save", changes, "lastSaveAgeSeconds", age,
                "rpoSeconds", rpo == null ? null : rpo.toSeconds(), "aof_enabled", aof ? 1 : 0};
        if (changes == 0) {
            return Check.ok(id, "no change since the last save", evidence(ev));
        }
        if (aof) {
            return Check.ok(id, changes + " change(s) since the last RDB save, " + age + " s ago; the AOF holds them",
                    evidence(ev));
        }
        String fix = "BGSAVE now; then fix the save rules (see config.rdb-save-vs-rpo) or turn the AOF on";
        if (rpo != null && age > rpo.toSeconds()) {
            return Check.problem(profile == Profile.STORE, id, changes + " change(s) unsaved for " + age
                    + " s, beyond the RPO of " + rpo.toSeconds() + " s: a crash now loses them", evidence(ev), fix);
        }
        if (s.saveRules() != null && ConfigChecks.rules(s.saveRules()).isEmpty()) {
            return Check.problem(profile == Profile.STORE, id, changes + " change(s) held only in memory: no save "
                    + "rule and no AOF will ever write them", evidence(ev), fix);
        }
        return Check.ok(id, changes + " change(s) since the last save, " + age + " s ago", evidence(ev));
    }

    static Check forkTime(Server s) {
        String id = "info.fork-time";
        long usec = s.infoLong("latest_fork_usec", -1);
        if (usec < 0) {
            return Check.skip(id, "INFO stats has no latest_fork_usec");
        }
        long used = s.infoLong("used_memory", -1);
        Object[] ev = {"latest_fork_usec", usec, "used_memory", used < 0 ? null : used};
        if (usec == 0) {
            return Check.ok(id, "no fork since the server started", evidence(ev));
        }
        if (usec > SLOW_FORK_USEC) {
            return Check.warn(id, "the last fork took " + usec / 1000 + " ms: every client waited that long",
                    evidence(ev), "keep transparent huge pages off, use a smaller dataset per instance, or avoid "
                            + "virtualisation without fast fork (e.g. Xen PV)");
        }
        return Check.ok(id, "the last fork took " + usec / 1000 + " ms", evidence(ev));
    }

    static Check cow(Server s, Host h) {
        String id = "info.cow";
        long rdbCow = s.infoLong("rdb_last_cow_size", -1);
        long aofCow = s.infoLong("aof_last_cow_size", -1);
        if (rdbCow < 0 && aofCow < 0) {
            return Check.skip(id, "INFO persistence has no rdb_last_cow_size");
        }
        long cow = Math.max(rdbCow, aofCow);
        long free = h.local() ? h.meminfo("MemAvailable") : -1;
        if (free < 0) {
            long total = s.infoLong("total_system_memory", -1);
            long rss = s.infoLong("used_memory_rss", -1);
            free = total > 0 && rss >= 0 ? total - rss : -1;
        }
        Object[] ev = {"rdb_last_cow_size", rdbCow, "aof_last_cow_size", aofCow, "freeMemory", free < 0 ? null : free};
        if (cow == 0) {
            return Check.ok(id, "no copy-on-write measured yet (no fork since the server started)", evidence(ev));
        }
        if (free < 0) {
            return Check.skip(id, "the free memory is unknown (not this host, and no total_system_memory)");
        }
        if (cow > free) {
            return Check.fail(id, "the last fork copied " + HostChecks.mb(cow) + " on write, more than the "
                    + HostChecks.mb(free) + " free now: the next one may be killed by the OOM killer", evidence(ev),
                    "free memory on the host or lower the write load during saves; keep transparent huge pages off");
        }
        if (cow > free / 2) {
            return Check.warn(id, "the last fork copied " + HostChecks.mb(cow) + " on write, over half of the "
                    + HostChecks.mb(free) + " free", evidence(ev), "free memory on the host before the next save");
        }
        return Check.ok(id, "the last fork copied " + HostChecks.mb(cow) + " on write, " + HostChecks.mb(free)
                + " free", evidence(ev));
    }

    static Check loading(Server s) {
        String id = "info.loading";
        String loading = s.info("loading");
        Object[] ev = {"loading", loading, "async_loading", s.info("async_loading"),
                "loading_loaded_perc", s.info("loading_loaded_perc")};
        if ("1".equals(loading) || "1".equals(s.info("async_loading"))) {
            return Check.warn(id, "the server is loading its data (" + s.info("loading_loaded_perc") + " %): it "
                    + "answers LOADING until done, and the figures above are not final", evidence(ev),
                    "wait, then run doctor again");
        }
        return Check.ok(id, "not loading", evidence(ev));
    }

    private static String time(Server s, String field) {
        long t = s.infoLong(field, -1);
        return t < 0 ? "?" : Instant.ofEpochSecond(t).toString();
    }
}
