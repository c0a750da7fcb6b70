package io.redback.agent;

import io.redback.backup.ScanSnapshot;
import io.redback.cluster.ClusterSnapshot;
import io.redback.doctor.Doctor;
import io.redback.doctor.Profile;
import io.redback.redis.RedisUri;
import io.redback.redis.TlsOptions;
import io.redback.repo.Compression;
import io.redback.repo.Quantities;
import io.redback.repo.Repository;
import io.redback.repo.RetentionPolicy;
import io.redback.stream.Streamer;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The agent's configuration file (YAML): the repository, where to serve metrics, where to keep
 * state, and per source how to reach it and what to run when. Every problem is a
 * {@link ConfigException} naming its line. Passwords are never in the file: {@code password-env}
 * or {@code password-file} name where they are, and are read when the file is.
 */
public record AgentConfig(String repository, String listenHost, int listenPort, Path stateDir, List<Source> sources) {
    /** Keys of a source; anything else is a typo and refused. */
    private static final Set<String> SOURCE_KEYS = Set.of("name", "redis", "user", "password-env", "password-file",
            "tls-ca", "tls-insecure", "stream", "durable-at", "ack-when", "spool", "flush-interval", "segment-size", "compress", "snapshot", "retention", "compact", "check",
            "drill", "doctor", "objectives", "cluster");
    private static final Set<String> TOP_KEYS = Set.of("repository", "listen", "state-dir", "sources");
    private static final List<String> OBJECTIVES = List.of("rpo", "rto", "max-snapshot-age", "max-drill-age");
    private static final List<String> KEEP = List.of("keep-last", "keep-hourly", "keep-daily", "keep-weekly",
            "keep-monthly", "keep-yearly");

    /** The stream's segment size unless segment-size says otherwise: what {@code redback stream} uses. */
    static final long DEFAULT_SEGMENT_SIZE = 16L << 20;
    /** The most a source's spool may hold; segment-size may not exceed it. */
    static final long MAX_SPOOL = 1L << 30;

    /**
     * One source and its jobs; a null schedule means the job is off. Retention runs after each
     * snapshot and on its own {@code every} (default 1h). The drill restores the newest point, or
     * with {@code drillRandom} a random second of the recovery window. {@code compression} is how snapshots and segments are stored (zstd:3
     * unless {@code compress} says otherwise), {@code segmentSize} where the stream closes a
     * segment at the latest, {@code doctorProfile} how strict the doctor job is,
     * {@code ackWhen} what the stream's ACK (and so WAIT) reports. {@code cluster}: true when the
     * source is a Redis Cluster ({@code redis} any node of it, {@code name} the cluster's name, its
     * shards' sources {@code NAME.shard-N}), false when it is one server, null when the server
     * decides at start (a node saying {@code cluster_enabled:1} is a cluster, as for backup and stream).
     */
    public record Source(String name, RedisUri redis, boolean stream, Streamer.DurableAt durableAt, Path spool,
                         Duration flushInterval,
                         Schedule snapshot, RetentionPolicy retention, Schedule retentionEvery,
                         Schedule compact, Duration compactOlderThan, Schedule check, int checkReadPercent,
                         Schedule drill, Schedule doctor, Map<String, Duration> objectives,
                         Compression compression, long segmentSize, Profile doctorProfile, Streamer.AckWhen ackWhen,
                         boolean drillRandom, SnapshotMethod snapshotMethod, Boolean cluster) {
        /** What the doctor job judges against: the profile, and the rpo and max-drill-age objectives. */
        Doctor.Options doctorOptions() {
            return new Doctor.Options(doctorProfile, objectives.get("rpo"), Duration.ofSeconds(1),
                    objectives.get("max-drill-age"));
        }
    }

    /**
     * How the snapshot job takes its RDB, as {@code backup --method}: a full sync as a replica
     * (the default), the server's own BGSAVE read from its file ({@code rdbFile}, or null to ask
     * the server where it is), or SCAN and DUMP for a managed service that allows neither.
     */
    public sealed interface SnapshotMethod {
        /** A full sync as a replica. */
        record Sync() implements SnapshotMethod {
        }

        /** BGSAVE, then the file it wrote (this host must see it). */
        record Bgsave(Path rdbFile) implements SnapshotMethod {
        }

