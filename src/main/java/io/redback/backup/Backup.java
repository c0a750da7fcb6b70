package io.redback.backup;

import io.redback.rdb.RdbException;
import io.redback.redis.RedisUri;
import io.redback.redis.ReplicaSync;
import io.redback.redis.ReplicationLink;
import io.redback.redis.TransferProgress;
import io.redback.repo.Compression;
import io.redback.repo.Repository;
import io.redback.repo.SnapshotId;
import io.redback.repo.SnapshotManifest;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.Objects;

/**
 * Takes a snapshot: one RDB of a source, already being received (or, for a scan, written as it is read), stored in a repository: a new
 * id, the verified write of the data object ({@link SnapshotWriter}), then the manifest that makes
 * it a snapshot. {@code redback backup}, the agent's scheduled snapshots and {@code redback
 * stream} (a timeline's base, {@code --snapshot-every}) all call {@link #take}, so that a
 * snapshot is taken one way whoever asks.
 */
public final class Backup {
    private Backup() {
    }

    /** Where the RDB comes from. */
    public sealed interface Rdb permits FullSync, Bgsave, Scan, StreamBase {
    }

    /** The RDB of a full sync as a replica; the sync is closed when done (the source sees its replica go). */
    public record FullSync(ReplicaSync sync) implements Rdb {
        public FullSync {
            Objects.requireNonNull(sync, "sync");
        }
    }

    /** The file a BGSAVE wrote; closed when done. */
    public record Bgsave(BgsaveSnapshot saved) implements Rdb {
        public Bgsave {
            Objects.requireNonNull(saved, "saved");
        }
    }

    /** The RDB a scan writes from DUMP payloads (no replication id or offset); closed when done. */
    public record Scan(ScanSnapshot scan) implements Rdb {
        public Scan {
            Objects.requireNonNull(scan, "scan");
        }
    }

    /**
     * The RDB of a {@code +FULLRESYNC} on a replication link that stays open (a stream's base
     * snapshot, the start of a timeline): read up to its end, the link is not closed.
     */
    public record StreamBase(ReplicationLink link, ReplicationLink.FullResync full, Instant startedAt) implements Rdb {
        public StreamBase {
            Objects.requireNonNull(link, "link");
            Objects.requireNonNull(full, "full");
            Objects.requireNonNull(startedAt, "startedAt");
        }
    }

    /** The committed snapshot and how the write went. */
    public record Stored(SnapshotManifest manifest, SnapshotResult result) {
    }

    /**
     * Stores rdb as a new snapshot of source, taken from uri.
     *
     * @param progress told the raw bytes read so far (see {@link SnapshotWriter})
     * @throws RdbException when the RDB is damaged: nothing is stored
     * @throws IOException when the transfer or the repository fails: no snapshot is made
     */
    public static Stored take(Repository repository, String source, RedisUri uri, Rdb rdb, Compression compression,
                              TransferProgress progress, Clock clock) throws IOException, RdbException {
        SnapshotId id = repository.newSnapshotId(clock);
        String key = repository.dataKey(source, id, compression);
        SnapshotWriter writer = new SnapshotWriter(repository.storage(), compression, progress);
        SnapshotResult r;
        if (rdb instanceof FullSync f) {
            r = writer.write(key, f.sync());
        } else if (rdb instanceof Bgsave b) {
            r = writer.write(key, b.saved());
        } else if (rdb instanceof Scan s) {
            r = writer.write(key, s.scan());
        } else {
            StreamBase s = (StreamBase) rdb;
            r = writer.writeFullSync(key, s.link().rdb(), s.link().rdbLength(), s.link().server(),
                    s.full().replicationId(), s.full().offset(), s.startedAt());
        }
        SnapshotManifest m = r.manifest(id, source, uri.address());
        repository.commit(m);
        return new Stored(m, r);
    }
}
