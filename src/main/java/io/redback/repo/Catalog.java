package io.redback.repo;

import io.redback.storage.Storage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The snapshots in a repository, known only from their manifests: a data object without a
 * manifest is garbage from an interrupted backup or prune, never a snapshot. Lists are newest
 * first (ids hold the start time to the millisecond, so two backups a few milliseconds apart keep
 * their order). Every manifest read is checked against where it lies (its source and id must
 * match its key); a misplaced or damaged one is skipped and reported by key (see
 * {@link SkippedDocument}) instead of being trusted or blocking the other snapshots.
 */
public final class Catalog {
    private static final Comparator<SnapshotManifest> NEWEST_FIRST =
            Comparator.comparing(SnapshotManifest::id).reversed().thenComparing(SnapshotManifest::source);

    private final Storage storage;
    private final Skips skips;

    Catalog(Storage storage, Skips skips) {
        this.storage = storage;
        this.skips = skips;
    }

    /** The names of the sources that have at least one snapshot, sorted. */
    public List<String> sources() throws IOException {
        TreeSet<String> names = new TreeSet<>();
        for (Storage.ObjectInfo o : storage.list(Layout.SOURCES)) {
            Layout.parseSnapshotKey(o.key()).filter(Layout.SnapshotKey::isManifest).ifPresent(k -> names.add(k.source()));
        }
        return List.copyOf(names);
    }

    /**
     * The snapshots found by one listing, newest first, and the leftovers seen on the way: objects
     * in snapshot folders that have no manifest, from an interrupted backup (or one still running;
     * prune removes them once they are a day old).
     */
    public record Listing(List<SnapshotManifest> snapshots, List<Storage.ObjectInfo> leftovers) {
        public Listing {
            snapshots = List.copyOf(snapshots);
            leftovers = List.copyOf(leftovers);
        }
    }

    /** The snapshots of source, newest first. */
    public List<SnapshotManifest> snapshots(String source) throws IOException {
        return listing(source).snapshots();
    }

    /** The snapshots of every source, newest first. */
    public List<SnapshotManifest> snapshots() throws IOException {
        return listing(null).snapshots();
    }

    /** The snapshots of source (every source when null) and the leftovers beside them, from one listing. */
    public Listing listing(String source) throws IOException {
        return load(source == null ? Layout.SOURCES : Layout.snapshotsPrefix(source));
    }

    /** The newest snapshot of source, if any. */
    public Optional<SnapshotManifest> latest(String source) throws IOException {
        return snapshots(source).stream().findFirst();
    }

    /**
     * The snapshot named by idOrLatest among source's snapshots (or all sources' when source is
     * null): {@code latest} is the newest of source, or of the only source with snapshots when
     * source is null; anything else is an id or the start of one. Throws RepositoryException when
     * none or several match ({@link NoSingleSourceException} for {@code latest} without a source
     * when there is none or several), IllegalArgumentException when source is not a valid name.
     */
    public SnapshotManifest find(String source, String idOrLatest) throws IOException {
        if (source != null) {
            Layout.requireSourceName(source);
        }
        if (idOrLatest == null || idOrLatest.isEmpty()) {
            throw new IllegalArgumentException("give a snapshot id or the start of one");
        }
        if (idOrLatest.equals("latest")) {
            String s = SourceChoice.only(source, sources(), Repository.Holding.SNAPSHOTS, storage.describe());
            return latest(s).orElseThrow(() -> new RepositoryException("source " + s
                    + " has no snapshots in this repository"));
        }
        List<SnapshotManifest> all = source == null ? snapshots() : snapshots(source);
        List<SnapshotManifest> exact = all.stream().filter(m -> m.id().toString().equals(idOrLatest)).toList();
        return exactlyOne(source, idOrLatest, !exact.isEmpty() ? exact
                : all.stream().filter(m -> m.id().toString().startsWith(idOrLatest)).toList());
    }

    private SnapshotManifest exactlyOne(String source, String idOrPrefix, List<SnapshotManifest> matches)
            throws RepositoryException {
        String scope = source == null ? "" : " of source " + source;
        if (matches.isEmpty()) {
            throw new RepositoryException("no snapshot" + scope + " has an id starting with '" + idOrPrefix + "' in "
                    + storage.describe() + ": list the snapshots to see the ids");
        }
        if (matches.size() > 1) {
            StringBuilder ids = new StringBuilder();
            matches.stream().limit(5).forEach(m -> ids.append(ids.length() == 0 ? "" : ", ").append(m.source())
                    .append('/').append(m.id()));
            throw new RepositoryException("'" + idOrPrefix + "' matches " + matches.size() + " snapshots" + scope
                    + " (" + ids + (matches.size() > 5 ? ", ..." : "") + "): give more of the id"
                    + (source == null ? " or name the source" : ""));
        }
        return matches.get(0);
    }

    private Listing load(String prefix) throws IOException {
        List<SnapshotManifest> found = new ArrayList<>();
        Set<String> withManifest = new HashSet<>();
        List<Storage.ObjectInfo> others = new ArrayList<>();
        for (Storage.ObjectInfo o : storage.list(prefix)) {
            Optional<Layout.SnapshotKey> key = Layout.parseSnapshotKey(o.key());
            if (key.isPresent() && key.get().isManifest()) {
                withManifest.add(key.get().folder());
                read(o.key(), key.get()).ifPresent(found::add);
            } else if (key.isPresent()) {
                others.add(o);
            }
        }
        found.sort(NEWEST_FIRST);
        List<Storage.ObjectInfo> leftovers = others.stream()
                .filter(o -> !withManifest.contains(Layout.parseSnapshotKey(o.key()).orElseThrow().folder())).toList();
        return new Listing(found, leftovers);
    }

    private Optional<SnapshotManifest> read(String key, Layout.SnapshotKey where) throws IOException {
        try {
            return readOrThrow(key, where);
        } catch (RepositoryException e) {
            skips.add(key, e);
            return Optional.empty();
        } catch (IllegalArgumentException e) {
            skips.add(key, e);
            return Optional.empty();
        }
    }

    private Optional<SnapshotManifest> readOrThrow(String key, Layout.SnapshotKey where) throws IOException {
        SnapshotManifest m;
        try {
            m = RepoJson.read(storage, key, SnapshotManifest.class, SnapshotManifest.FORMAT_VERSION,
                    SnapshotManifest.ADDED_FIELDS);
        } catch (java.nio.file.NoSuchFileException e) {
            // Deleted between the listing and the read (a concurrent prune): it is gone, not damaged.
            return Optional.empty();
        }
        String expected = Layout.dataKey(where.source(), where.id(), m.compression());
        if (!m.source().equals(where.source()) || !m.id().equals(where.id()) || !m.object().equals(expected)) {
            throw new RepositoryException(key + " in " + storage.describe() + " describes snapshot " + m.source() + "/"
                    + m.id() + " with object " + m.object() + ", but lies where " + where.source() + "/" + where.id()
                    + " belongs (object " + expected + "): it was moved or damaged; put it back or remove it");
        }
        return Optional.of(m);
    }
}
