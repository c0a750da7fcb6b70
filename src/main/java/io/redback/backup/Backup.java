package io.redback.backup;

import io.redback.rdb.RdbException;
import io.redback.redis.RedisUri;
import io.redback.redis.ReplicaSync;
import io.redback.redis.TransferProgress;
import io.redback.repo.Compression;
import io.redback.repo.Repository;
import io.redback.repo.SnapshotId;
import io.redback.repo.SnapshotManifest;
import java.io.IOException;
import java.time.Clock;

/**
 * One snapshot of a source into a repository, from an RDB already being received (a full sync
 * or a BGSAVE file): a new id, the verified write of the data object, then the manifest that
 * makes it a snapshot. {@code redback backup} and the agent's scheduled snapshots both call it,
 * so that a snapshot is taken one way whoever asks.
 */
public final class Backup {
    private Backup() {
    }

    /** The committed snapshot and how the write went. */
    public record Stored(SnapshotManifest manifest, SnapshotResult result) {
    }

    /** Stores the RDB of a full sync as a new snapshot of source. */
    public static Stored store(Repository repository, String source, RedisUri uri, ReplicaSync sync,
                               Compression compression, TransferProgress progress, Clock clock)
            throws IOException, RdbException {
        SnapshotId id = repository.newSnapshotId(clock);
        SnapshotWriter writer = new SnapshotWriter(repository.storage(), compression, progress);
        return commit(repository, source, uri, id, writer.write(repository.dataKey(source, id, compression), sync));
    }

    /** Stores the file a BGSAVE wrote as a new snapshot of source. */
    public static Stored store(Repository repository, String source, RedisUri uri, BgsaveSnapshot saved,
                               Compression compression, TransferProgress progress, Clock clock)
            throws IOException, RdbException {
        SnapshotId id = repository.newSnapshotId(clock);
        SnapshotWriter writer = new SnapshotWriter(repository.storage(), compression, progress);
        return commit(repository, source, uri, id, writer.write(repository.dataKey(source, id, compression), saved));
    }

    private static Stored commit(Repository repository, String source, RedisUri uri, SnapshotId id, SnapshotResult r)
            throws IOException {
        SnapshotManifest m = r.manifest(id, source, uri.address());
        repository.commit(m);
        return new Stored(m, r);
    }
}
