package io.redback.cli;

import io.redback.cluster.ClusterException;
import io.redback.cluster.ClusterMark;
import io.redback.redis.RedisUri;
import io.redback.repo.Quantities;
import io.redback.repo.Repository;
import io.redback.storage.Storage;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Clock;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code redback cluster mark}: what concerns a Redis Cluster as a whole rather than one shard. */
@Command(name = "cluster", mixinStandardHelpOptions = true,
        description = {"Commands for a Redis Cluster as a whole (its shards are streamed with `redback stream "
                + "--cluster` and backed up with `redback backup --cluster`)."},
        subcommands = {ClusterCommand.Mark.class})
public final class ClusterCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** {@code redback cluster mark NAME}: a named, consistent cut of every shard. */
    @Command(name = "mark", mixinStandardHelpOptions = true,
            description = {"Record a named, consistent cut of a cluster: writes are paused on every primary "
                    + "(CLIENT PAUSE WRITE, for milliseconds), each shard's replication offset is read, and writes "
                    + "resume. `redback restore --name CLUSTER --mark MARK` (--to-dir or --into) restores every shard "
                    + "to its offset: the whole cluster as it was at that instant. The shards must be streamed "
                    + "(`redback stream --cluster`) for their logs to reach the mark."},
            footerHeading = "%nExamples:%n",
            footer = {"  redback cluster mark before-deploy-42 --redis redis://10.0.0.7:7000 --name shop --repo s3://backups/redis",
                    "  redback restore --name shop --mark before-deploy-42 --to-dir ./restore --repo s3://backups/redis",
                    "",
                    "The mark is stored as clusters/<name>/marks/<mark>.json and never replaced. The user needs "
                            + "+client|pause +client|unpause +info +cluster on every primary (Redis 6.2 or later).",
                    "Exit codes: 0 stored, 2 refused (name taken, slots migrating, a primary refused the pause) or "
                            + "unreachable."})
    static final class Mark implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "MARK", description = "The mark's name (letters, digits, . _ -).")
        String mark;

        @Mixin
        SourceOptions source;

        @Mixin
        RepoOptions repo;

        @Mixin
        SourceNameOption name;

        @Option(names = "--pause-for", paramLabel = "DURATION", defaultValue = "2s",
                description = "The longest writes may stay paused if redback is cut off before it unpauses them; "
                        + "they are unpaused as soon as every offset is read (default: ${DEFAULT-VALUE}).")
        String pauseFor;

        @Option(names = "--json", description = "Print the stored mark as JSON.")
        boolean json;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = Terminal.out(spec);
            PrintWriter err = Terminal.err(spec);
            Clock clock = Clock.systemUTC();
            try {
                RedisUri uri = source.uri();
                String cluster = name.resolve(uri);
                try (Storage storage = repo.openStorage()) {
                    Repository repository = repo.openOrInit(storage, clock);
                    ClusterMark m = ClusterMark.take(repository, cluster, uri, mark,
                            Quantities.duration("--pause-for", pauseFor), clock);
                    if (json) {
                        out.println(Json.write(m));
                    } else {
                        out.println("mark " + m.name() + " of " + cluster + " stored at " + m.createdAt()
                                + " (writes paused for " + m.pausedMs() + " ms)");
                        for (ClusterMark.Shard s : m.shards()) {
                            out.println("  shard " + s.index() + "  slots " + String.join(",", s.slots())
                                    + "  replication " + s.replicationId() + ":" + s.offset()
                                    + (s.timeline() == null ? "  (no stream of " + s.source()
                                    + " follows this replication id: run `redback stream --cluster`)"
                                    : "  timeline " + s.timeline()));
                        }
                        out.println("restore one shard of it with: redback restore --name <source> --timeline <timeline> "
                                + "--offset <offset> --to-dir DIR/shard-<N>");
                    }
                    out.flush();
                    return Main.OK;
                }
            } catch (ClusterException e) {
                err.println("redback cluster mark: " + e.getMessage());
                return Main.USAGE;
            } catch (IOException | RuntimeException e) {
                err.println("redback cluster mark: " + Text.message(e));
                return Main.USAGE;
            }
        }
    }
}
