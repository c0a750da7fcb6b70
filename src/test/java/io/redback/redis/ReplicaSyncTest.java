package io.redback.redis;

import static io.redback.redis.RedisConnectorTest.assertOneLine;
import static org.assertj.core.api.Assertions.assertThat;

import io.redback.rdb.RdbException;
import io.redback.rdb.RdbKey;
import io.redback.rdb.RdbReader;
import io.redback.rdb.RdbSummary;
import io.redback.rdb.RdbVisitor;
import io.redback.redis.RedisAccessException.Reason;
import io.redback.testsupport.Datasets;
import io.redback.testsupport.TestRedis;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/** A one-shot full sync from real servers, as the backup command takes it. */
@io.redback.testsupport.Slow
class ReplicaSyncTest {

    @Test
    void aDisklessSyncGivesExactlyTheRdbAndLeavesNoReplicaBehind() throws Exception {
        try (LocalRedisServer source = Datasets.server()
                .config("repl-diskless-sync", "yes").config("repl-diskless-sync-delay", "0").start();
             Jedis j = Datasets.jedis(source)) {
            Datasets.everyType(j, 20_000);
            List<long[]> updates = new ArrayList<>();
            ReplicaOptions options = ReplicaOptions.defaults()
                    .withProgress((bytes, total, mbs) -> updates.add(new long[] {bytes, total}));
            byte[] rdb;
            try (ReplicaSync sync = ReplicaSync.start(uri(source), options)) {
                assertThat(sync.diskless()).isTrue();
                assertThat(sync.rdbLength()).isEqualTo(-1);
                assertThat(sync.rdbOnly()).as("7.0 accepts REPLCONF rdb-only").isTrue();
                assertThat(sync.replicationId()).hasSize(40).isEqualTo(j.info("replication")
                        .lines().filter(l -> l.startsWith("master_replid:")).findFirst().orElseThrow().substring(14).trim());
                assertThat(sync.replicationOffset()).isGreaterThanOrEqualTo(0);
                assertThat(sync.server()).isEqualTo(new ServerIdentity("redis", source.version()));
                assertThat(connectedReplicas(source)).as("while transferring").isEqualTo(1);
                rdb = sync.rdb().readAllBytes();
                assertThat(sync.bytesReceived()).isEqualTo(rdb.length);
            }
            assertThat(validKeys(rdb)).isEqualTo(totalKeys(j));
            assertThat(updates).isNotEmpty().allSatisfy(u -> assertThat(u[1]).isEqualTo(-1));
            assertThat(updates.get(updates.size() - 1)[0]).isEqualTo(rdb.length);
            awaitNoReplicas(source);
        }
    }

    @Test
    void aDiskBasedSyncAnnouncesItsLengthAndLeavesNoReplicaBehind() throws Exception {
        try (LocalRedisServer source = Datasets.server().config("repl-diskless-sync", "no").start();
             Jedis j = Datasets.jedis(source)) {
            Datasets.everyType(j, 5_000);
            try (ReplicaSync sync = ReplicaSync.start(uri(source))) {
                assertThat(sync.diskless()).isFalse();
                byte[] rdb = sync.rdb().readAllBytes();
                assertThat(rdb).hasSize((int) sync.rdbLength());
                assertThat(validKeys(rdb)).isEqualTo(totalKeys(j));
                // Reaching the end closed the link: the source forgets us without waiting for close().
                awaitNoReplicas(source);
            }
        }
    }

    @Test
    void keepaliveNewlinesBeforeFullresyncAndBeforeTheRdbAreSkipped() throws Exception {
        // A diskless delay keeps the replica waiting for +FULLRESYNC; a slow disk save keeps it
        // waiting for the $<len> line. The master sends a newline every second meanwhile.
        for (String diskless : List.of("yes", "no")) {
            try (LocalRedisServer source = Datasets.server().config("repl-diskless-sync", diskless)
                    .config("repl-diskless-sync-delay", "2").config("rdb-key-save-delay", "1000").start();
                 Jedis j = Datasets.jedis(source)) {
                j.sendCommand(() -> "DEBUG".getBytes(), "POPULATE".getBytes(), "1500".getBytes());
                if (diskless.equals("yes")) {
                    j.configSet("rdb-key-save-delay", "0");
                }
                try (ReplicaSync sync = ReplicaSync.start(uri(source))) {
                    assertThat(validKeys(sync.rdb().readAllBytes())).isEqualTo(1500);
                    assertThat(sync.keepalivesSkipped()).as("diskless " + diskless).isPositive();
                }
            }
        }
    }

    @Test
    void abandoningATransferHalfWayFreesTheSource() throws Exception {
        try (LocalRedisServer source = Datasets.server()
                .config("repl-diskless-sync", "yes").config("repl-diskless-sync-delay", "0").start();
             Jedis j = Datasets.jedis(source)) {
            Datasets.everyType(j, 0);
            try (ReplicaSync sync = ReplicaSync.start(uri(source))) {
                assertThat(sync.rdb().readNBytes(1000)).hasSize(1000);
            }
            awaitNoReplicas(source);
        }
    }

