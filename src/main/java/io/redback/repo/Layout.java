package io.redback.repo;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Where things live in a repository (docs/repository-format.md is the reference):
 * <pre>
 * config.json
 * sources/&lt;source&gt;/snapshots/&lt;id&gt;/dump.rdb.zst   (or dump.rdb)
 * sources/&lt;source&gt;/snapshots/&lt;id&gt;/manifest.json  (written last)
 * tmp/...
 * </pre>
 */
final class Layout {
    static final String CONFIG = "config.json";
    static final String SOURCES = "sources/";
    static final String TMP = "tmp/";
    static final String MANIFEST = "manifest.json";

    private static final Pattern SOURCE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    private Layout() {
    }

    /** The source name if valid, else IllegalArgumentException saying what a name may hold. */
    static String requireSourceName(String name) {
        if (name == null || !SOURCE_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("source name '" + name + "' is not valid: use 1-64 letters, digits, "
                    + "'.', '_' or '-', starting with a letter or digit");
        }
        return name;
    }

    static String snapshotsPrefix(String source) {
        return SOURCES + requireSourceName(source) + "/snapshots/";
    }

    static String snapshotPrefix(String source, SnapshotId id) {
        return snapshotsPrefix(source) + id + "/";
    }

    static String manifestKey(String source, SnapshotId id) {
        return snapshotPrefix(source, id) + MANIFEST;
    }

    static String dataKey(String source, SnapshotId id, Compression compression) {
        return snapshotPrefix(source, id) + compression.fileName();
    }

    /** A key inside a snapshot folder, taken apart. */
    record SnapshotKey(String source, SnapshotId id, String file) {
        String folder() {
            return snapshotPrefix(source, id);
        }

        boolean isManifest() {
            return file.equals(MANIFEST);
        }
    }

    /** The parts of {@code sources/<source>/snapshots/<id>/<file>}, or empty for any other key. */
    static Optional<SnapshotKey> parseSnapshotKey(String key) {
        String[] parts = key.split("/", -1);
        if (parts.length != 5 || !parts[0].equals("sources") || !parts[2].equals("snapshots")
                || !SOURCE_NAME.matcher(parts[1]).matches() || !SnapshotId.isId(parts[3]) || parts[4].isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new SnapshotKey(parts[1], SnapshotId.parse(parts[3]), parts[4]));
    }
}
