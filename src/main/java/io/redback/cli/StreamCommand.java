package io.redback.cli;

import com.fasterxml.jackson.annotation.JsonUnwrapped;
import io.redback.cluster.ClusterDiscovery;
import io.redback.repo.Quantities;
import io.redback.redis.RedisUri;
import io.redback.repo.Compression;
import io.redback.repo.Repository;
import io.redback.storage.Storage;
import io.redback.stream.StreamEvent;
import io.redback.stream.StreamEvents;
import io.redback.stream.StreamFailedException;
import io.redback.stream.Streamer;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code redback stream}: continuous log shipping. Runs until SIGINT/SIGTERM, printing one line
 * per event (timeline started, continued, disconnected, repository failing/back, spool filling),
 * and stops cleanly: the open segment is spooled and the spool drained before it exits.
 */
@Command(name = "stream", mixinStandardHelpOptions = true,
        description = {"Ship every write of a Redis or Valkey server to the repository, continuously.",
                "",
                "redback connects as a replica (PSYNC; the user needs +psync +replconf +sync). The first full sync "
                        + "is stored as a snapshot and starts a timeline; every command after it is acknowledged "
                        + "(REPLCONF ACK, so WAIT counts redback), written to a local spool (fsync'd) at least every "
                        + "--flush-interval, and shipped to the repository in order as segments. Each ACK also "
                        + "carries FACK, the offset that is durable (see --durable-at), so WAITAOF on the source "
                        + "(Redis 7.2+, Valkey) returns once redback holds a write safely; while a client waits, "
                        + "redback fsyncs at once (one fsync for all the writes that wait). A broken link is "
                        + "resumed where it stopped (PSYNC replid offset); if the source cannot continue, a new "
                        + "full sync starts a new timeline, and the break is reported, never hidden. If the "
                        + "repository is unreachable, segments wait in the spool (up to --max-spool) and drain when "
                        + "it is back. Restore any second with `redback restore --at`."},
        footerHeading = "%nExamples:%n",
        footer = {"  redback stream --redis redis://10.0.0.5:6379 --password-env REDIS_PASSWORD --repo s3://backups/redis",
                "  redback stream --redis redis://127.0.0.1 --name sessions --spool /var/lib/redback/spool "
                        + "--snapshot-every 6h",
                "",
                "Stop it with Ctrl-C or SIGTERM; it flushes before exiting. Keep the spool on a durable disk: it "
                        + "holds what the repository does not have yet, and a restarted stream resumes from it.",
                "The source's repl-backlog-size decides how long redback may be away and still continue the "
                        + "timeline; the stream warns when it holds less than a minute of writes. Run `redback "
                        + "compact` hourly (cron) to merge the one-second segments into big ones; `redback status` "
                        + "shows the lag and the recovery window.",
                "Exit codes: 0 stopped cleanly, 1 failed while running (a thread died, e.g. out of memory: the "
                        + "'failed' event and stream.json say why; restart it), 2 could not start (bad options, spool "
                        + "in use, repository problem). With a cluster, 1 also when a shard failed while streaming "
                        + "(it was started again and the other shards shipped on; the shard-failed events say why)."})
public final class StreamCommand implements Callable<Integer> {
    @Mixin
    SourceOptions source;

    @Mixin
    RepoOptions repo;

    @Mixin
    SourceNameOption name;

    @Option(names = "--spool", paramLabel = "DIR", description = "Local folder for segments not yet in the repository "
            + "(default: ./redback-spool/<name>); created 0700, its files 0600.")
    Path spool;

    @Option(names = "--flush-interval", paramLabel = "DURATION", defaultValue = "1s",
            description = "Close a segment at least this often: the most writes a crash of redback can lose "
                    + "(default: ${DEFAULT-VALUE}).")
    String flushInterval;

    @Option(names = "--segment-size", paramLabel = "SIZE", defaultValue = "16MiB",
            description = "Close a segment when it reaches this size (default: ${DEFAULT-VALUE}).")
    String segmentSize;

