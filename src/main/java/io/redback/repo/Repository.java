package io.redback.repo;

import io.redback.storage.Storage;
import io.redback.storage.StorageKeys;
import io.redback.storage.crypt.EncryptedStorage;
import io.redback.storage.crypt.KeySlots;
import io.redback.storage.crypt.MasterKey;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * A redback repository on some {@link Storage}: its {@code config.json} (format version, id),
 * its layout, and the commit of snapshots (data object first, verified to be there with its
 * size, then the manifest that makes it a snapshot). {@link #open} refuses a location without a
 * repository or with a newer format; {@link #openOrInit} lets a first backup create one. The
 * caller owns the storage and closes it.
 */
public final class Repository {
    /** The repository format this release writes and the newest it opens. */
    public static final int FORMAT_VERSION = 1;
    /**
     * The format of an encrypted repository's {@code config.json}: a release that knows only
     * {@link #FORMAT_VERSION} refuses it instead of reading ciphertext (fail closed).
     */
    public static final int ENCRYPTED_FORMAT_VERSION = 2;

    private final Storage storage;
    private final RepositoryConfig config;
    private final SecureRandom random = new SecureRandom();
    private final Skips skips = new Skips();

    private Repository(Storage storage, RepositoryConfig config) {
        this.storage = storage;
        this.config = config;
    }

    /**
     * Creates a repository: writes config.json with a new random id. Refuses a location that
     * already has a config.json, or other objects (it is someone else's folder or bucket prefix).
     */
    public static Repository init(Storage storage, Clock clock) throws IOException {
        refuseUsed(storage);
        byte[] id = new byte[16];
        new SecureRandom().nextBytes(id);
        RepositoryConfig config = new RepositoryConfig(FORMAT_VERSION, HexFormat.of().formatHex(id),
                clock.instant().truncatedTo(ChronoUnit.SECONDS));
        byte[] json = RepoJson.write(config);
        storage.put(Layout.CONFIG, new ByteArrayInputStream(json), json.length);
        return new Repository(storage, config);
    }

    /**
     * Creates an encrypted repository: a new random master key, a key slot for password under
     * {@code keys/}, then config.json (last: it makes the location a repository). The repository
     * returned works on the encrypting storage. Refuses what {@link #init} refuses.
     */
    public static Repository initEncrypted(Storage storage, Clock clock, char[] password) throws IOException {
        refuseUsed(storage);
        byte[] id = new byte[16];
        new SecureRandom().nextBytes(id);
        RepositoryConfig config = new RepositoryConfig(ENCRYPTED_FORMAT_VERSION, HexFormat.of().formatHex(id),
                clock.instant().truncatedTo(ChronoUnit.SECONDS), RepositoryConfig.Encryption.CURRENT);
        MasterKey key = MasterKey.random();
        KeySlots.add(storage, config.id(), key, password, clock.instant(), KeySlots.Scrypt.DEFAULT);
        byte[] json = RepoJson.write(config);
        storage.put(Layout.CONFIG, new ByteArrayInputStream(json), json.length);
        return new Repository(new EncryptedStorage(storage, key, config.id()), config);
    }

    /** The config.json at storage, or empty when there is none (not a repository). */
    public static Optional<RepositoryConfig> readConfig(Storage storage) throws IOException {
        RepositoryConfig config;
        try {
            config = RepoJson.read(storage, Layout.CONFIG, RepositoryConfig.class, ENCRYPTED_FORMAT_VERSION,
                    java.util.Set.of("encryption"));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        // format 2 is only ever an encrypted repository; anything else of it is newer than this release
        int supported = config.encrypted() ? ENCRYPTED_FORMAT_VERSION : FORMAT_VERSION;
        if (config.formatVersion() > supported || config.encrypted() && config.formatVersion() < ENCRYPTED_FORMAT_VERSION) {
            throw new RepositoryException(Layout.CONFIG + " in " + storage.describe() + " has format version "
                    + config.formatVersion() + " but this redback reads versions up to " + supported + ": upgrade redback");
        }
        return Optional.of(config);
    }

    /**
     * Opens the repository at storage; refuses a missing one and one of a newer format, and an
     * encrypted one unless storage is the {@link EncryptedStorage} unlocked for it (fail closed:
     * its objects are never read as they are stored).
     */
    public static Repository open(Storage storage) throws IOException {
        RepositoryConfig config = readConfig(storage).orElseThrow(() -> new RepositoryException(
                "no redback repository at " + storage.describe()
                        + " (no config.json): check the repository URL, or create one with `redback init`"));
        if (config.encrypted()) {
            if (!config.encryption().equals(RepositoryConfig.Encryption.CURRENT)) {
                throw new RepositoryException("the repository at " + storage.describe() + " is encrypted with "
                        + config.encryption() + ", which this redback does not read: upgrade redback");
            }
            if (!(storage instanceof EncryptedStorage e) || !e.repositoryId().equals(config.id())) {
                throw new RepositoryException("the repository at " + storage.describe() + " is encrypted: give its "
                        + "password (REDBACK_REPO_PASSWORD, --repo-password-file or --repo-password-command)");
            }
        } else if (storage instanceof EncryptedStorage) {
            throw new RepositoryException("the repository at " + storage.describe() + " is not encrypted");
        }
        return new Repository(storage, config);
    }

    /**
     * Opens the repository at storage, creating it first when there is none (for a first
     * backup); says so through notice, because a typo in a URL would otherwise pass unnoticed.
     */
    public static Repository openOrInit(Storage storage, Clock clock, Consumer<String> notice) throws IOException {
        if (storage.stat(Layout.CONFIG).isPresent()) {
            return open(storage);
        }
        Repository created = init(storage, clock);
        notice.accept("created a new repository at " + storage.describe() + " (id " + created.config.id()
                + ", format " + FORMAT_VERSION + ")");
        return created;
    }

    private static void refuseUsed(Storage storage) throws IOException {
        if (storage.stat(Layout.CONFIG).isPresent()) {
            throw new RepositoryException("a repository already exists at " + storage.describe()
                    + " (config.json is there): use it, or choose another location");
        }
        if (!storage.list("").isEmpty()) {
            throw new RepositoryException(storage.describe() + " is not empty and has no config.json: refusing to "
                    + "create a repository among other files; choose an empty folder or prefix");
        }
    }

    /** The source name if it is valid, else IllegalArgumentException saying what a name may hold. */
    public static String checkSourceName(String name) {
        return Layout.requireSourceName(name);
    }

    public Storage storage() {
        return storage;
    }

    public RepositoryConfig config() {
        return config;
    }

    /** Where the repository is, for messages. */
    public String describe() {
        return storage.describe();
    }

    /** What a command reads of a source; it decides among which sources {@link #onlySource} picks. */
    public enum Holding {
        /** Snapshots: the source has at least one. */
        SNAPSHOTS,
        /** A shipped log: the source has at least one timeline. */
        LOG,
        /** Either snapshots or a timeline. */
        ANYTHING
    }

    /** Every source with a snapshot or a timeline, sorted (one listing). */
    public List<String> sources() throws IOException {
        TreeSet<String> names = new TreeSet<>();
        for (Storage.ObjectInfo o : storage.list(Layout.SOURCES)) {
            Layout.parseSnapshotKey(o.key()).filter(Layout.SnapshotKey::isManifest).ifPresent(k -> names.add(k.source()));
            Layout.parseTimelineKey(o.key()).filter(Layout.TimelineKey::isTimeline).ifPresent(k -> names.add(k.source()));
        }
        return List.copyOf(names);
    }

    /**
     * The sources a command that takes an optional {@code --name} works on: only name (checked,
     * IllegalArgumentException when it is not a valid name) when given, else {@link #sources()}.
     */
    public List<String> sources(String name) throws IOException {
        return name != null ? List.of(Layout.requireSourceName(name)) : sources();
    }

    /**
     * The one source a command is about: name when given (checked, IllegalArgumentException when
     * it is not a valid name), else the only source holding what the command reads.
     *
     * @throws NoSingleSourceException when no name was given and none or several sources hold it
     */
    public String onlySource(String name, Holding holding) throws IOException {
        if (name != null) {
            return Layout.requireSourceName(name);
        }
        List<String> candidates = switch (holding) {
            case SNAPSHOTS -> catalog().sources();
            case LOG -> timelines().sources();
            case ANYTHING -> sources();
        };
        return SourceChoice.only(null, candidates, holding, describe());
    }

    /** Every object under source's folder (snapshots, timelines, stream.json), from one listing. */
    public List<Storage.ObjectInfo> objectsOf(String source) throws IOException {
        return storage.list(Layout.sourcePrefix(source));
    }

    /** Reads snapshots: lists, latest, lookup by id prefix. */
    public Catalog catalog() {
        return new Catalog(storage, skips);
    }

    /**
     * Whom to tell, once per document, that a reader skipped a document it could not use (see
     * {@link SkippedDocument}); commands print a one-line warning.
     */
    public void onSkipped(Consumer<SkippedDocument> listener) {
        skips.listener(Objects.requireNonNull(listener, "listener"));
    }

    /** The documents this repository's readers have skipped so far, each once, in the order met. */
    public List<SkippedDocument> skipped() {
        return skips.all();
    }

    /** A new id for a snapshot of any source started at the clock's instant. */
    public SnapshotId newSnapshotId(Clock clock) {
        return SnapshotId.at(clock.instant(), random);
    }

    /** The key a snapshot's data object is written under, before {@link #commit}. */
    public String dataKey(String source, SnapshotId id, Compression compression) {
        return Layout.dataKey(source, id, compression);
    }

    /** The key of a snapshot's manifest, which {@link #commit(SnapshotManifest)} writes. */
    public String manifestKey(String source, SnapshotId id) {
        return Layout.manifestKey(source, id);
    }

    /**
     * The key of a cluster snapshot's manifest, {@code clusters/<cluster>/snapshots/<id>.json}:
     * written after every shard's snapshot is committed, it groups them.
     */
    public String clusterSnapshotKey(String cluster, SnapshotId id) {
        return Layout.clusterSnapshotKey(cluster, id);
    }

    /** The folder of a cluster's snapshot manifests; their keys sort by start time. */
    public String clusterSnapshotsPrefix(String cluster) {
        return Layout.clusterSnapshotsPrefix(cluster);
    }

    /**
     * The key of a cluster's shard map record, {@code clusters/<cluster>/shards/<id>.json}: which
     * index (and so which per-shard source) each shard has from then on; the newest one holds.
     */
    public String clusterShardMapKey(String cluster, SnapshotId id) {
        return Layout.clusterShardMapKey(cluster, id);
    }

    /** The folder of a cluster's shard map records; their keys sort by the time they were written. */
    public String clusterShardMapsPrefix(String cluster) {
        return Layout.clusterShardMapsPrefix(cluster);
    }

    /**
     * The key of a named cut of a cluster, {@code clusters/<cluster>/marks/<mark>.json} (mark
     * named like a source): every shard's replication offset at one paused instant.
     */
    public String clusterMarkKey(String cluster, String mark) {
        return Layout.clusterMarkKey(cluster, mark);
    }

    /** The folder holding every cluster's folder: {@code clusters/}. */
    public String clustersPrefix() {
        return Layout.CLUSTERS;
    }

    /** A key under tmp/ for scratch objects; prune removes those older than a day. */
    public String tmpKey(String name) {
        return StorageKeys.requireKey(Layout.TMP + name);
    }

    /**
     * Makes a snapshot visible: checks that its data object is where the layout puts it and has
     * storedSize bytes, then writes its manifest. Until this returns, the data object is garbage
     * to every reader; a crash before or during the write leaves the repository valid.
     */
    public void commit(SnapshotManifest manifest) throws IOException {
        Objects.requireNonNull(manifest, "manifest");
        String expected = Layout.dataKey(manifest.source(), manifest.id(), manifest.compression());
        if (!manifest.object().equals(expected)) {
            throw new IllegalArgumentException("manifest object " + manifest.object() + " is not where the layout puts it ("
                    + expected + ")");
        }
        Optional<Storage.ObjectInfo> data = storage.stat(manifest.object());
        if (data.isEmpty()) {
            throw new RepositoryException("refusing to commit snapshot " + manifest.id() + ": its data object "
                    + manifest.object() + " is not in " + describe());
        }
        if (data.get().size() != manifest.storedSize()) {
            throw new RepositoryException("refusing to commit snapshot " + manifest.id() + ": its data object "
                    + manifest.object() + " has " + data.get().size() + " bytes, the manifest says " + manifest.storedSize());
        }
        byte[] json = RepoJson.write(manifest);
        storage.put(Layout.manifestKey(manifest.source(), manifest.id()), new ByteArrayInputStream(json), json.length);
    }

    /** Reads timelines, their segments and the stream status. */
    public Timelines timelines() {
        return new Timelines(storage, skips);
    }

    /** The key a segment's data object is written under, before {@link #commit(SegmentManifest)}. */
    public String segmentDataKey(String source, SnapshotId timeline, long startOffset, long endOffset,
                                 Compression compression) {
        return Layout.segmentDataKey(source, timeline, startOffset, endOffset, compression);
    }

    /** The key of a segment's manifest, which {@link #commit(SegmentManifest)} writes. */
    public String segmentManifestKey(String source, SnapshotId timeline, long startOffset, long endOffset) {
        return Layout.segmentManifestKey(source, timeline, startOffset, endOffset);
    }

    /** The key a restore drill's result is written under: {@code sources/<source>/drills/<id>.json}. */
    public String drillKey(String source, SnapshotId id) {
        return Layout.drillKey(source, id);
    }

    /** The folder of source's drill results; their keys sort by the drills' start times. */
    public String drillsPrefix(String source) {
        return Layout.drillsPrefix(source);
    }

    /**
     * Starts a timeline: writes its timeline.json. Its base snapshot (same id) must be committed
     * first, so that every timeline a reader sees has somewhere to start.
     */
    public void commit(TimelineManifest timeline) throws IOException {
        Objects.requireNonNull(timeline, "timeline");
        if (storage.stat(Layout.manifestKey(timeline.source(), timeline.id())).isEmpty()) {
            throw new RepositoryException("refusing to start timeline " + timeline.id() + ": its base snapshot "
                    + timeline.source() + "/" + timeline.id() + " is not committed in " + describe());
        }
        byte[] json = RepoJson.write(timeline);
        storage.put(Layout.timelineKey(timeline.source(), timeline.id()), new ByteArrayInputStream(json), json.length);
    }

    /**
     * Makes a segment visible: checks that its data object is where the layout puts it with
     * storedSize bytes, then writes its manifest.
     */
    public void commit(SegmentManifest segment) throws IOException {
        Objects.requireNonNull(segment, "segment");
        String expected = Layout.segmentDataKey(segment.source(), segment.timeline(), segment.startOffset(),
                segment.endOffset(), segment.compression());
        if (!segment.object().equals(expected)) {
            throw new IllegalArgumentException("segment object " + segment.object() + " is not where the layout puts it ("
                    + expected + ")");
        }
        Optional<Storage.ObjectInfo> data = storage.stat(segment.object());
        if (data.isEmpty() || data.get().size() != segment.storedSize()) {
            throw new RepositoryException("refusing to commit segment " + segment.object() + ": its data object is "
                    + (data.isEmpty() ? "missing" : data.get().size() + " bytes, the manifest says " + segment.storedSize()));
        }
        byte[] json = RepoJson.write(segment);
        storage.put(Layout.segmentManifestKey(segment.source(), segment.timeline(), segment.startOffset(),
                segment.endOffset()), new ByteArrayInputStream(json), json.length);
    }

    /**
     * Takes the repository's exclusive lock for operation ({@code prune}, {@code compact}) and
     * keeps it fresh until closed; see {@link RepositoryLock}. Stale locks are ignored and named
     * through notice. Throws {@link RepositoryLockedException} when another operation holds it.
     */
    public RepositoryLock lockExclusive(String operation, Clock clock, Consumer<String> notice) throws IOException {
        return RepositoryLock.acquireExclusive(storage, operation, clock, RepositoryLock.REFRESH_EVERY, notice);
    }

    /** Every lock in the repository, oldest first (see {@link RepositoryLock#all}). */
    public List<LockHolder> locks() throws IOException {
        return RepositoryLock.all(storage);
    }

    /** Deletes the stale locks, or with {@code all} every lock (for when their holders are known to be gone). */
    public RepositoryLock.Unlocked unlock(Clock clock, boolean all) throws IOException {
        return RepositoryLock.unlock(storage, clock, all);
    }

    /** Rewrites the source's stream.json. */
    public void write(StreamStatus status) throws IOException {
        byte[] json = RepoJson.write(status);
        storage.put(Layout.streamStatusKey(status.source()), new ByteArrayInputStream(json), json.length);
    }
}
