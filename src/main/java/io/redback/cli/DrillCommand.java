package io.redback.cli;

import io.redback.cluster.ClusterSnapshot;
import io.redback.cluster.ClusterSnapshots;
import io.redback.cluster.ClusterSources;
import io.redback.drill.Assertion;
import io.redback.drill.ClusterDrill;
import io.redback.drill.Drill;
import io.redback.drill.DrillException;
import io.redback.drill.DrillResult;
import io.redback.drill.Drills;
import io.redback.pitr.Planner;
import io.redback.redis.RedisConnector;
import io.redback.redis.RedisServerBinary;
import io.redback.redis.RedisUri;
import io.redback.repo.Quantities;
import io.redback.repo.Repository;
import io.redback.repo.SnapshotId;
import io.redback.restore.KeyFilter;
import io.redback.restore.Phase;
import io.redback.storage.Storage;
import io.redback.time.TimeGrammar;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/**
 * {@code redback drill}: restores a point of a source's backups into a throwaway redis-server (or
 * an empty one named with {@code --into}), validates what it serves, times each phase, records the
 * result in the repository and prints it. The work is {@link Drill}'s; this parses and prints.
 */
@Command(name = "drill", mixinStandardHelpOptions = true,
        description = {"Prove that a backup restores: restore a point into a throwaway redis-server (a free port of "
                + "127.0.0.1, from --server, $REDBACK_REDIS_SERVER or PATH) or into an empty server you name "
                + "(--into, e.g. one with production's version and config), check what it serves, time each phase "
                + "and record the result in the repository (sources/<S>/drills/<id>.json; `redback status` shows "
                + "the last one).",
                "",
                "The point: the newest restorable one by default (the end of the log's newest window, else the "
                        + "newest snapshot); --snapshot ID|latest; --at TIME, or --at random for a uniformly random "
                        + "second of the recovery window (so that over months every part of the history is drilled); "
                        + "--offset N.",
                "",
                "Phases: fetch and verify (a snapshot: sizes, SHA-256s, the RDB read whole), replay (a point in time: "
                        + "its snapshot and log fetched, verified and replayed into one RDB), load (until the server "
                        + "answers PING with loading:0; with --into, the restore itself), validate. Their sum is the "
                        + "RTO, compared with --rto.",
                "",
                "Validation: keys per database and per type equal to what the point holds (less keys expired by now); "
                        + "function libraries present; every --keys-from key present; the --assert expressions; and "
                        + "for --sample keys (1000 by default, chosen at random; 'all' for every key) the served value "
                        + "equal to the restored point's, by a digest equal to DEBUG DIGEST-VALUE that redback "
                        + "computes from DUMP (no debug command on the server). Problems name the first differences.",
                "",
                "--assert grammar (database 0; quote words with spaces): GET key == value, HGET key field == value, "
                        + "TYPE key == type, EXISTS key, SCARD|LLEN|ZCARD|HLEN|STRLEN key == n.",
                "",
                "A cluster snapshot (--snapshot with its id, or --name CLUSTER for its newest): every shard's snapshot "
                        + "is fetched and verified, all of them "
                        + "are restored into one throwaway redis-server (or into --into, an empty server or cluster: "
                        + "each key to the primary of its slot), and validated: each shard's RDB holds the key count "
                        + "the cluster snapshot recorded, the keys served are their sum (less keys expired), function "
                        + "libraries on every primary, the --assert expressions and sampled keys by digest (each read "
                        + "from the primary of its key's slot); --reload-check as for a standalone drill. The result "
                        + "is recorded under each shard's source (<cluster>.shard-<i>).",
                "",
                "The throwaway server is stopped and its files removed at the end, also on Ctrl-C, unless --keep."},
        footerHeading = "%nExamples:%n",
        footer = {"  # the monthly drill, from cron: a random point of the window, 15 minutes at most",
                "  redback drill --name cache-1 --at random --rto 15m",
                "",
                "  redback drill --name cache-1 --snapshot latest --sample all --json",
                "  redback drill --name cache-1 --assert 'GET config:version == 42' --keys-from must-have.txt",
                "  redback drill --name cache-1 --into redis://10.0.0.9:6379 --password-env SCRATCH_PASSWORD",
                "",
                "Exit codes:",
                "  0  passed",
                "  1  failed: the restore, the data or the time (--rto) was not right; the problems say which",
                "  2  could not run: bad options, no repository or source, a point outside the window,",
                "     an --into target that is not empty, no redis-server"})
