package io.redback.cli;

import io.redback.repo.Catalog;
import io.redback.repo.Repository;
import io.redback.repo.RepositoryException;
import io.redback.repo.SnapshotManifest;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** What the backup commands share: sizes for people, manifests as JSON, finding a snapshot. */
final class BackupCli {
    private BackupCli() {
    }

    /** 1,234 B / 12.3 kB / 4.56 MB / 7.89 GB (powers of 1000, as the MB/s figures). */
    static String size(long bytes) {
        if (bytes < 1000) {
            return bytes + " B";
        }
        String[] units = {"kB", "MB", "GB", "TB", "PB"};
        double v = bytes;
        int u = -1;
        while (v >= 1000 && u < units.length - 1) {
            v /= 1000;
            u++;
        }
        return String.format(Locale.ROOT, v >= 100 ? "%.0f %s" : v >= 10 ? "%.1f %s" : "%.2f %s", v, units[u]);
    }

    static String count(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    /** {@code 1 key}, {@code 1,204 keys}. */
    static String keys(long n) {
        return count(n) + (n == 1 ? " key" : " keys");
    }

    /** The manifest as an ordered map, field for field as manifest.json holds it. */
    static Map<String, Object> manifest(SnapshotManifest m) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("formatVersion", m.formatVersion());
        o.put("id", m.id().toString());
        o.put("source", m.source());
        o.put("sourceAddress", m.sourceAddress());
        o.put("redisVersion", m.redisVersion());
        o.put("rdbVersion", m.rdbVersion());
        o.put("replicationId", m.replicationId());
        o.put("replicationOffset", m.replicationOffset());
        o.put("method", m.method().jsonName());
        o.put("startedAt", m.startedAt().toString());
        o.put("finishedAt", m.finishedAt().toString());
        o.put("rawSize", m.rawSize());
        o.put("storedSize", m.storedSize());
        o.put("compression", m.compression().toString());
        o.put("sha256Stored", m.sha256Stored());
        o.put("sha256Raw", m.sha256Raw());
        Map<String, Object> keys = new LinkedHashMap<>();
        m.keys().forEach((db, types) -> keys.put(Integer.toString(db), types));
        o.put("keys", keys);
        o.put("keysWithExpiry", m.keysWithExpiry());
        o.put("verdict", m.verdict());
        o.put("object", m.object());
        return o;
    }

    /**
     * The snapshot named by idOrLatest: {@code latest} is the newest of source (or of the only
     * source when source is null); anything else an id or the start of one. A source that is not a
     * valid name is an IllegalArgumentException.
     */
    static SnapshotManifest find(Catalog catalog, String source, String idOrLatest) throws IOException {
        if (source != null) {
            Repository.checkSourceName(source);
        }
        if (!"latest".equals(idOrLatest)) {
            return catalog.find(source, idOrLatest);
        }
        String s = source;
        if (s == null) {
            List<String> sources = catalog.sources();
            if (sources.isEmpty()) {
                throw new RepositoryException("the repository has no snapshots yet: take one with `redback backup`");
            }
            if (sources.size() > 1) {
                throw new RepositoryException("the repository holds several sources (" + String.join(", ", sources)
                        + "): say which with --name");
            }
            s = sources.get(0);
        }
        String name = s;
        return catalog.latest(s).orElseThrow(() -> new RepositoryException("source " + name
                + " has no snapshots in this repository"));
    }

    /** One line for an exception: its message, or its class when it has none. */
    static String message(Throwable e) {
        return e.getMessage() == null ? e.toString() : e.getMessage();
    }
}
