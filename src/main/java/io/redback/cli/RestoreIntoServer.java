package io.redback.cli;

import io.redback.pitr.RestoreException;
import io.redback.pitr.SnapshotFiles;
import io.redback.redis.RedisConnector;
import io.redback.redis.RedisUri;
import io.redback.repo.Quantities;
import io.redback.repo.Repository;
import io.redback.repo.SnapshotManifest;
import io.redback.repo.Storage;
import io.redback.restore.KeyFilter;
import io.redback.restore.LiveReport;
import io.redback.restore.LiveRestore;
import io.redback.restore.OnConflict;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * {@code redback restore ... --into redis://HOST:PORT}: brings the source RDB (a snapshot,
 * verified on download; a plain RDB; or a point in time materialised as one) to a local file and
 * hands it to {@link LiveRestore}, then prints the report. The options are {@link RestoreCommand}'s.
 */
final class RestoreIntoServer {
    private final RestoreCommand command;
    private final PrintWriter out;
    private final PrintWriter err;

    RestoreIntoServer(RestoreCommand command, PrintWriter out, PrintWriter err) {
        this.command = command;
        this.out = out;
        this.err = err;
    }

    int run() {
        Path work = null;
        try {
            RedisUri uri = command.targetConnection.apply(RedisUri.parse(command.into));
            LiveRestore.Options options = options();
            work = Files.createTempDirectory("redback-restore-");
            String what;
            Path rdb;
            if (command.what.snapshot != null) {
                rdb = work.resolve("dump.rdb");
                try (Storage storage = command.repo.openStorage()) {
                    Repository repository = Repository.open(storage);
                    SnapshotManifest m = BackupCli.find(repository.catalog(), command.name.given(), command.what.snapshot);
                    AtomicLong bytes = new AtomicLong();
                    try (Progress p = Progress.start("download", m.rawSize(), bytes::get, showProgress())) {
                        SnapshotFiles.download(storage, m, rdb, bytes);
                    }
                    what = "snapshot " + m.id() + " of " + m.source();
                }
            } else if (command.what.fromRdb != null) {
                rdb = command.plainRdb(command.what.fromRdb, work);
                what = command.what.fromRdb;
            } else {
                PointInTimeRestore pitr = new PointInTimeRestore(command, out, err);
                rdb = pitr.materialise(work);
                if (rdb == null) {
                    return pitr.exitCode();
                }
                what = pitr.described();
            }
            return restore(uri, options, rdb, what);
        } catch (RestoreException e) {
            err.println("redback restore: " + e.getMessage() + "; nothing was written to " + command.into);
            return e.dataProblem() ? Main.PROBLEM : Main.USAGE;
        } catch (IllegalArgumentException e) {
            err.println("redback restore: " + e.getMessage());
            return Main.USAGE;
        } catch (IOException | RuntimeException e) {
            err.println("redback restore: " + BackupCli.message(e));
            return Main.USAGE;
        } finally {
            deleteQuietly(work);
            out.flush();
            err.flush();
        }
    }

    /** Restores a local RDB into the target and prints what happened; the exit code. */
    int restore(RedisUri uri, LiveRestore.Options options, Path rdb, String what) throws IOException {
        AtomicLong progress = new AtomicLong();
        LiveReport report;
        try (Progress p = Progress.start("restore", 2 * Files.size(rdb), progress::get, showProgress())) {
            report = new LiveRestore(RedisConnector.of(uri), options, progress).run(rdb, System.currentTimeMillis());
        }
        if (command.json) {
            out.println(Json.write(json(report, what, uri)));
        } else {
            print(report, what, uri);
        }
        if (report.message() != null && report.outcome() != LiveReport.Outcome.RESTORED
                && report.outcome() != LiveReport.Outcome.PLANNED) {
            err.println("redback restore: " + report.message());
        }
        return report.ok() ? Main.OK : Main.PROBLEM;
    }

    private boolean showProgress() {
        return !command.progress.quiet && !command.json;
    }

    /** The live-restore options from the command line. */
    LiveRestore.Options options() throws IOException {
        Map<Integer, Integer> dbMap = new HashMap<>();
        for (String m : command.dbMap) {
            String[] parts = m.split(":");
            try {
                if (parts.length != 2) {
                    throw new NumberFormatException();
                }
                dbMap.put(Integer.parseInt(parts[0].strip()), Integer.parseInt(parts[1].strip()));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--db-map " + m + ": expected FROM:TO, two database numbers");
            }
        }
        Set<ByteBuffer> keys = null;
        if (command.keysFrom != null) {
            keys = new HashSet<>();
            for (byte[] line : lines(command.keysFrom)) {
                keys.add(ByteBuffer.wrap(line));
            }
        }
        Set<String> types = new HashSet<>();
        command.types.forEach(t -> types.add(t.toLowerCase(Locale.ROOT)));
        KeyFilter filter = new KeyFilter(new HashSet<>(command.dbs), command.keyGlobs, command.excludeGlobs, types,
                dbMap, keys);
        return LiveRestore.Options.defaults().withOnConflict(OnConflict.parse(command.onConflict)).withFilter(filter)
                .withFunctions(!command.noFunctions && !filter.narrows()).withDryRun(command.plan.dryRun)
                .withThrottle(command.throttle.throttle())
                .withBigKeySize(positive("--big-key-size", Quantities.size("--big-key-size", command.bigKeySize)));
    }

    private static long positive(String option, long n) {
        if (n <= 0) {
            throw new IllegalArgumentException(option + " must be above 0");
        }
        return n;
    }