public final class DrillCommand implements Callable<Integer> {
    static final class What {
        @Option(names = "--snapshot", paramLabel = "ID|latest", required = true,
                description = "Drill this snapshot: an id, the start of one, or 'latest'.")
        String snapshot;

        @Option(names = "--at", paramLabel = "TIME|random", required = true,
                description = "Drill the data as it was at the end of second TIME (as restore --at), or 'random': a "
                        + "uniformly random second of the recovery window.")
        String at;

        @Option(names = "--offset", paramLabel = "N", required = true,
                description = "Drill the data up to replication offset N.")
        String offset;
    }

    @ArgGroup(exclusive = true, multiplicity = "0..1")
    What what;

    @Mixin
    SourceNameOption name;

    @Option(names = "--into", paramLabel = "URI", description = "Restore into this empty server (refused if it holds "
            + "any key) with pipelined RESTORE, instead of a throwaway redis-server.")
    String into;

    @Mixin
    ConnectionOptions intoConnection;

    @Option(names = "--server", paramLabel = "PATH", description = "The redis-server (or valkey-server) binary for the "
            + "throwaway server and for replaying a point in time (default: $REDBACK_REDIS_SERVER, else the newest "
            + "redis-server or valkey-server on PATH).")
    Path server;

    @Option(names = "--sample", paramLabel = "N|all", defaultValue = "1000", description = "Compare the values of N "
            + "keys chosen at random (default 1000), or of all keys.")
    String sample;

    @Option(names = "--keys-from", paramLabel = "FILE", description = "Keys that must be present, one a line.")
    Path keysFrom;

    @Option(names = "--assert", paramLabel = "EXPR", description = "A read and its expected answer, e.g. "
            + "'GET k == v' (repeatable; grammar above).")
    List<String> asserts = new ArrayList<>();

    @Option(names = "--rto", paramLabel = "DURATION", description = "Fail when the phases together take longer "
            + "(e.g. 500ms, 30s, 15m, 1h).")
    String rto;

    @Option(names = "--keep", description = "Leave the throwaway server running with its files, and print how to "
            + "connect to it and remove it.")
    boolean keep;

    @Option(names = "--reload-check", description = "After validating, make the throwaway server SAVE, restart it on "
            + "the file it wrote and validate again: the data must survive the server's own write and read back "
            + "(not with --into).")
    boolean reloadCheck;

    @Mixin
    JsonOption output;

    @Mixin
    QuietOption progress;

    @Mixin
    RepoOptions repo;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /**
     * With --name naming a cluster (it has cluster snapshots and no source of its own): its newest
     * cluster snapshot, unless a snapshot id was given; a time or an offset is refused, since
     * each shard has its own log.
     */
    private java.util.Optional<ClusterSnapshot> newestOfCluster(Repository repository)
            throws IOException, DrillException {
        String cluster = name.given();
        if (cluster == null || repository.sources().contains(cluster)
                || !ClusterSources.isCluster(repository, cluster)) {
            return java.util.Optional.empty();
        }
        if (what != null && (what.at != null || what.offset != null)) {
            throw new DrillException(cluster + " is a cluster: its drill restores a cluster snapshot (--snapshot ID, or "
                    + "none or 'latest' for the newest); for a point in time, restore it with restore --name " + cluster
                    + " --at TIME --into an empty server or cluster");
        }
        if (what != null && what.snapshot != null && !"latest".equals(what.snapshot)) {
            java.util.Optional<ClusterSnapshot> found = ClusterSnapshots.find(repository, what.snapshot);
            if (found.isEmpty() || !found.get().cluster().equals(cluster)) {
                throw new DrillException("cluster " + cluster + " has no cluster snapshot " + what.snapshot
                        + " (redback list shows them)");
            }
            return found;
        }
        List<ClusterSnapshot> all = ClusterSnapshots.list(repository, cluster);
        return java.util.Optional.of(all.get(all.size() - 1));
    }

