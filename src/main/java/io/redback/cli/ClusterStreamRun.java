package io.redback.cli;

import com.fasterxml.jackson.annotation.JsonUnwrapped;
import io.redback.cluster.ClusterBackup;
import io.redback.cluster.ClusterException;
import io.redback.cluster.ClusterSnapshot;
import io.redback.cluster.ClusterStream;
import io.redback.cluster.ShardMap;
import io.redback.redis.RedisUri;
import io.redback.repo.Quantities;
import io.redback.repo.Repository;
import io.redback.storage.Storage;
import io.redback.stream.Streamer;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/**
 * {@code stream --cluster}: one link per shard in this process, their events printed with the
 * shard in front (text) or as {@code shard} and {@code source} fields (JSON), and the cluster's
 * own events: topology recorded, cluster snapshots, a shard failing or removed.
 */
final class ClusterStreamRun {
    private final StreamCommand command;
    private final PrintWriter out;
    private final PrintWriter err;

    ClusterStreamRun(StreamCommand command, PrintWriter out, PrintWriter err) {
        this.command = command;
        this.out = out;
        this.err = err;
    }

    int run(RedisUri uri, Streamer.Options shard, Clock clock) {
        boolean json = command.json;
        ClusterStream.Options options;
        try {
            options = new ClusterStream.Options(shard.source(), shard,
                    Quantities.duration("--topology-every", command.topologyEvery),
                    new ClusterBackup.Options(false, false, shard.compression(), shard.link()));
        } catch (RuntimeException e) {
            err.println("redback stream: " + Text.message(e));
            return Main.USAGE;
        }
        try (Storage storage = command.repo.openStorage()) {
            Repository repository = command.repo.openOrInit(storage, clock);
            ClusterStream stream = new ClusterStream(uri, repository, options, e -> print(out, e, json), clock);
            StopSignals.onInterruptOrTerminate(stream::stop);
            Thread hook = new Thread(() -> {
                stream.stop();
                try {
                    stream.awaitStopped(Duration.ofSeconds(90));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "redback-stop");
            Runtime.getRuntime().addShutdownHook(hook);
            StreamCommand.println(out, "streaming the cluster at " + uri.address() + " as " + options.cluster()
                    + ".shard-<N> into " + repository.describe() + " (spools under " + shard.spool()
                    + (shard.durableAt() == Streamer.DurableAt.REPOSITORY ? "; WAITAOF waits for the repository" : "")
                    + ")", "started", new StartedJson(options.cluster(), uri.address(), repository.describe(),
                    shard.spool().toString(), shard.durableAt().name().toLowerCase(Locale.ROOT)), json);
            List<String> failed;
            try {
                failed = stream.run();
            } finally {
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException shuttingDown) {
                    // The hook is what stopped us; it is running now.
                }
            }
            if (!failed.isEmpty()) {
                err.println("redback stream: " + failed.size() + " shard failure(s) while streaming (each was "
                        + "started again; the other shards kept shipping): " + String.join("; ", failed));
                return Main.PROBLEM;
            }
            return Main.OK;
        } catch (ClusterException e) {
            err.println("redback stream: " + e.getMessage());
            return Main.USAGE;
        } catch (IOException | RuntimeException e) {
            err.println("redback stream: " + Text.message(e));
            return Main.USAGE;
        }
    }

    static void print(PrintWriter out, ClusterStream.Event event, boolean json) {
        if (event instanceof ClusterStream.ShardEvent s) {
            StreamCommand.Line line = StreamCommand.line(s.event());
            if (json) {
                synchronized (out) {
                    out.println(Json.line(new ShardLineJson(Instant.now().toString(), line.event(), s.index(),
                            s.source(), line.fields())));
                    out.flush();
                }
            } else {
                StreamCommand.println(out, "shard " + s.index() + " (" + s.address() + "): " + line.text(),
                        line.event(), line.fields(), false);
            }
            return;
        }
        String name;
        Object fields = event;
        String text;
        if (event instanceof ClusterStream.ShardStarted s) {
            name = "shard-started";
            fields = new ShardStartedJson(s.index(), s.source(), s.address(), s.spool().toString());
            text = "shard " + s.index() + ": streaming " + s.address() + " as " + s.source() + " (spool " + s.spool()
                    + ")";
        } else if (event instanceof ClusterStream.ShardFailed f) {
            name = "shard-failed";
            fields = new ShardFailedJson(f.index(), f.source(), f.reason(), f.retryIn().toMillis());
            text = "ERROR: shard " + f.index() + " (" + f.source() + ") stopped: " + f.reason() + "; the other "
                    + "shards keep shipping; this shard starts again in " + f.retryIn().toSeconds() + " s from its "
                    + "spool (if it keeps failing, see its stream.json with `redback status --name " + f.source()
                    + "`; the exit code will be 1)";
        } else if (event instanceof ClusterStream.ShardRemoved r) {
            name = "shard-removed";
            fields = new ShardJson(r.index(), r.source());
            text = "shard " + r.index() + " serves no slot any more: its link stopped (" + r.source()
                    + " keeps its history)";
        } else if (event instanceof ClusterStream.TopologyRecorded t) {
            name = "topology";
            ShardMap m = t.map();
            fields = new TopologyJson(m.id(), m.slotsChanged(), m.changes(), m.shards().stream()
                    .map(s -> new TopologyShardJson(s.index(), s.source(), s.primaryAddress(), s.slots())).toList());
            StringBuilder b = new StringBuilder("topology recorded (clusters/" + m.cluster() + "/shards/" + m.id()
                    + ".json): ");
            b.append(String.join("; ", m.changes()));
            for (ShardMap.Shard s : m.shards()) {
                b.append(System.lineSeparator()).append("  shard ").append(s.index()).append("  slots ")
                        .append(String.join(",", s.slots())).append("  primary ").append(s.primaryAddress());
            }
            text = b.toString();
        } else if (event instanceof ClusterStream.TopologyUnreadable u) {
            name = "topology-unreadable";
            text = "WARNING: the cluster's topology could not be read (" + u.reason() + "); the links keep their "
                    + "nodes, trying again";
        } else if (event instanceof ClusterStream.SnapshotDeferred d) {
            name = "cluster-snapshot-deferred";
            text = "slots are migrating (" + String.join("; ", d.migrating().stream().limit(3).toList())
                    + (d.migrating().size() > 3 ? "; ..." : "") + "): the cluster snapshot waits for the end of the "
                    + "resharding";
        } else if (event instanceof ClusterStream.SnapshotTaken t) {
            name = "cluster-snapshot";
            ClusterSnapshot c = t.snapshot();
            fields = new ClusterSnapshotJson(c.id(), c.shards().stream()
                    .map(s -> new ShardSnapshotJson(s.index(), s.source(), s.snapshot(), s.slots())).toList());
            text = ClusterText.line(c) + " stored";
        } else if (event instanceof ClusterStream.SnapshotFailed f) {
            name = "cluster-snapshot-failed";
            text = "WARNING: the cluster snapshot failed (" + f.reason() + "); trying again at the next reading of "
                    + "the topology";
        } else if (event instanceof ClusterStream.Stopped s) {
            name = "cluster-stopped";
            text = "stopped: " + s.shards() + " shard links stopped" + (s.failedShards().isEmpty() ? ""
                    : "; shards failed meanwhile: " + String.join("; ", s.failedShards()));
        } else {
            throw new IllegalStateException("unknown event " + event);
        }
        StreamCommand.println(out, text, name, fields, json);
    }

    /** A shard's event: its own fields after which shard and source it is. */
    record ShardLineJson(String time, String event, int shard, String source, @JsonUnwrapped Object fields) {
    }

    /** {@code started}: which cluster, from which node, into which repository. */
    record StartedJson(String cluster, String address, String repository, String spool, String durableAt) {
    }

    /** {@code shard-started}. */
    record ShardStartedJson(int shard, String source, String address, String spool) {
    }

    /** {@code shard-removed}. */
    record ShardJson(int shard, String source) {
    }

    /** {@code shard-failed}. */
    record ShardFailedJson(int shard, String source, String reason, long retryInMs) {
    }

    /** {@code topology}: the record written, what changed, and each shard. */
    record TopologyJson(String record, boolean slotsChanged, List<String> changes, List<TopologyShardJson> shards) {
    }

    /** One shard of {@code topology}. */
    record TopologyShardJson(int shard, String source, String primary, List<String> slots) {
    }

    /** {@code cluster-snapshot}. */
    record ClusterSnapshotJson(String id, List<ShardSnapshotJson> shards) {
    }

    /** One shard of {@code cluster-snapshot}. */
    record ShardSnapshotJson(int shard, String source, String snapshot, List<String> slots) {
    }
}