    @Test
    void anAclUserLogsInForTheSyncOverTls() throws Exception {
        TestTls tls = TestTls.shared();
        int tlsPort = TestTls.freePort();
        try (LocalRedisServer source = RedisConnectorTest.tlsServer(tls, tlsPort, "no")
                .config("repl-diskless-sync-delay", "0").start();
             RedisConnection admin = source.connect()) {
            admin.call("ACL", "SETUSER", "backup", "on", ">pw", "+@all", "~*");
            admin.call("SET", "k", "v");
            RedisUri uri = RedisUri.parse("rediss://backup@127.0.0.1:" + tlsPort).withPassword("pw")
                    .withTlsOptions(TlsOptions.DEFAULT.withCaCert(tls.ca));
            try (ReplicaSync sync = ReplicaSync.start(uri)) {
                assertThat(validKeys(sync.rdb().readAllBytes())).isEqualTo(1);
            }
            awaitNoReplicas(source);
        }
    }

    @Test
    void aUserWithoutReplicationRightsIsToldWhatToGrant() throws Exception {
        try (LocalRedisServer source = TestRedis.server().start(); RedisConnection admin = source.connect()) {
            admin.call("ACL", "SETUSER", "reader", "on", ">pw", "+@all", "-psync", "-replconf", "-sync", "~*");
            RedisUri uri = RedisUri.parse("redis://reader:pw@127.0.0.1:" + source.port());
            assertOneLine(() -> ReplicaSync.start(uri), Reason.PERMISSION,
                    "user 'reader' lacks the replication permissions at redis://reader:***@127.0.0.1:" + source.port());
            assertOneLine(() -> ReplicaSync.start(uri), Reason.PERMISSION,
                    "grant +psync +replconf +sync or use --method bgsave");
            awaitNoReplicas(source);
        }
    }

    @Test
    void wrongPasswordAndClosedPortAreOneLine() throws Exception {
        try (LocalRedisServer source = TestRedis.server().start(); RedisConnection admin = source.connect()) {
            admin.call("ACL", "SETUSER", "backup", "on", ">right-one", "+@all", "~*");
            assertOneLine(() -> ReplicaSync.start(RedisUri.parse("redis://backup:wrong-one@127.0.0.1:" + source.port())),
                    Reason.AUTH, "wrong password for user 'backup'");
        }
        long started = System.nanoTime();
        assertOneLine(() -> ReplicaSync.start(RedisUri.parse("redis://127.0.0.1:" + TestTls.freePort())),
                Reason.UNREACHABLE, "connection refused");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(2));
    }

    @Test
    void aReplicaWithoutItsMasterIsRetriedUntilItCanServe() throws Exception {
        try (LocalRedisServer source = TestRedis.server().config("repl-diskless-sync-delay", "0").start();
             RedisConnection admin = source.connect()) {
            admin.call("SET", "k", "v");
            admin.call("REPLICAOF", "127.0.0.1", Integer.toString(TestTls.freePort())); // a master that is not there
            ReplicaOptions brief = ReplicaOptions.defaults().withRetryFor(Duration.ofMillis(500));
            assertOneLine(() -> ReplicaSync.start(uri(source), brief), Reason.NOT_READY,
                    "NOMASTERLINK Can't SYNC while not connected with my master");

            CompletableFuture<byte[]> rdb = CompletableFuture.supplyAsync(() -> {
                try (ReplicaSync sync = ReplicaSync.start(uri(source),
                        ReplicaOptions.defaults().withRetryFor(Duration.ofSeconds(20)))) {
                    return sync.rdb().readAllBytes();
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            Thread.sleep(400); // time must pass: nothing to poll for when checking that the sync keeps waiting
            assertThat(rdb).isNotDone();
            admin.call("REPLICAOF", "NO", "ONE");
            // A former replica keeps its data; it serves it once it is a master again.
            assertThat(validKeys(rdb.get(20, TimeUnit.SECONDS))).isEqualTo(0L + admin.callLong("DBSIZE"));
        }
    }

    static RedisUri uri(LocalRedisServer redis) {
        return RedisUri.parse("redis://127.0.0.1:" + redis.port());
    }

    static long connectedReplicas(LocalRedisServer redis) throws IOException {
        try (RedisConnection c = redis.connect()) {
            return Long.parseLong(c.info("replication").get("connected_slaves"));
        }
    }

    /** The source forgets a replica as soon as its connection closes; allow it a moment. */
    static void awaitNoReplicas(LocalRedisServer redis) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        while (connectedReplicas(redis) != 0) {
            assertThat(System.nanoTime()).as("connected_slaves back to 0 within 2 s").isLessThan(deadline);
            Thread.sleep(10);
        }
    }

    static long totalKeys(Jedis j) {
        long n = 0;
        for (String line : j.info("keyspace").split("\r?\n")) {
            if (line.startsWith("db")) {
                n += Long.parseLong(line.replaceAll(".*keys=(\\d+).*", "$1"));
            }
        }
        return n;
    }

    /** Reads the RDB fully with the validating reader (CRC64 included) and counts its keys. */
    static long validKeys(byte[] rdb) throws IOException, RdbException {
        try (InputStream in = new ByteArrayInputStream(rdb)) {
            RdbSummary summary = new RdbReader(in).read(new RdbVisitor() {
                @Override
                public boolean wantsValues() {
                    return false;
                }

                @Override
                public void endKey(RdbKey key, long elements, long valueBytes) {
                }
            });
            assertThat(summary.endOffset()).as("nothing after the RDB").isEqualTo(rdb.length);
            return summary.keys();
        }
    }
}
