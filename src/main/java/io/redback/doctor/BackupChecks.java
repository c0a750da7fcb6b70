package io.redback.doctor;

import static io.redback.doctor.Check.evidence;

import io.redback.drill.DrillResult;
import io.redback.drill.Drills;
import io.redback.repo.Repository;
import io.redback.repo.SnapshotManifest;
import io.redback.repo.StreamStatus;
import io.redback.repo.Timeline;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** The backup side of a source, from the repository: snapshot age, stream lag, gaps, drills. */
final class BackupChecks {
    /** A stream.json older than this means the stream is not running (as {@code redback status} says). */
    static final Duration STALE = Duration.ofSeconds(30);
    /** Without --rpo, the age a newest snapshot may have: a daily backup plus slack. */
    static final Duration DEFAULT_SNAPSHOT_AGE = Duration.ofHours(25);

    private BackupChecks() {
    }

    static List<Check> run(Repository repo, String source, Doctor.Options options, Instant now) throws IOException {
        Duration rpo = options.rpo();
        List<Check> out = new ArrayList<>();
        List<SnapshotManifest> snapshots = repo.catalog().snapshots(source);
        Optional<StreamStatus> stream = repo.timelines().status(source);
        List<Timeline> timelines = repo.timelines().of(source);
        boolean streaming = stream.map(st -> running(st, now)).orElse(false);
        out.add(snapshotAge(repo, source, snapshots, streaming, rpo, now));
        out.add(streamLag(source, stream, rpo, now));
        out.add(gaps(source, timelines));
        out.add(lastDrill(source, Drills.latest(repo, source), options.profile(), options.drillMaxAge(), now));
        return out;
    }

    static boolean running(StreamStatus st, Instant now) {
        return !st.state().equals("stopped") && Duration.between(st.updatedAt(), now).compareTo(STALE) <= 0;
    }

    static Check snapshotAge(Repository repo, String source, List<SnapshotManifest> snapshots, boolean streaming,
                             Duration rpo, Instant now) {
        String id = "backup.snapshot-age";
        String fix = "redback backup --redis <URI> --repo <URL> --name " + source + " (and schedule it)";
        if (snapshots.isEmpty()) {
            return Check.fail(id, "source " + source + " has no snapshot in " + repo.describe(),
                    evidence("repository", repo.describe(), "source", source), fix);
        }
        SnapshotManifest last = snapshots.get(0);
        long age = Duration.between(last.finishedAt(), now).toSeconds();
        // With a running stream the log carries the RPO; the snapshot only bounds replay time.
        Duration limit = rpo != null && !streaming ? rpo : DEFAULT_SNAPSHOT_AGE;
        Object[] ev = {"snapshot", last.id().toString(), "finishedAt", last.finishedAt().toString(), "ageSeconds", age,
                "limitSeconds", limit.toSeconds(), "streaming", streaming};
        if (age > limit.toSeconds()) {
            return Check.fail(id, "the newest snapshot is " + age / 3600 + " h old, beyond " + limit.toHours() + " h"
                    + (rpo != null && !streaming ? " (the RPO, with no stream running)" : ""), evidence(ev), fix);
        }
        return Check.ok(id, "the newest snapshot is " + age + " s old", evidence(ev));
    }

    static Check streamLag(String source, Optional<StreamStatus> stream, Duration rpo, Instant now) {
        String id = "backup.stream-lag";
        if (stream.isEmpty()) {
            return Check.skip(id, "no `redback stream` ever ran for " + source + " (no stream.json)");
        }
        StreamStatus st = stream.get();
        long seen = Duration.between(st.updatedAt(), now).toSeconds();
        Object[] ev = {"state", st.state(), "updatedAt", st.updatedAt().toString(), "lagBytes", st.lagBytes(),
                "lagSeconds", st.lagSeconds(), "rpoSeconds", rpo == null ? null : rpo.toSeconds()};
        String fix = "redback stream --redis <URI> --repo <URL> --name " + source + " (run it under a supervisor)";
        if (!running(st, now)) {
            return Check.fail(id, "the stream is not running (" + st.state() + ", last seen " + seen + " s ago): "
                    + "nothing written since is protected", evidence(ev), fix);
        }
        if (rpo != null && st.lagSeconds() != null && st.lagSeconds() > rpo.toSeconds()) {
            return Check.fail(id, "the stream is " + st.lagSeconds() + " s behind, beyond the RPO of "
                    + rpo.toSeconds() + " s", evidence(ev), "check the repository's reachability and the spool "
                    + "(redback status)");
        }
        return Check.ok(id, "the stream runs, " + (st.lagSeconds() == null ? "lag unknown"
                : st.lagSeconds() + " s behind"), evidence(ev));
    }