    @Override
    public Integer call() {
        PrintWriter out = Terminal.out(spec);
        PrintWriter err = Terminal.err(spec);
        try {
            Drill.Options options = options();
            try (Storage storage = repo.openStorage()) {
                Repository repository = repo.open(storage);
                Progressing listener = new Progressing(out, !output.json, !progress.quiet && !output.json);
                java.util.Optional<ClusterSnapshot> cluster = what != null && what.snapshot != null
                        && SnapshotId.isId(what.snapshot) ? ClusterSnapshots.exact(repository, what.snapshot)
                        : newestOfCluster(repository);
                DrillResult r;
                List<DrillResult> records;
                if (cluster.isPresent()) {
                    ClusterDrill drill = new ClusterDrill(repository, cluster.get(), options, listener, Clock.systemUTC(),
                            new SecureRandom());
                    r = drill.run();
                    records = drill.perShard(r);
                } else {
                    r = new Drill(repository, options, listener, Clock.systemUTC(), new SecureRandom()).run();
                    records = List.of(r);
                }
                listener.close();
                try {
                    for (DrillResult each : records) {
                        Drills.record(repository, each);
                    }
                } catch (IOException e) {
                    // The drill's verdict stands; only its record is missing, which status will show.
                    err.println("redback drill: warning: the result could not be recorded in " + repository.describe()
                            + ": " + Text.message(e));
                }
                if (output.json) {
                    out.println(Json.write(json(r)));
                } else {
                    print(out, r);
                }
                out.flush();
                return r.passed() ? Main.OK : Main.PROBLEM;
            }
        } catch (DrillException e) {
            err.println("redback drill: " + e.getMessage());
            return Main.USAGE;
        } catch (IOException | RuntimeException e) {
            err.println("redback drill: " + Text.message(e));
            return Main.USAGE;
        } finally {
            out.flush();
            err.flush();
        }
    }

    private Drill.Options options() throws IOException {
        Drill.Point point = new Drill.Newest();
        if (what != null && what.snapshot != null) {
            point = new Drill.Snapshot(what.snapshot);
        } else if (what != null && what.at != null) {
            point = what.at.strip().equalsIgnoreCase("random") ? new Drill.RandomSecond()
                    : new Drill.At(TimeGrammar.parse(what.at, Clock.systemUTC().instant()));
        } else if (what != null && what.offset != null) {
            point = new Drill.Offset(Planner.parseOffset(what.offset).offset());
        }
        int n;
        if (sample.strip().equalsIgnoreCase("all")) {
            n = -1;
        } else {
            try {
                n = Integer.parseInt(sample.strip().replace("_", "").replace(",", ""));
            } catch (NumberFormatException e) {
                n = -2;
            }
            if (n < 0) {
                throw new IllegalArgumentException("--sample " + sample + ": expected a number of keys, or all");
            }
        }
        List<Assertion> parsed = new ArrayList<>();
        for (String a : asserts) {
            parsed.add(Assertion.parse(a));
        }
        Set<ByteBuffer> keys = keysFrom == null ? null : KeyFilter.readKeys(keysFrom);
        Duration limit = rto == null ? null : Quantities.duration("--rto", rto);
        RedisConnector target = into == null ? null : RedisConnector.of(intoConnection.apply(RedisUri.parse(into)));
        if (keep && target != null) {
            throw new IllegalArgumentException("--keep goes with a throwaway server, not with --into (which stays as "
                    + "it is)");
        }
        Path binary;
        if (server != null) {
            if (!Files.isRegularFile(server) || !Files.isExecutable(server)) {
                throw new IllegalArgumentException("--server " + server + " is not an executable file");
            }
            binary = server.toAbsolutePath();
        } else {
            binary = RedisServerBinary.newest(repo.env());
        }
        if (reloadCheck && target != null) {
            throw new IllegalArgumentException("--reload-check restarts the throwaway server; it cannot be used with "
                    + "--into (a server redback did not start)");
        }
        return new Drill.Options(name.checked(), point, target, binary, n,
                keys, parsed, limit, keep, reloadCheck);
    }

