package io.redback.doctor;

import static io.redback.doctor.Check.evidence;

import io.redback.repo.Repository;
import io.redback.repo.SnapshotManifest;
import io.redback.repo.StreamStatus;
import io.redback.repo.Timeline;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The backup side of a source, from the repository: snapshot age, stream lag, gaps, drills. */
final class BackupChecks {
    /** A stream.json older than this means the stream is not running (as {@code redback status} says). */
    static final Duration STALE = Duration.ofSeconds(30);
    /** Without --rpo, the age a newest snapshot may have: a daily backup plus slack. */
    static final Duration DEFAULT_SNAPSHOT_AGE = Duration.ofHours(25);

    private BackupChecks() {
    }

    static List<Check> run(Repository repo, String source, Duration rpo, Instant now) throws IOException {
        List<Check> out = new ArrayList<>();
        List<SnapshotManifest> snapshots = repo.catalog().snapshots(source);
        Optional<StreamStatus> stream = repo.timelines().status(source);
        List<Timeline> timelines = repo.timelines().of(source);
        boolean streaming = stream.map(st -> running(st, now)).orElse(false);
        out.add(snapshotAge(repo, source, snapshots, streaming, rpo, now));
        out.add(streamLag(source, stream, rpo, now));
        out.add(gaps(source, timelines));
        out.add(Check.skip("backup.last-drill", "no drills recorded"));
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
}
