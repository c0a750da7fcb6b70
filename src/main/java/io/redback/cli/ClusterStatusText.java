package io.redback.cli;

import io.redback.cluster.ClusterSnapshot;
import io.redback.cluster.ClusterStatus;
import io.redback.pitr.Window;
import io.redback.repo.SnapshotManifest;
import io.redback.repo.StreamStatus;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/** How {@code status} shows a cluster: each shard in a line, then the window common to all of them. */
final class ClusterStatusText {
    private ClusterStatusText() {
    }

    static void print(PrintWriter out, ClusterStatus c, Instant now, String repo) {
        ClusterSnapshot newest = c.newest();
        out.println("cluster " + c.cluster() + ": " + c.shards().size() + " shards" + (newest == null ? ""
                : " (newest cluster snapshot " + newest.id() + ", " + c.snapshots().size() + " in all)"));
        for (ClusterStatus.Shard s : c.shards()) {
            out.println(String.format(Locale.ROOT, "  shard %-4d %s%s", s.index(), s.source(),
                    s.slots().isEmpty() ? "" : ", slots " + String.join(",", s.slots())));
            out.println("             snapshot " + s.newestSnapshot().map(m -> m.id() + " (" + TimelineText.ago(
                    m.finishedAt(), now) + ")").orElse("none"));
            out.println("             log      " + s.window().map(w -> TimelineText.second(w.fromTime()) + " .. "
                    + TimelineText.second(w.toTime())).orElse("no restorable window (no log shipped from a snapshot)"));
            out.println("             stream   " + s.stream().map(st -> streamState(st, now)).orElse("never ran"));
        }
        if (c.hasCommonWindow()) {
            out.println("  common window  " + TimelineText.second(c.commonFrom()) + " .. " + TimelineText.second(c.commonTo())
                    + " (" + TimelineText.span(Duration.between(c.commonFrom(), c.commonTo())) + "): any second of it "
                    + "restores on every shard (`redback restore --name " + c.cluster() + " --at TIME --to-dir DIR`)");
        } else {
            out.println("  common window  none: " + why(c));
        }
    }

    private static String why(ClusterStatus c) {
        if (c.snapshots().isEmpty()) {
            return "no cluster snapshot says which shards the cluster has (`redback backup --cluster` takes one)";
        }
        for (ClusterStatus.Shard s : c.shards()) {
            if (s.window().isEmpty()) {
                return "shard " + s.index() + " (" + s.source() + ") has no restorable window; only cluster snapshots "
                        + "restore";
            }
        }
        return "the shards' windows do not overlap after the first cluster snapshot";
    }

    private static String streamState(StreamStatus st, Instant now) {
        boolean stale = Duration.between(st.updatedAt(), now).compareTo(StatusCommand.STALE) > 0;
        String state = stale || st.state().equals("stopped") || st.state().equals("failed")
                ? "not running (" + st.state() + ", last seen " + TimelineText.ago(st.updatedAt(), now) + ")"
                : st.state();
        return state + ", lag " + Text.size(st.lagBytes()) + (st.lagSeconds() == null ? ""
                : String.format(Locale.ROOT, ", %.1f s", st.lagSeconds()));
    }

    /** A cluster in {@code status --json}: each shard, and the common window (null when there is none). */
    record ClusterJson(String cluster, String newestClusterSnapshot, int clusterSnapshots, List<ShardJson> shards,
                       CommonJson commonWindow) {
    }

    record ShardJson(int index, String source, List<String> slots, String newestSnapshot, String newestSnapshotAt,
                     String windowFrom, String windowTo, String streamState, Long lagBytes, Double lagSeconds) {
    }

    record CommonJson(String from, String to, double seconds) {
    }

    static ClusterJson json(ClusterStatus c, Instant now) {
        List<ShardJson> shards = c.shards().stream().map(s -> {
            SnapshotManifest m = s.newestSnapshot().orElse(null);
            Window w = s.window().orElse(null);
            StreamStatus st = s.stream().orElse(null);
            return new ShardJson(s.index(), s.source(), s.slots(), m == null ? null : m.id().toString(),
                    m == null ? null : m.finishedAt().toString(), w == null ? null : w.fromTime().toString(),
                    w == null ? null : w.toTime().toString(), st == null ? null : st.state(),
                    st == null ? null : st.lagBytes(), st == null ? null : st.lagSeconds());
        }).toList();
        CommonJson common = c.hasCommonWindow() ? new CommonJson(c.commonFrom().toString(), c.commonTo().toString(),
                Duration.between(c.commonFrom(), c.commonTo()).toMillis() / 1000.0) : null;
        return new ClusterJson(c.cluster(), c.newest() == null ? null : c.newest().id(), c.snapshots().size(), shards,
                common);
    }
}