        /** SCAN and pipelined DUMP, with the commands a provider renamed. */
        record Scan(ScanSnapshot.Options options) implements SnapshotMethod {
        }
    }

    /** Reads and validates a file; ConfigException names the line, IOException when it cannot be read. */
    public static AgentConfig read(Path file, Map<String, String> env) throws IOException {
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return parse(in, env, file.toAbsolutePath().getParent());
        }
    }

    /** Parses a configuration given as text (relative paths against base). */
    public static AgentConfig parse(String yaml, Map<String, String> env, Path base) throws IOException {
        return parse(new StringReader(yaml), env, base);
    }

    private static AgentConfig parse(Reader in, Map<String, String> env, Path base) throws IOException {
        YamlNode root = YamlNode.read(in);
        Map<String, YamlNode> top = root.map("the configuration");
        unknownKeys(top, TOP_KEYS, "");
        String repository = required(top, "repository", root).text("repository");
        String host = "127.0.0.1";
        int port = 9187;
        if (top.containsKey("listen")) {
            YamlNode l = top.get("listen");
            String text = l.text("listen");
            int colon = text.lastIndexOf(':');
            try {
                host = colon <= 0 ? host : text.substring(0, colon);
                port = Integer.parseInt(colon < 0 ? text : text.substring(colon + 1));
                if (port < 0 || port > 65535) {
                    throw new NumberFormatException();
                }
            } catch (NumberFormatException e) {
                throw new ConfigException(l.line(), "listen '" + text + "' must be host:port, e.g. 127.0.0.1:9187");
            }
        }
        Path stateDir = top.containsKey("state-dir") ? base.resolve(top.get("state-dir").text("state-dir"))
                : base.resolve("redback-agent");
        List<Source> sources = new ArrayList<>();
        Set<String> names = new HashSet<>();
        YamlNode list = required(top, "sources", root);
        for (YamlNode s : list.list("sources")) {
            Source source = source(s, env, base, stateDir);
            if (!names.add(source.name())) {
                throw new ConfigException(s.line(), "source name '" + source.name() + "' is used twice");
            }
            sources.add(source);
        }
        if (sources.isEmpty()) {
            throw new ConfigException(list.line(), "sources is empty: give at least one source");
        }
        return new AgentConfig(repository, host, port, stateDir, List.copyOf(sources));
    }

    private static Source source(YamlNode node, Map<String, String> env, Path base, Path stateDir) throws IOException {
        Map<String, YamlNode> m = node.map("a source");
        if (m.containsKey("password")) {
            throw new ConfigException(m.get("password").line(), "a password never goes in this file: name an "
                    + "environment variable with password-env or a file with password-file");
        }
        unknownKeys(m, SOURCE_KEYS, "a source ");
        YamlNode nameNode = required(m, "name", node);
        String name = nameNode.text("name");
        try {
            Repository.checkSourceName(name);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(nameNode.line(), e.getMessage());
        }
        YamlNode redisNode = required(m, "redis", node);
        RedisUri uri;
        try {
            uri = RedisUri.parse(redisNode.text("redis"));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(redisNode.line(), e.getMessage());
        }
        if (uri.hasPassword()) {
            throw new ConfigException(redisNode.line(), "the redis URI holds a password; a password never goes in "
                    + "this file: use password-env or password-file");
        }
        if (m.containsKey("password-env") && m.containsKey("password-file")) {
            throw new ConfigException(m.get("password-file").line(), "give password-env or password-file, not both");
        }
        try {
            if (m.containsKey("password-env")) {
                uri = uri.withPasswordFromEnv(m.get("password-env").text("password-env"), env);
            }
            if (m.containsKey("password-file")) {
                uri = uri.withPasswordFromFile(base.resolve(m.get("password-file").text("password-file")));
            }
        } catch (IOException | IllegalArgumentException e) {
            YamlNode at = m.containsKey("password-env") ? m.get("password-env") : m.get("password-file");
            throw new ConfigException(at.line(), e.getMessage());
        }
        if (m.containsKey("user")) {
            uri = uri.withUsername(m.get("user").text("user"));
        }
        if (m.containsKey("tls-ca") || m.containsKey("tls-insecure")) {
            TlsOptions tls = uri.tlsOptions() == null ? TlsOptions.DEFAULT : uri.tlsOptions();
            if (m.containsKey("tls-ca")) {
                tls = tls.withCaCert(base.resolve(m.get("tls-ca").text("tls-ca")));
            }
            if (m.containsKey("tls-insecure")) {
                tls = tls.withInsecure(bool(m.get("tls-insecure"), "tls-insecure"));
            }
            uri = uri.withTlsOptions(tls);
        }
        boolean stream = m.containsKey("stream") && bool(m.get("stream"), "stream");
        Streamer.DurableAt durableAt = Streamer.DurableAt.SPOOL;
        if (m.containsKey("durable-at")) {
            String d = m.get("durable-at").text("durable-at").strip();
            durableAt = switch (d) {
                case "spool" -> Streamer.DurableAt.SPOOL;
                case "repository" -> Streamer.DurableAt.REPOSITORY;
                default -> throw new ConfigException(m.get("durable-at").line(), "durable-at '" + d
                        + "': use spool (FACK once fsync'd locally) or repository (once committed in the repository)");
            };
        }
        Streamer.AckWhen ackWhen = Streamer.AckWhen.RECEIVED;
        if (m.containsKey("ack-when")) {
            String a = m.get("ack-when").text("ack-when").strip();
            ackWhen = switch (a) {
                case "received" -> Streamer.AckWhen.RECEIVED;
                case "spooled" -> Streamer.AckWhen.SPOOLED;
                default -> throw new ConfigException(m.get("ack-when").line(), "ack-when '" + a
                        + "': use received (ACK what arrived) or spooled (ACK only what is fsync'd in the spool)");
            };
        }
        Path spool = m.containsKey("spool") ? base.resolve(m.get("spool").text("spool"))
                : stateDir.resolve("spool").resolve(name);
        Duration flush = m.containsKey("flush-interval") ? Schedule.duration("flush-interval", m.get("flush-interval"))
                : Duration.ofSeconds(1);
        Compression compression = Compression.DEFAULT;
        if (m.containsKey("compress")) {
            try {
                compression = Compression.parse(m.get("compress").text("compress").strip());
            } catch (IllegalArgumentException e) {
                throw new ConfigException(m.get("compress").line(), "compress: " + e.getMessage());
            }
        }
        long segmentSize = DEFAULT_SEGMENT_SIZE;
        if (m.containsKey("segment-size")) {
            YamlNode n = m.get("segment-size");
            try {
                segmentSize = Quantities.size("segment-size", n.text("segment-size"));
            } catch (IllegalArgumentException e) {
                throw new ConfigException(n.line(), e.getMessage());
            }
            if (segmentSize < 1024 || segmentSize > MAX_SPOOL) {
                throw new ConfigException(n.line(), "segment-size '" + n.text("segment-size").strip()
                        + "' must be between 1KiB and 1GiB (the spool's limit)");
            }
        }
        Schedule snapshot = schedule(m, "snapshot", Set.of("method", "rdb-file", "command-names"));
        SnapshotMethod method = snapshotMethod(snapshot == null ? Map.of() : m.get("snapshot").map("snapshot"), base);
        RetentionPolicy retention = null;
        Schedule retentionEvery = null;
        if (m.containsKey("retention")) {
            YamlNode r = m.get("retention");
            Map<String, YamlNode> keys = r.map("retention");
            StringBuilder options = new StringBuilder();
            for (Map.Entry<String, YamlNode> e : keys.entrySet()) {
                if (e.getKey().equals("every")) {
                    continue;
                }
                if (!KEEP.contains(e.getKey())) {
                    throw new ConfigException(e.getValue().line(), "retention: '" + e.getKey() + "' is not a rule; use "
                            + String.join(", ", KEEP) + " (prune's --keep-* options) or every");
                }
                options.append(" --").append(e.getKey()).append(' ').append(e.getValue().text(e.getKey()));
            }
            try {
                retention = RetentionPolicy.parse(options.toString());
            } catch (IllegalArgumentException e) {
                throw new ConfigException(r.line(), "retention: " + e.getMessage());
            }
            if (retention.isEmpty()) {
                throw new ConfigException(r.line(), "retention has no keep-* rule: it would keep every snapshot");
            }
            retentionEvery = keys.containsKey("every")
                    ? new Schedule.Every(Schedule.duration("retention.every", keys.get("every")), Duration.ZERO)
                    : new Schedule.Every(Duration.ofHours(1), Duration.ZERO);
        }
        Schedule compact = schedule(m, "compact", Set.of("older-than"));
        Duration olderThan = m.containsKey("compact") && m.get("compact").map("compact").containsKey("older-than")
                ? Schedule.duration("compact.older-than", m.get("compact").map("compact").get("older-than"))
                : Duration.ofHours(1);
        Schedule check = schedule(m, "check", Set.of("read-data"));
        int readPercent = 0;
        if (m.containsKey("check") && m.get("check").map("check").containsKey("read-data")) {
            YamlNode rd = m.get("check").map("check").get("read-data");
            String t = rd.text("check.read-data").strip();
            try {
                readPercent = Integer.parseInt(t.endsWith("%") ? t.substring(0, t.length() - 1).strip() : t);
            } catch (NumberFormatException e) {
                readPercent = -1;
            }
            if (readPercent < 0 || readPercent > 100) {
                throw new ConfigException(rd.line(), "check.read-data '" + t + "' must be a percentage, 0% to 100%");
            }
        }
        Schedule drill = schedule(m, "drill", Set.of("at"));
        boolean drillRandom = drill != null && m.get("drill").map("drill").containsKey("at")
                && m.get("drill").map("drill").get("at").text("drill.at").equals("random");
        Schedule doctor = schedule(m, "doctor", Set.of("profile"));
        Profile profile = Profile.STORE;
        if (m.containsKey("doctor") && m.get("doctor").map("doctor").containsKey("profile")) {
            YamlNode p = m.get("doctor").map("doctor").get("profile");
            String t = p.text("doctor.profile").strip();
            profile = switch (t.toLowerCase(Locale.ROOT)) {
                case "store" -> Profile.STORE;
                case "cache" -> Profile.CACHE;
                default -> throw new ConfigException(p.line(), "doctor.profile '" + t + "': use store (data that "
                        + "exists nowhere else) or cache (data that can be refilled)");
            };
        }
        Map<String, Duration> objectives = new LinkedHashMap<>();
        if (m.containsKey("objectives")) {
            for (Map.Entry<String, YamlNode> e : m.get("objectives").map("objectives").entrySet()) {
                if (!OBJECTIVES.contains(e.getKey())) {
                    throw new ConfigException(e.getValue().line(), "objectives: '" + e.getKey() + "' is not an "
                            + "objective; use " + String.join(", ", OBJECTIVES));
                }
                objectives.put(e.getKey(), Schedule.duration("objectives." + e.getKey(), e.getValue()));
            }
        }
        if (snapshot == null && !stream) {
            throw new ConfigException(node.line(), "source " + name + " has neither stream: true nor a snapshot "
                    + "schedule: nothing would protect it");
        }
        Boolean cluster = m.containsKey("cluster") ? bool(m.get("cluster"), "cluster") : null;
        if (Boolean.TRUE.equals(cluster)) {
            refuseForCluster(m, method, drillRandom);
            try {
                Repository.checkSourceName(ClusterSnapshot.shardSource(name, 0));
            } catch (IllegalArgumentException e) {
                throw new ConfigException(nameNode.line(), "a cluster's shards are named " + name + ".shard-N: "
                        + e.getMessage());
            }
        }
        return new Source(name, uri, stream, durableAt, spool, flush, snapshot, retention, retentionEvery, compact, olderThan,
                check, readPercent, drill, doctor, Map.copyOf(objectives), compression, segmentSize, profile, ackWhen,
                drillRandom, method, cluster);
    }

    /**
     * What a cluster source cannot do, refused as {@code backup --cluster} and {@code drill --name
     * CLUSTER} refuse it: a shard's RDB is taken by a full sync or a scan, never read from a
     * server's own file; a cluster's drill restores its newest cluster snapshot, not a second of
     * its window (each shard has its own log).
     */
    private static void refuseForCluster(Map<String, YamlNode> m, SnapshotMethod method, boolean drillRandom) {
        if (method instanceof SnapshotMethod.Bgsave) {
            YamlNode at = m.get("snapshot").map("snapshot").get("method");
            throw new ConfigException(at.line(), "snapshot.method bgsave does not go with cluster: true: each shard's "
                    + "RDB is taken by a full sync (method: sync) or a scan of each primary (method: scan)");
        }
        if (drillRandom) {
            throw new ConfigException(m.get("drill").map("drill").get("at").line(), "drill.at random does not go with "
                    + "cluster: true: a cluster's drill restores its newest cluster snapshot (each shard has its own "
                    + "log); leave at out");
        }
    }

    /** snapshot's method (sync, bgsave or scan) and what goes with it: rdb-file, command-names. */
    private static SnapshotMethod snapshotMethod(Map<String, YamlNode> snapshot, Path base) {
        YamlNode methodNode = snapshot.get("method");
        String method = methodNode == null ? "sync" : methodNode.text("snapshot.method").strip();
        YamlNode rdbFile = snapshot.get("rdb-file");
        YamlNode names = snapshot.get("command-names");
        if (rdbFile != null && !method.equals("bgsave")) {
            throw new ConfigException(rdbFile.line(), "snapshot.rdb-file goes with method: bgsave");
        }
        if (names != null && !method.equals("scan")) {
            throw new ConfigException(names.line(), "snapshot.command-names goes with method: scan");
        }
        switch (method) {
            case "sync":
                return new SnapshotMethod.Sync();
            case "bgsave":
                return new SnapshotMethod.Bgsave(rdbFile == null ? null : base.resolve(rdbFile.text("snapshot.rdb-file")));
            case "scan":
                Map<String, String> renamed = new LinkedHashMap<>();
                if (names != null) {
                    for (Map.Entry<String, YamlNode> e : names.map("snapshot.command-names").entrySet()) {
                        renamed.put(e.getKey(), e.getValue().text("snapshot.command-names." + e.getKey()));
                    }
                }
                try {
                    return new SnapshotMethod.Scan(new ScanSnapshot.Options(renamed, ScanSnapshot.DEFAULT_WINDOW));
                } catch (IllegalArgumentException e) {
                    throw new ConfigException(names.line(), "snapshot.command-names: "
                            + e.getMessage().replaceFirst("^--command-name ", ""));
                }
            default:
                throw new ConfigException(methodNode.line(), "snapshot.method '" + method + "': use sync (a full sync as "
                        + "a replica, the default), bgsave (the server's BGSAVE, read from its file) or scan (SCAN and "
                        + "DUMP, for a managed service), as backup --method");
        }
    }

    private static Schedule schedule(Map<String, YamlNode> m, String job, Set<String> extra) {
        YamlNode n = m.get(job);
        if (n == null) {
            return null;
        }
        for (Map.Entry<String, YamlNode> e : n.map(job).entrySet()) {
            if (!Set.of("every", "cron", "jitter").contains(e.getKey()) && !extra.contains(e.getKey())) {
                throw new ConfigException(e.getValue().line(), job + ": unknown key '" + e.getKey() + "' (expected every, "
                        + "cron, jitter" + (extra.isEmpty() ? "" : ", " + String.join(", ", extra)) + ")");
            }
        }
        if (job.equals("drill") && n.map(job).containsKey("at")) {
            String at = n.map(job).get("at").text("drill.at");
            if (!at.equals("random") && !at.equals("newest")) {
                throw new ConfigException(n.map(job).get("at").line(), "drill.at must be random (a random second of "
                        + "the recovery window) or newest (the default)");
            }
        }
        return Schedule.parse(job, n);
    }

    private static boolean bool(YamlNode n, String key) {
        String t = n.text(key);
        if (t.equals("true") || t.equals("false")) {
            return Boolean.parseBoolean(t);
        }
        throw new ConfigException(n.line(), key + " must be true or false, not '" + t + "'");
    }

    private static YamlNode required(Map<String, YamlNode> m, String key, YamlNode parent) {
        YamlNode n = m.get(key);
        if (n == null || n.value() == null) {
            throw new ConfigException(n == null ? parent.line() : n.line(), "'" + key + "' is missing");
        }
        return n;
    }

    private static void unknownKeys(Map<String, YamlNode> m, Set<String> known, String where) {
        for (Map.Entry<String, YamlNode> e : m.entrySet()) {
            if (!known.contains(e.getKey())) {
                throw new ConfigException(e.getValue().line(), where + "key '" + e.getKey() + "' is not known (known: "
                        + String.join(", ", known.stream().sorted().toList()) + ")");
            }
        }
    }
}
