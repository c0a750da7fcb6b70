package io.redback.cli;

import io.redback.cluster.ClusterBackup;
import io.redback.cluster.ClusterDiscovery;
import io.redback.cluster.ClusterException;
import io.redback.cluster.ClusterSnapshot;
import io.redback.cluster.ClusterTopology;
import io.redback.rdb.RdbException;
import io.redback.redis.RedisUri;
import io.redback.redis.ReplicaOptions;
import io.redback.repo.Compression;
import io.redback.repo.Repository;
import io.redback.storage.Storage;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Clock;
import java.util.Locale;

/** {@code backup --cluster}: discovery, the per-shard snapshots and their output. */
final class ClusterBackupRun {
    private final BackupCommand command;
    private final PrintWriter out;
    private final PrintWriter err;

    ClusterBackupRun(BackupCommand command, PrintWriter out, PrintWriter err) {
        this.command = command;
        this.out = out;
        this.err = err;
    }

    int run(RedisUri uri, ReplicaOptions replica, String cluster, Compression compression, Clock clock) {
        if (command.method == BackupCommand.BackupMethod.bgsave) {
            err.println("redback backup: --cluster takes each shard's RDB by a full sync (--method sync) or a scan of "
                    + "each primary (--method scan)");
            return Main.USAGE;
        }
        if (command.scanOptions != null && command.preferReplica) {
            err.println("redback backup: --method scan reads each shard's primary; --prefer-replica goes with "
                    + "--method sync");
            return Main.USAGE;
        }
        long started = System.nanoTime();
        try (Storage storage = command.repo.openStorage()) {
            ClusterTopology topology = ClusterDiscovery.discover(uri);
            if (topology.unassignedSlots() > 0) {
                err.println("redback backup: " + topology.unassignedSlots() + " of " + ClusterTopology.SLOTS
                        + " slots are served by no shard (cluster_state is not ok?); their keys, if any, are not in "
                        + "this backup");
            }
            Repository repository = command.repo.openOrInit(storage, clock);
            ClusterBackup.Taken taken = ClusterBackup.take(repository, cluster, topology, uri,
                    new ClusterBackup.Options(command.preferReplica, command.allowMigrating, compression, replica,
                            command.scanOptions), clock);
            ClusterSnapshot m = taken.manifest();
            double took = (System.nanoTime() - started) / 1e9;
            if (command.output.json) {
                out.println(Json.write(m));
            } else {
                out.println("cluster snapshot " + m.id() + " of " + cluster + " (" + m.shards().size() + " shards, from "
                        + uri.address() + ") stored in " + repository.describe());
                for (ClusterSnapshot.ShardSnapshot s : m.shards()) {
                    out.println("  shard " + s.index() + "  slots " + String.join(",", s.slots()) + "  from "
                            + s.nodeAddress() + (s.replica() ? " (replica)" : " (primary)") + "  snapshot " + s.source()
                            + "/" + s.snapshot() + ", " + Text.count(s.keys()) + " keys"
                            + (s.replicationId() == null ? ", scanned" : ", replication " + s.replicationId() + ":"
                            + s.replicationOffset()));
                }
                if (m.allowedMigrating()) {
                    out.println("  migrating  " + String.join("; ", m.migrating()) + " (--allow-migrating)");
                }
                out.println("  time       " + String.format(Locale.ROOT, "%.1f s", took));
            }
            out.flush();
            return Main.OK;
        } catch (ClusterException e) {
            err.println("redback backup: " + e.getMessage());
            return Main.USAGE;
        } catch (RdbException e) {
            err.println("redback backup: a shard's RDB is damaged, no cluster snapshot was stored: " + Text.message(e));
            return Main.PROBLEM;
        } catch (IOException | RuntimeException e) {
            err.println("redback backup: " + Text.message(e));
            return Main.USAGE;
        }
    }
}