    @Option(names = "--max-spool", paramLabel = "SIZE", defaultValue = "1GiB",
            description = "The most the spool may hold while the repository is unreachable; at 80%% a warning, at "
                    + "100%% reading from the source pauses (default: ${DEFAULT-VALUE}).")
    String maxSpool;

    @Option(names = "--snapshot-every", paramLabel = "DURATION",
            description = "Also take a snapshot this often (e.g. 6h), so that a restore replays less log; with a cluster, "
                    + "a cluster snapshot (every shard at once) (default: never).")
    String snapshotEvery;

    @Option(names = "--compress", paramLabel = "zstd:N|none", defaultValue = "zstd:3",
            description = "How to store snapshots and segments (default: ${DEFAULT-VALUE}).")
    String compress;

    @Option(names = "--durable-at", paramLabel = "spool|repository", defaultValue = "spool",
            description = "What WAITAOF waits for: spool, writes fsync'd on this host's spool (about one fsync); "
                    + "repository, writes whose segment the repository has committed, so they survive the loss of "
                    + "this host too (about one upload; a segment per group of waits, so run `redback compact`) "
                    + "(default: ${DEFAULT-VALUE}).")
    String durableAt;

    @Option(names = "--ack-when", paramLabel = "received|spooled", defaultValue = "received",
            description = "What WAIT waits for: received, writes redback has received (as a Redis replica acks); "
                    + "spooled, writes fsync'd on this host's spool, so that a WAIT 1 that returned means durable in "
                    + "redback (about one fsync per wait; the source sees redback lag by as much) "
                    + "(default: ${DEFAULT-VALUE}).")
    String ackWhen;

    @Option(names = "--json", description = "Print events as JSON lines instead of text.")
    boolean json;

    @Option(names = "--cluster", description = "The source is a Redis Cluster (any node of it): one replication link "
            + "per shard in this process, each shipping into its shard's source <name>.shard-<N> with its own spool "
            + "under --spool; failovers followed, topology changes recorded and followed by a cluster snapshot. "
            + "Without it, a server saying cluster_enabled:1 is streamed this way, and redback says so.")
    boolean cluster;

    @Option(names = "--topology-every", paramLabel = "DURATION", defaultValue = "5s",
            description = "With a cluster: read the topology again this often (a broken link reads it at once) "
                    + "(default: ${DEFAULT-VALUE}).")
    String topologyEvery;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = Terminal.out(spec);
        PrintWriter err = Terminal.err(spec);
        RedisUri uri;
        Streamer.Options options;
        try {
            uri = source.uri();
            String sourceName = name.resolve(uri);
            options = new Streamer.Options(sourceName,
                    spool != null ? spool : Path.of("redback-spool", sourceName),
                    Quantities.duration("--flush-interval", flushInterval),
                    Quantities.size("--segment-size", segmentSize), Quantities.size("--max-spool", maxSpool),
                    snapshotEvery == null ? null : Quantities.duration("--snapshot-every", snapshotEvery),
                    Compression.parse(compress), Duration.ofSeconds(30), source.replicaOptions(),
                    durableAt(durableAt), ackWhen(ackWhen));
        } catch (IOException | RuntimeException e) {
            err.println("redback stream: " + Text.message(e));
            return Main.USAGE;
        }
        Clock clock = Clock.systemUTC();
        if (!cluster) {
            try {
                if (ClusterDiscovery.enabled(uri)) {
                    err.println("redback stream: " + uri.address() + " is a cluster node (cluster_enabled:1): "
                            + "streaming the whole cluster, one link per shard");
                    err.flush();
                    cluster = true;
                }
            } catch (IOException | RuntimeException e) {
                // unreachable now: the stream says so itself and keeps trying
            }
        }
        if (cluster) {
            return new ClusterStreamRun(this, out, err).run(uri, options, clock);
        }
        try (Storage storage = repo.openStorage()) {
            Repository repository = repo.openOrInit(storage, clock);
            Streamer streamer = new Streamer(uri, repository, options, event -> print(out, event, json), clock);
            // SIGINT/SIGTERM ask the stream to stop; run() then flushes, drains and returns, and we exit 0.
            // A shutdown hook is the fallback (e.g. System.exit elsewhere): it waits for the same clean stop.
            StopSignals.onInterruptOrTerminate(streamer::stop);
            Thread hook = new Thread(() -> {
                streamer.stop();
                try {
                    streamer.awaitStopped(Duration.ofSeconds(60));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "redback-stop");
            Runtime.getRuntime().addShutdownHook(hook);
            printStarted(out, uri, options, repository, json);
            try {
                streamer.run();
            } finally {
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException shuttingDown) {
                    // The hook is what stopped us; it is running now.
                }
            }
            return Main.OK;
        } catch (StreamFailedException e) {
            err.println("redback stream: " + Text.message(e));
            return Main.PROBLEM;
        } catch (IOException | RuntimeException e) {
            err.println("redback stream: " + Text.message(e));
            return Main.USAGE;
        }
    }

