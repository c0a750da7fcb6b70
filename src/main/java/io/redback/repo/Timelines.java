package io.redback.repo;

import io.redback.storage.Storage;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The timelines in a repository, known from their {@code timeline.json}, the {@code pruned.json}
 * prune leaves, and their segments' manifests (a segment data object without a manifest is
 * garbage from an interrupted upload). Timelines are listed oldest first, segments in offset
 * order. Every document is checked against where it lies, like snapshot manifests are; one that
 * cannot be used is skipped and reported by key (see {@link SkippedDocument}): a timeline without
 * its {@code timeline.json} is left out, one without a segment's manifest shows a gap there.
 */
public final class Timelines {
    private final Storage storage;
    private final Skips skips;

    Timelines(Storage storage, Skips skips) {
        this.storage = storage;
        this.skips = skips;
    }

    /** The names of the sources that have at least one timeline, sorted. */
    public List<String> sources() throws IOException {
        TreeSet<String> names = new TreeSet<>();
        for (Storage.ObjectInfo o : storage.list(Layout.SOURCES)) {
            Layout.parseTimelineKey(o.key()).filter(Layout.TimelineKey::isTimeline).ifPresent(k -> names.add(k.source()));
        }
        return List.copyOf(names);
    }

    /**
     * The timelines of source, oldest first, each with its segments; a timeline prune is
     * removing (its {@code pruned.json} names no snapshot) is left out, as if already gone.
     */
    public List<Timeline> of(String source) throws IOException {
        return all(source).stream().filter(t -> t.pruned() == null || !t.pruned().isRemoving()).toList();
    }

    /** Every timeline of source with a timeline.json, oldest first, also those prune is removing. */
    List<Timeline> all(String source) throws IOException {
        List<TimelineManifest> manifests = new ArrayList<>();
        Map<SnapshotId, PrunedHead> pruned = new HashMap<>();
        List<SegmentManifest> segments = new ArrayList<>();
        for (Storage.ObjectInfo o : storage.list(Layout.timelinesPrefix(source))) {
            Optional<Layout.TimelineKey> key = Layout.parseTimelineKey(o.key());
            if (key.isEmpty()) {
                continue;
            }
            try {
                if (key.get().isTimeline()) {
                    readTimeline(o.key(), key.get()).ifPresent(manifests::add);
                } else if (key.get().isPruned()) {
                    readPruned(o.key(), key.get()).ifPresent(p -> pruned.put(p.timeline(), p));
                } else if (key.get().isSegmentManifest()) {
                    readSegment(o.key(), key.get()).ifPresent(segments::add);
                }
            } catch (RepositoryException e) {
                skips.add(o.key(), e);
            } catch (IllegalArgumentException e) {
                skips.add(o.key(), e);
            }
        }
        manifests.sort(Comparator.comparing(TimelineManifest::id));
        List<Timeline> out = new ArrayList<>();
        for (TimelineManifest t : manifests) {
            out.add(Timeline.of(t, pruned.get(t.id()), segments.stream().filter(s -> s.timeline().equals(t.id()))
                    .sorted(Comparator.comparingLong(SegmentManifest::startOffset)).toList()));
        }
        return out;
    }

    /**
     * The objects of timeline t that compaction left behind (see {@link Leftovers}): superseded
     * segments' manifests first, then their data and the data objects a kept segment covers.
     */
    public List<Storage.ObjectInfo> leftovers(Timeline t) throws IOException {
        return Leftovers.of(t, storage.list(Layout.segmentsPrefix(t.manifest().source(), t.id())));
    }

    /**
     * Segment objects that no reader uses because what should be beside them is not, among keys
     * (say, a listing of a source's folder): segment manifests in a timeline folder without a
     * {@code timeline.json} (a problem: the log they describe cannot be used), per folder, oldest
     * timeline first; and the number of segment data objects without a manifest (an interrupted
     * upload, or one under way).
     */
    public record Strays(List<Orphans> orphans, long dataWithoutManifest) {
        public Strays {
            orphans = List.copyOf(orphans);
        }
    }

    /** How many segment manifests lie in folder, the segments folder of timeline, whose timeline.json is not there. */
    public record Orphans(SnapshotId timeline, String folder, int manifests) {
    }

