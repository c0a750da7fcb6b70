package io.redback.repo;

import io.redback.storage.StorageKeys;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where things live in a repository (docs/repository-format.md is the reference):
 * <pre>
 * config.json
 * sources/&lt;source&gt;/snapshots/&lt;id&gt;/dump.rdb.zst   (or dump.rdb)
 * sources/&lt;source&gt;/snapshots/&lt;id&gt;/manifest.json  (written last)
 * sources/&lt;source&gt;/timelines/&lt;timeline&gt;/timeline.json
 * sources/&lt;source&gt;/timelines/&lt;timeline&gt;/pruned.json  (written by prune)
 * sources/&lt;source&gt;/timelines/&lt;timeline&gt;/segments/&lt;start&gt;-&lt;end&gt;.aof.zst  (or .aof)
 * sources/&lt;source&gt;/timelines/&lt;timeline&gt;/segments/&lt;start&gt;-&lt;end&gt;.json  (written last)
 * sources/&lt;source&gt;/stream.json  (the running stream's status, rewritten)
 * sources/&lt;source&gt;/drills/&lt;id&gt;.json  (a restore drill's result)
 * clusters/&lt;cluster&gt;/snapshots/&lt;id&gt;.json  (a cluster snapshot: its shards' snapshots, written last)
 * clusters/&lt;cluster&gt;/shards/&lt;id&gt;.json  (a record of the shard map: each shard's index from then on)
 * clusters/&lt;cluster&gt;/marks/&lt;mark&gt;.json  (a named cut of every shard)
 * locks/&lt;id&gt;.json  (a running prune's or compact's lock, refreshed)
 * tmp/...
 * </pre>
 */
final class Layout {
    static final String CONFIG = "config.json";
    static final String SOURCES = "sources/";
    static final String TMP = "tmp/";
    static final String LOCKS = "locks/";
    static final String MANIFEST = "manifest.json";
    static final String TIMELINE = "timeline.json";
    static final String PRUNED = "pruned.json";
    static final String STREAM_STATUS = "stream.json";
    private static final Pattern SEGMENT_OBJECT = Pattern.compile("segments/(\\d{20})-(\\d{20})\\.(json|aof|aof\\.zst)");

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

    static String sourcePrefix(String source) {
        return SOURCES + requireSourceName(source) + "/";
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

    static final String CLUSTERS = "clusters/";

    static String clusterSnapshotsPrefix(String cluster) {
        return CLUSTERS + requireSourceName(cluster) + "/snapshots/";
    }

    static String clusterSnapshotKey(String cluster, SnapshotId id) {
        return clusterSnapshotsPrefix(cluster) + id + ".json";
    }

    static String clusterShardMapsPrefix(String cluster) {
        return CLUSTERS + requireSourceName(cluster) + "/shards/";
    }

    static String clusterShardMapKey(String cluster, SnapshotId id) {
        return clusterShardMapsPrefix(cluster) + id + ".json";
    }

    static String clusterMarkKey(String cluster, String mark) {
        return CLUSTERS + requireSourceName(cluster) + "/marks/" + requireSourceName(mark) + ".json";
    }

    static String timelinesPrefix(String source) {
        return SOURCES + requireSourceName(source) + "/timelines/";
    }

    static String timelineKey(String source, SnapshotId timeline) {
        return timelinesPrefix(source) + timeline + "/" + TIMELINE;
    }

    static String prunedKey(String source, SnapshotId timeline) {
        return timelinesPrefix(source) + timeline + "/" + PRUNED;
    }

    static String segmentsPrefix(String source, SnapshotId timeline) {
        return timelinesPrefix(source) + timeline + "/segments/";
    }

    /** Offsets are zero-padded to 20 digits so that segment keys sort in stream order. */
    static String segmentName(long startOffset, long endOffset) {
        return String.format("%020d-%020d", startOffset, endOffset);
    }

    static String segmentManifestKey(String source, SnapshotId timeline, long startOffset, long endOffset) {
        return segmentsPrefix(source, timeline) + segmentName(startOffset, endOffset) + ".json";
    }

    static String segmentDataKey(String source, SnapshotId timeline, long startOffset, long endOffset,
                                 Compression compression) {
        return segmentsPrefix(source, timeline) + segmentName(startOffset, endOffset)
                + (compression.equals(Compression.NONE) ? ".aof" : ".aof.zst");
    }

    static String streamStatusKey(String source) {
        return SOURCES + requireSourceName(source) + "/" + STREAM_STATUS;
    }

    static String drillsPrefix(String source) {
        return SOURCES + requireSourceName(source) + "/drills/";
    }

    /** Drill ids have the form of snapshot ids (start time, random suffix), so that keys sort by time. */
    static String drillKey(String source, SnapshotId id) {
        return drillsPrefix(source) + id + ".json";
    }

    static String lockKey(String id) {
        return StorageKeys.requireKey(LOCKS + id + ".json");
    }

    /** The parts of {@code sources/<source>/timelines/<timeline>/...}, or empty for any other key. */
    record TimelineKey(String source, SnapshotId timeline, String rest) {
        boolean isTimeline() {
            return rest.equals(TIMELINE);
        }

        boolean isPruned() {
            return rest.equals(PRUNED);
        }

        boolean isSegmentManifest() {
            return segment().filter(SegmentObject::isManifest).isPresent();
        }

        /** The segment this key is the manifest or data object of, if it is one. */
        Optional<SegmentObject> segment() {
            Matcher m = SEGMENT_OBJECT.matcher(rest);
            if (!m.matches()) {
                return Optional.empty();
            }
            try {
                return Optional.of(new SegmentObject(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)),
                        m.group(3).equals("json")));
            } catch (NumberFormatException e) {
                return Optional.empty(); // beyond any offset: not a segment redback wrote
            }
        }
    }

    /** A segment's manifest or data object, named by the offsets it holds. */
    record SegmentObject(long startOffset, long endOffset, boolean isManifest) {
        String name() {
            return segmentName(startOffset, endOffset);
        }
    }

    static Optional<TimelineKey> parseTimelineKey(String key) {
        String[] parts = key.split("/", 5);
        if (parts.length != 5 || !parts[0].equals("sources") || !parts[2].equals("timelines")
                || !SOURCE_NAME.matcher(parts[1]).matches() || !SnapshotId.isId(parts[3]) || parts[4].isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new TimelineKey(parts[1], SnapshotId.parse(parts[3]), parts[4]));
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