    /** The JSON document: the recorded result, with the fields scripts read first. */
    static Map<String, Object> json(DrillResult r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("verdict", r.verdict());
        m.put("rtoSeconds", r.rtoSeconds());
        m.put("rtoLimitSeconds", r.rtoLimitSeconds());
        m.put("phases", r.phases());
        m.put("keys", r.keys());
        m.put("sampled", r.sampled());
        m.put("problems", r.problems());
        m.put("id", r.id());
        m.put("source", r.source());
        m.put("startedAt", r.startedAt());
        m.put("point", r.point());
        m.put("snapshot", r.snapshot());
        m.put("timeline", r.timeline());
        m.put("cutOffset", r.cutOffset());
        m.put("cutTime", r.cutTime());
        m.put("target", r.target());
        m.put("serverVersion", r.serverVersion());
        m.put("kept", r.kept());
        return m;
    }

    private static void print(PrintWriter out, DrillResult r) {
        out.println("drilled " + r.source() + ": " + (r.point() == null ? "nothing restored" : r.point())
                + (r.target() == null ? "" : " into " + r.target()));
        out.println(String.format(Locale.ROOT, "  keys       %s served; %s compared by digest", Text.count(r.keys()),
                Text.count(r.sampled())));
        for (String p : r.problems()) {
            out.println("  PROBLEM    " + p);
        }
        if (r.kept() != null) {
            String[] hostPort = r.kept().split(" ")[0].split(":");
            out.println("kept the server running at " + r.kept() + ": connect with redis-cli -h " + hostPort[0]
                    + " -p " + hostPort[1] + "; stop it with redis-cli -h " + hostPort[0] + " -p " + hostPort[1]
                    + " shutdown nosave, then remove its files");
        }
        out.println(String.format(Locale.ROOT, "%s: RTO %s%s", r.passed() ? "PASSED" : "FAILED",
                seconds(r.rtoSeconds()), r.rtoLimitSeconds() == null ? "" : " (limit " + seconds(r.rtoLimitSeconds())
                        + ")"));
    }

    static String seconds(double s) {
        return String.format(Locale.ROOT, "%.3f s", s);
    }

    /** Prints one line per phase as it ends, with a progress bar on the long ones that count bytes. */
    private static final class Progressing implements Drill.Listener {
        private final PrintWriter out;
        private final boolean lines;
        private final boolean bars;
        private Progress bar;

        Progressing(PrintWriter out, boolean lines, boolean bars) {
            this.out = out;
            this.lines = lines;
            this.bars = bars;
        }

        @Override
        public void started(Phase phase, long total, AtomicLong progress) {
            close();
            if (total >= 0) {
                bar = Progress.start(phase.jsonName(), total, progress::get, bars);
            }
        }

        @Override
        public void finished(Phase phase, Duration took) {
            close();
            if (lines) {
                out.println(String.format(Locale.ROOT, "  %-10s %s", phase.jsonName(), seconds(took.toNanos() / 1e9)));
                out.flush();
            }
        }

        void close() {
            if (bar != null) {
                bar.close();
                bar = null;
            }
        }
    }
}