    /** The strays among keys (see {@link Strays}); keys that are not a timeline's are ignored. */
    public static Strays strays(Collection<String> keys) {
        Set<String> withTimeline = new HashSet<>(); // timeline folders, by their segments prefix
        Set<String> manifests = new HashSet<>();
        List<String> data = new ArrayList<>();
        TreeMap<SnapshotId, Orphans> orphans = new TreeMap<>();
        List<Layout.TimelineKey> segmentManifests = new ArrayList<>();
        for (String key : keys) {
            Optional<Layout.TimelineKey> k = Layout.parseTimelineKey(key);
            if (k.isEmpty()) {
                continue;
            }
            String folder = Layout.segmentsPrefix(k.get().source(), k.get().timeline());
            if (k.get().isTimeline()) {
                withTimeline.add(folder);
            }
            Optional<Layout.SegmentObject> s = k.get().segment();
            if (s.isPresent() && s.get().isManifest()) {
                manifests.add(folder + s.get().name());
                segmentManifests.add(k.get());
            } else if (s.isPresent()) {
                data.add(folder + s.get().name());
            }
        }
        for (Layout.TimelineKey k : segmentManifests) {
            String folder = Layout.segmentsPrefix(k.source(), k.timeline());
            if (!withTimeline.contains(folder)) {
                orphans.merge(k.timeline(), new Orphans(k.timeline(), folder, 1),
                        (a, b) -> new Orphans(a.timeline(), a.folder(), a.manifests() + 1));
            }
        }
        return new Strays(new ArrayList<>(orphans.values()), data.stream().filter(d -> !manifests.contains(d)).count());
    }

    /** The timeline of source named id (or the only one starting with it); RepositoryException otherwise. */
    public Timeline find(String source, String idOrPrefix) throws IOException {
        List<Timeline> all = of(source);
        List<Timeline> matches = all.stream().filter(t -> t.id().toString().equals(idOrPrefix)).toList();
        if (matches.isEmpty()) {
            matches = all.stream().filter(t -> t.id().toString().startsWith(idOrPrefix)).toList();
        }
        if (matches.size() != 1) {
            throw new RepositoryException((matches.isEmpty() ? "no timeline" : matches.size() + " timelines")
                    + " of source " + source + " match '" + idOrPrefix + "' in " + storage.describe()
                    + ": `redback status` lists them");
        }
        return matches.get(0);
    }

    /**
     * The source's stream.json, if a stream ever ran for it; empty too when it cannot be read (a
     * torn write, say: the stream rewrites it within seconds), which is skipped and reported.
     */
    public Optional<StreamStatus> status(String source) throws IOException {
        String key = Layout.streamStatusKey(source);
        try {
            return Optional.of(RepoJson.read(storage, key, StreamStatus.class, StreamStatus.FORMAT_VERSION,
                    StreamStatus.ADDED_FIELDS));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (RepositoryException e) {
            skips.add(key, e);
            return Optional.empty();
        } catch (IllegalArgumentException e) {
            skips.add(key, e);
            return Optional.empty();
        }
    }

    private Optional<TimelineManifest> readTimeline(String key, Layout.TimelineKey where) throws IOException {
        TimelineManifest t;
        try {
            t = RepoJson.read(storage, key, TimelineManifest.class, TimelineManifest.FORMAT_VERSION);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        if (!t.source().equals(where.source()) || !t.id().equals(where.timeline())) {
            throw misplaced(key, t.source() + "/" + t.id(), where);
        }
        return Optional.of(t);
    }

    private Optional<PrunedHead> readPruned(String key, Layout.TimelineKey where) throws IOException {
        PrunedHead p;
        try {
            p = RepoJson.read(storage, key, PrunedHead.class, PrunedHead.FORMAT_VERSION);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        if (!p.source().equals(where.source()) || !p.timeline().equals(where.timeline())) {
            throw misplaced(key, p.source() + "/" + p.timeline(), where);
        }
        return Optional.of(p);
    }

    private Optional<SegmentManifest> readSegment(String key, Layout.TimelineKey where) throws IOException {
        SegmentManifest s;
        try {
            s = RepoJson.read(storage, key, SegmentManifest.class, SegmentManifest.FORMAT_VERSION);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        String expected = Layout.segmentManifestKey(where.source(), where.timeline(), s.startOffset(), s.endOffset());
        String expectedData = Layout.segmentDataKey(where.source(), where.timeline(), s.startOffset(), s.endOffset(),
                s.compression());
        if (!s.source().equals(where.source()) || !s.timeline().equals(where.timeline()) || !key.equals(expected)
                || !s.object().equals(expectedData)) {
            throw misplaced(key, s.source() + "/" + s.timeline() + " offsets " + s.startOffset() + ".." + s.endOffset(),
                    where);
        }
        return Optional.of(s);
    }

    private RepositoryException misplaced(String key, String says, Layout.TimelineKey where) {
        return new RepositoryException(key + " in " + storage.describe() + " describes " + says + " but lies in "
                + where.source() + "/" + where.timeline() + ": it was moved or damaged; put it back or remove it");
    }
}