    static Check gaps(String source, List<Timeline> timelines) {
        String id = "backup.gaps";
        if (timelines.isEmpty()) {
            return Check.skip(id, "no timeline: no log shipped for " + source);
        }
        List<String> gaps = new ArrayList<>();
        for (Timeline t : timelines) {
            for (Timeline.Gap g : t.gaps()) {
                gaps.add(t.id() + ": offsets " + g.afterOffset() + ".." + g.upToOffset());
            }
        }
        Object[] ev = {"timelines", timelines.size(), "gaps", gaps};
        if (!gaps.isEmpty()) {
            return Check.fail(id, gaps.size() + " gap(s) in the shipped log: restores stop before each", evidence(ev),
                    "redback check --repo <URL> --name " + source + " for details; a new snapshot (redback backup) "
                            + "starts a restorable point after them");
        }
        return Check.ok(id, timelines.size() + " timeline(s) without gaps", evidence(ev));
    }

    /**
     * The newest restore drill, judged as {@code status} judges it ({@link Drills#overdue}): a
     * failed one fails; none, or none within maxAge, warns a store and is noted for a cache,
     * whose data can be refilled, so an unproven backup of it risks no data.
     */
    static Check lastDrill(String source, Optional<DrillResult> latest, Profile profile, Duration maxAge,
                           Instant now) {
        String id = "backup.last-drill";
        String drill = "redback drill --name " + source + " --repo <URL>";
        String schedule = drill + ", or schedule it in the agent (drill: {every: 30d})";
        boolean store = profile == Profile.STORE;
        if (latest.isEmpty()) {
            Object[] ev = {"source", source, "maxAgeSeconds", maxAge.toSeconds()};
            if (!store) {
                return Check.ok(id, "no restore drill recorded: fine for a cache, which can be refilled; `" + drill
                        + "` proves the backups restore", evidence(ev));
            }
            return Check.warn(id, "no restore drill recorded for " + source + ": nothing proves the backups restore",
                    evidence(ev), schedule);
        }
        DrillResult d = latest.get();
        Duration age = d.age(now);
        Object[] ev = {"drill", d.id(), "startedAt", d.startedAt(), "ageSeconds", age.toSeconds(),
                "verdict", d.verdict(), "rtoSeconds", d.rtoSeconds(), "rtoLimitSeconds", d.rtoLimitSeconds(),
                "problems", d.problems(), "maxAgeSeconds", maxAge.toSeconds()};
        if (!d.passed()) {
            String first = d.problems().isEmpty() ? "no problem recorded" : d.problems().get(0)
                    + (d.problems().size() > 1 ? " (and " + (d.problems().size() - 1) + " more)" : "");
            return Check.fail(id, "the newest drill, " + d.id() + " (" + span(age) + " ago), failed: " + first,
                    evidence(ev), "fix what the drill found (every problem is in the evidence, and in its record "
                            + "sources/" + source + "/drills/" + d.id() + ".json), then " + drill);
        }
        String passed = "the newest drill passed " + span(age) + " ago (" + d.id() + ", RTO "
                + String.format(Locale.ROOT, "%.3f s", d.rtoSeconds()) + ")";
        if (Drills.overdue(latest, now, maxAge)) {
            if (!store) {
                return Check.ok(id, passed + ", older than " + span(maxAge) + ": fine for a cache, which can be "
                        + "refilled", evidence(ev));
            }
            return Check.warn(id, passed + ", older than " + span(maxAge) + " (--drill-max-age): the backups "
                    + "since are not proven to restore", evidence(ev), schedule);
        }
        return Check.ok(id, passed, evidence(ev));
    }

    /** An age in its largest whole unit (37 d, 5 h, 12 min, 42 s; under a second, 500 ms). */
    static String span(Duration d) {
        long s = Math.max(0, d.toSeconds());
        if (s == 0 && d.toMillis() > 0) {
            return d.toMillis() + " ms";
        }
        if (s >= 86_400) {
            return s / 86_400 + " d";
        }
        if (s >= 3_600) {
            return s / 3_600 + " h";
        }
        if (s >= 60) {
            return s / 60 + " min";
        }
        return s + " s";
    }
}