    /** The lines of a file as bytes (keys may be binary), without their line breaks; empty lines left out. */
    private static List<byte[]> lines(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("--keys-from " + file + ": no such file");
        }
        byte[] all = Files.readAllBytes(file);
        List<byte[]> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i <= all.length; i++) {
            if (i == all.length || all[i] == '\n') {
                int end = i > start && all[i - 1] == '\r' ? i - 1 : i;
                if (end > start) {
                    out.add(Arrays.copyOfRange(all, start, end));
                }
                start = i + 1;
            }
        }
        return out;
    }

    // ------------------------------------------------------------------ output

    private void print(LiveReport r, String what, RedisUri uri) {
        String verb = switch (r.outcome()) {
            case RESTORED -> "restored";
            case PLANNED -> "would restore";
            default -> "did not restore";
        };
        out.println(verb + " " + what + " into " + uri + (r.target() == null ? "" : " (" + r.target() + ")"));
        out.println("  keys       " + BackupCli.count(r.planned()) + " to restore (" + BackupCli.size(r.valueBytes())
                + " of values" + perDb(r.plannedPerDb()) + "); " + BackupCli.count(r.expired())
                + " expired (not sent), " + BackupCli.count(r.filteredOut()) + " left out by the filters");
        if (r.outcome() != LiveReport.Outcome.PLANNED) {
            out.println("  result     " + BackupCli.count(r.restored()) + " restored, " + BackupCli.count(r.skipped())
                    + " skipped (the target's kept), " + BackupCli.count(r.failed()) + " failed; "
                    + BackupCli.size(r.sentBytes()) + " sent in " + seconds(r.elapsedMs())
                    + (r.reconnects() + r.retries() > 0 ? "; " + r.reconnects() + " reconnect(s), " + r.retries()
                    + " command(s) retried" : ""));
        }
        if (r.functionsRestored() + r.functionsSkipped() > 0) {
            out.println("  functions  " + r.functionsRestored() + " library(ies) loaded, " + r.functionsSkipped()
                    + " skipped");
        }
        if (r.conflicts() > 0) {
            out.println("  conflicts  " + BackupCli.count(r.conflicts()) + " key(s) exist in the target");
        }
        list("conflict", r.conflictKeys());
        list("skipped", r.skippedKeys());
        list("failed", r.failedKeys());
        list("lossy", r.lossyKeys());
        if (r.message() != null) {
            out.println(r.message());
        }
    }

    private void list(String label, List<LiveReport.KeyRef> keys) {
        int shown = 0;
        for (LiveReport.KeyRef k : keys) {
            if (shown++ == 10) {
                out.println("  " + pad(label) + " ... (" + (keys.size() - 10) + " more listed with --json)");
                break;
            }
            out.println("  " + pad(label) + " " + (k.db() >= 0 ? "db " + k.db() + " " : "") + k.key() + ": "
                    + k.reason());
        }
    }

    private static String pad(String s) {
        return String.format("%-10s", s);
    }

    private static String perDb(Map<Integer, Long> perDb) {
        if (perDb.isEmpty()) {
            return "";
        }
        StringBuilder b = new StringBuilder();
        new java.util.TreeMap<>(perDb).forEach((db, n) -> b.append(b.length() == 0 ? "; " : ", ").append("db ").append(db).append(": ")
                .append(BackupCli.count(n)));
        return b.toString();
    }

    private static String seconds(long ms) {
        return String.format(Locale.ROOT, "%.1f s", ms / 1000.0);
    }

    static Map<String, Object> json(LiveReport r, String what, RedisUri uri) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("source", what);
        o.put("target", uri.toString());
        o.put("server", r.target());
        o.put("outcome", r.outcome().name().toLowerCase(Locale.ROOT));
        o.put("dryRun", r.outcome() == LiveReport.Outcome.PLANNED);
        o.put("message", r.message());
        o.put("planned", r.planned());
        Map<String, Long> perDb = new LinkedHashMap<>();
        r.plannedPerDb().entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(e -> perDb.put(Integer.toString(e.getKey()), e.getValue()));
        o.put("plannedPerDb", perDb);
        o.put("restored", r.restored());
        o.put("skipped", r.skipped());
        o.put("failed", r.failed());
        o.put("expired", r.expired());
        o.put("filteredOut", r.filteredOut());
        o.put("conflicts", r.conflicts());
        o.put("lossy", r.lossy());
        o.put("functionsRestored", r.functionsRestored());
        o.put("functionsSkipped", r.functionsSkipped());
        o.put("valueBytes", r.valueBytes());
        o.put("sentBytes", r.sentBytes());
        o.put("reconnects", r.reconnects());
        o.put("retries", r.retries());
        o.put("elapsedMs", r.elapsedMs());
        o.put("skippedKeys", refs(r.skippedKeys()));
        o.put("failedKeys", refs(r.failedKeys()));
        o.put("conflictKeys", refs(r.conflictKeys()));
        o.put("lossyKeys", refs(r.lossyKeys()));
        return o;
    }

    private static List<Map<String, Object>> refs(List<LiveReport.KeyRef> keys) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (LiveReport.KeyRef k : keys) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("db", k.db() < 0 ? null : k.db());
            m.put("key", k.key());
            m.put("reason", k.reason());
            out.add(m);
        }
        return out;
    }

    static void deleteQuietly(Path dir) {
        if (dir == null) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted((a, b) -> b.getNameCount() - a.getNameCount()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // a leftover in the temp dir; nothing to do about it here
                }
            });
        } catch (IOException ignored) {
            // the temp dir is gone or unreadable
        }
    }
}