    static Streamer.DurableAt durableAt(String value) {
        return switch (value) {
            case "spool" -> Streamer.DurableAt.SPOOL;
            case "repository" -> Streamer.DurableAt.REPOSITORY;
            default -> throw new IllegalArgumentException("--durable-at must be spool or repository, not '" + value
                    + "'");
        };
    }

    static Streamer.AckWhen ackWhen(String value) {
        return switch (value) {
            case "received" -> Streamer.AckWhen.RECEIVED;
            case "spooled" -> Streamer.AckWhen.SPOOLED;
            default -> throw new IllegalArgumentException("--ack-when must be received or spooled, not '" + value + "'");
        };
    }

    /** The line a stream prints once it runs, before its first event (the demo prints it too). */
    static void printStarted(PrintWriter out, RedisUri uri, Streamer.Options options, Repository repository,
                             boolean json) {
        println(out, "streaming " + uri.address() + " as " + options.source() + " into " + repository.describe()
                + " (spool " + options.spool() + (options.durableAt() == Streamer.DurableAt.REPOSITORY
                ? "; WAITAOF waits for the repository" : "") + ")", "started", new StartedJson(options.source(),
                uri.address(), repository.describe(), options.spool().toString(),
                options.durableAt().name().toLowerCase(Locale.ROOT)), json);
    }

    /**
     * Prints one event as a timestamped line of text, or as a JSON line (the demo prints them too).
     * An event whose fields are already what the line shows is written as it is.
     */
    static void print(PrintWriter out, StreamEvent event, boolean json) {
        Line line = line(event);
        println(out, line.text(), line.event(), line.fields(), json);
    }

    /** An event as its name, its JSON fields and its line of text. */
    record Line(String event, Object fields, String text) {
    }

    /** What {@link #print} prints of an event: its words ({@link StreamEvents}) and what the exit code does. */
    static Line line(StreamEvent event) {
        return line(StreamEvents.describe(event), exitNote(event));
    }

    /** An event's words as a line, with what only this command says of it after the sentence. */
    static Line line(StreamEvents.Words words, String note) {
        return new Line(words.event(), new Json.Fields(words.fields()), words.message() + note);
    }

    /** What a stream's event means for this command's exit code, said after its sentence ("" for most). */
    static String exitNote(StreamEvent event) {
        return event instanceof StreamEvent.ThreadDied ? " (stream.json says failed; the exit code is 1)" : "";
    }

    /** One JSON line: when, which event, then the event's own fields. */
    record LineJson(String time, String event, @JsonUnwrapped Object fields) {
    }

    /** {@code started}: what is streamed where, and where WAITAOF waits. */
    record StartedJson(String source, String address, String repository, String spool, String durableAt) {
    }

    static void println(PrintWriter out, String text, String event, Object fields, boolean json) {
        synchronized (out) {
            if (json) {
                out.println(Json.line(new LineJson(Instant.now().toString(), event, fields)));
            } else {
                out.println(Instant.now().toString().replaceFirst("\\.\\d+Z$", "Z") + " " + text);
            }
            out.flush();
        }
    }
}
