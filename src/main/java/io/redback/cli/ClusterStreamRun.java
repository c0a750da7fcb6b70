package io.redback.cli;

import io.redback.cluster.ClusterBackup;
import io.redback.cluster.ClusterException;
import io.redback.cluster.ClusterSnapshot;
import io.redback.cluster.ClusterStream;
import io.redback.cluster.ClusterStreamEvents;
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
        StreamCommand.Line line = StreamCommand.line(ClusterStreamEvents.describe(event), exitNote(event));
        StreamCommand.println(out, line.text(), line.event(), line.fields(), json);
    }

    /** What a cluster stream's event means for this command's exit code, said after its sentence ("" for most). */
    static String exitNote(ClusterStream.Event event) {
        if (event instanceof ClusterStream.ShardEvent s) {
            return StreamCommand.exitNote(s.event());
        }
        if (event instanceof ClusterStream.ShardFailed f) {
            return " (if it keeps failing, see its stream.json with `redback status --name " + f.source()
                    + "`; the exit code will be 1)";
        }
        return "";
    }

    /** {@code started}: which cluster, from which node, into which repository. */
    record StartedJson(String cluster, String address, String repository, String spool, String durableAt) {
    }
}
