package io.redback.redis;

import static io.redback.redis.RedisConnectorTest.assertOneLine;
import static io.redback.redis.ReplicaSyncTest.awaitNoReplicas;
import static io.redback.redis.ReplicaSyncTest.uri;
import static io.redback.redis.ReplicaSyncTest.validKeys;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.redback.rdb.RdbReader;
import io.redback.rdb.RdbVisitor;
import io.redback.redis.RedisAccessException.Reason;
import io.redback.redis.ReplicationLink.Continue;
import io.redback.redis.ReplicationLink.FullResync;
import io.redback.resp.RespCommand;
import io.redback.resp.RespException;
import io.redback.resp.RespReader;
import io.redback.testsupport.TestRedis;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A replica link that stays open, against real servers: full and partial resyncs, ACKs, failover. */
@Timeout(30)
@io.redback.testsupport.Slow
class ReplicationLinkTest {
    // Bounds a test that waits for a command that never comes; real links use the 60 s default.
    private static final ReplicaOptions OPTIONS =
            ReplicaOptions.defaults().withReadTimeout(Duration.ofSeconds(10));

    @Test
    void aFullSyncInEitherFramingGivesTheRdbThenTheWritesWithOffsetsThatAddUp() throws Exception {
        for (String diskless : List.of("yes", "no")) {
            try (LocalRedisServer source = TestRedis.server().config("repl-diskless-sync", diskless)
                    .config("repl-diskless-sync-delay", "0").start();
                 RedisConnection c = source.connect()) {
                c.call("SET", "before", "1");
                c.call("HSET", "h", "f", "v");
                try (ReplicationLink link = ReplicationLink.open(uri(source), null, -1, OPTIONS)) {
                    FullResync full = (FullResync) link.start();
                    assertThat(full.replicationId()).hasSize(40).isEqualTo(info(c, "master_replid"));
                    assertThat(link.startOffset()).isEqualTo(full.offset());
                    assertThat(link.server()).isEqualTo(new ServerIdentity("redis", source.version()));
                    assertThatThrownBy(link::commands).as("the stream comes after the RDB")
                            .isInstanceOf(IllegalStateException.class);
                    // Without a length, read to the end; with one, exactly that many bytes suffice.
                    byte[] rdb = diskless.equals("yes") ? link.rdb().readAllBytes()
                            : link.rdb().readNBytes((int) link.rdbLength());
                    assertThat(link.rdbLength()).as("diskless " + diskless)
                            .isEqualTo(diskless.equals("yes") ? -1 : rdb.length);
                    assertThat(validKeys(rdb)).isEqualTo(2);
                    Map<String, String> aux = aux(rdb);
                    assertThat(aux).as("the RDB names the history and offset it is at")
                            .containsEntry("repl-id", full.replicationId())
                            .containsEntry("repl-offset", Long.toString(full.offset()));
                    link.rdb().close(); // the end of the RDB is not the end of the link

                    c.call("SET", "k", "v");
                    c.call("SELECT", "2");
                    c.call("LPUSH", "l", "a", "b");
                    Stream stream = new Stream(link, 0); // count from 0: bytes of the stream read
                    long target = masterOffset(c);
                    List<List<String>> commands = stream.readTo(target - full.offset());
                    assertThat(commands).containsExactly(
                            List.of("SELECT", "0"), List.of("SET", "k", "v"),
                            List.of("SELECT", "2"), List.of("LPUSH", "l", "a", "b"));
                    assertThat(full.offset() + stream.processed()).isEqualTo(target);
                }
                awaitNoReplicas(source);
            }
        }
    }

    @Test
    void acksCountForWaitAnswerGetackAndShowInInfo() throws Exception {
        try (LocalRedisServer source = TestRedis.server()
                .config("repl-diskless-sync", "yes").config("repl-diskless-sync-delay", "0").start();
             RedisConnection c = source.connect();
             ReplicationLink link = ReplicationLink.open(uri(source), null, -1, OPTIONS)) {
            link.rdb().readAllBytes();
            Stream stream = new Stream(link, link.startOffset());
            c.call("SET", "a", "1");
            stream.readTo(masterOffset(c));
            link.ack(stream.processed());
            assertThat(c.callLong("WAIT", "1", "2000")).isEqualTo(1);

            // A WAIT that is not yet satisfied makes the source ask for ACKs in the stream.
            CompletableFuture<Long> waited = CompletableFuture.supplyAsync(() -> {
                try (RedisConnection writer = source.connect()) {
                    writer.call("SET", "b", "2");
                    return writer.callLong("WAIT", "1", "10000");
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            RespCommand getack = stream.next();
            while (!stream.is(getack, "REPLCONF", "GETACK", "*")) {
                getack = stream.next();
            }
            // Redis's own replica answers with the offset before the GETACK: that satisfies WAIT.
            link.ack(getack.offset());
            assertThat(waited.get(5, TimeUnit.SECONDS)).isEqualTo(1);
            assertThat(replicaOffset(c)).isEqualTo(getack.offset());
            link.ack(getack.end());
            awaitReplicaOffset(c, getack.end());
        }
    }

    @Test
    void aReconnectContinuesWhereTheCallerStoppedWithNothingMissingOrTwice() throws Exception {
        try (LocalRedisServer source = TestRedis.server()
                .config("repl-diskless-sync", "yes").config("repl-diskless-sync-delay", "0").start();
             RedisConnection c = source.connect()) {
            String replid;
            long processed;
            try (ReplicationLink link = ReplicationLink.open(uri(source), null, -1, OPTIONS)) {
                replid = link.start().replicationId();
                link.rdb().readAllBytes();
                for (int i = 1; i <= 100; i++) {
                    c.call("SET", "k" + i, Integer.toString(i));
                }
                Stream stream = new Stream(link, link.startOffset());
                Map<String, Long> endOf = new HashMap<>();
                for (List<String> cmd : stream.readTo(masterOffset(c), endOf)) {
                    assertThat(cmd.get(0)).isIn("SELECT", "SET");
                }
                // The caller got them all but kept only up to k50, say: the rest must come again.
                processed = endOf.get("k50");
            }
            for (int i = 101; i <= 200; i++) {
                c.call("SET", "k" + i, Integer.toString(i));
            }
            try (ReplicationLink link = ReplicationLink.open(uri(source), replid, processed, OPTIONS)) {
                assertThat(link.start()).isEqualTo(new Continue(replid));
                assertThat(link.startOffset()).isEqualTo(processed);
                assertThatThrownBy(link::rdb).isInstanceOf(IllegalStateException.class);
                assertThat(link.rdbLength()).isEqualTo(-1);
                Stream stream = new Stream(link, processed);
                List<String> keys = new ArrayList<>();
                // No SELECT after +CONTINUE: the stream carries on in the db it was in.
                for (List<String> cmd : stream.readTo(masterOffset(c))) {
                    assertThat(cmd.get(0)).isEqualTo("SET");
                    keys.add(cmd.get(1));
                }
                List<String> expected = new ArrayList<>();
                for (int i = 51; i <= 200; i++) {
                    expected.add("k" + i);
                }
                assertThat(keys).isEqualTo(expected);
            }
            awaitNoReplicas(source);
        }
    }

    @Test
    void anOffsetTheBacklogNoLongerHoldsOrAnUnknownHistoryGetsAFullResync() throws Exception {
        try (LocalRedisServer source = TestRedis.server().config("repl-backlog-size", "16384")
                .config("repl-diskless-sync", "yes").config("repl-diskless-sync-delay", "0").start();
             RedisConnection c = source.connect()) {
            String replid;
            long processed;
            try (ReplicationLink link = ReplicationLink.open(uri(source), null, -1, OPTIONS)) {
                replid = link.start().replicationId();
                link.rdb().readAllBytes();
                c.call("SET", "a", "1");
                Stream stream = new Stream(link, link.startOffset());
                stream.readTo(masterOffset(c));
                processed = stream.processed();
            }
            String kb = "x".repeat(1000);
            // 60 KB. Redis 7.0 frees the backlog in 16 KB blocks, and only while what stays is more than repl-backlog-size.
            for (int i = 0; i < 60; i++) {
                c.call("SET", "big" + i, kb);
            }
            long now = masterOffset(c);
            assertThat(Long.parseLong(info(c, "repl_backlog_first_byte_offset"))).isGreaterThan(processed + 1);
            assertFullResync(source, replid, processed, now);
            assertFullResync(source, replid, now + 1000, now); // the future
            assertFullResync(source, "0123456789012345678901234567890123456789", now, now);
            awaitNoReplicas(source);
        }
    }

    @Test
    void afterAFailoverTheReplicaContinuesUnderItsNewReplicationId() throws Exception {
        try (LocalRedisServer a = TestRedis.server()
                .config("repl-diskless-sync", "yes").config("repl-diskless-sync-delay", "0").start();
             LocalRedisServer b = TestRedis.server().config("replicaof", "127.0.0.1", Integer.toString(a.port()))
                     .config("repl-diskless-sync", "yes").config("repl-diskless-sync-delay", "0").start();
             RedisConnection ca = a.connect();
             RedisConnection cb = b.connect()) {
            // B answers -NOMASTERLINK until its own sync is done: open() retries that.
            String oldId;
            long processed;
            try (ReplicationLink link = ReplicationLink.open(uri(b), null, -1, OPTIONS)) {
                oldId = link.start().replicationId();
                assertThat(oldId).as("a replica serves its master's history").isEqualTo(info(ca, "master_replid"));
                link.rdb().readAllBytes();
                ca.call("SET", "f1", "1");
                Stream stream = new Stream(link, link.startOffset());
                assertThat(stream.readTo(masterOffset(ca))).contains(List.of("SET", "f1", "1"));
                processed = stream.processed();

                cb.call("REPLICAOF", "NO", "ONE");
                // The promoted replica drops its own replicas so that they learn its new id.
                assertThat(stream.readToEnd()).isEmpty();
                processed = stream.processed();
            }
            String newId = info(cb, "master_replid");
            assertThat(newId).isNotEqualTo(oldId);
            assertThat(info(cb, "master_replid2")).isEqualTo(oldId);
            try (ReplicationLink link = ReplicationLink.open(uri(b), oldId, processed, OPTIONS)) {
                assertThat(link.start()).isEqualTo(new Continue(newId));
                cb.call("SET", "f2", "2");
                Stream stream = new Stream(link, processed);
                // Offsets carry on across the promotion; the new master starts with a SELECT.
                assertThat(stream.readTo(masterOffset(cb)))
                        .containsExactly(List.of("SELECT", "0"), List.of("SET", "f2", "2"));
            }
        }
    }

    @Test
    void acksWhileAReaderWaitsAndClosingWakesItLeavingNoReplicaOverTlsWithAnAclUser() throws Exception {
        TestTls tls = TestTls.shared();
        int tlsPort = TestTls.freePort();
        try (LocalRedisServer source = RedisConnectorTest.tlsServer(tls, tlsPort, "no")
                .config("repl-diskless-sync", "yes").config("repl-diskless-sync-delay", "0").start();
             RedisConnection admin = source.connect()) {
            admin.call("ACL", "SETUSER", "shipper", "on", ">pw", "+@all", "~*");
            RedisUri uri = RedisUri.parse("rediss://shipper@127.0.0.1:" + tlsPort).withPassword("pw")
                    .withTlsOptions(TlsOptions.DEFAULT.withCaCert(tls.ca));
            ReplicationLink link = ReplicationLink.open(uri, null, -1, OPTIONS);
            link.rdb().readAllBytes();
            assertThat(Long.parseLong(admin.info("replication").get("connected_slaves"))).isEqualTo(1);
            CompletableFuture<Integer> reader = CompletableFuture.supplyAsync(() -> {
                byte[] buf = new byte[100];
                try {
                    while (link.commands().read(buf) >= 0) {
                        // the source's PINGs
                    }
                    return -1;
                } catch (IOException e) {
                    return -2;
                }
            });
            admin.call("SET", "k", "v");
            Thread.sleep(300); // time must pass: nothing to poll for when checking that the reader keeps waiting
            assertThat(reader).isNotDone();
            // The reader consumed the SET and waits for more: an ACK from here does not wait for it.
            long offset = masterOffset(admin);
            long acking = System.nanoTime();
            link.ack(offset);
            assertThat(Duration.ofNanos(System.nanoTime() - acking)).isLessThan(Duration.ofMillis(500));
            awaitReplicaOffset(admin, offset);
            long closing = System.nanoTime();
            link.close();
            assertThat(reader.get(2, TimeUnit.SECONDS)).as("an IOException, not the end of the stream").isEqualTo(-2);
            assertThat(Duration.ofNanos(System.nanoTime() - closing)).isLessThan(Duration.ofSeconds(1));
            awaitNoReplicas(source);
            assertThatThrownBy(() -> link.ack(1)).isInstanceOf(IOException.class);
        }
    }

    @Test
    void aUserWithoutReplicationRightsIsToldWhatToGrant() throws Exception {
        try (LocalRedisServer source = TestRedis.server().start(); RedisConnection admin = source.connect()) {
            admin.call("ACL", "SETUSER", "reader", "on", ">pw", "+@all", "-psync", "-replconf", "~*");
            RedisUri uri = RedisUri.parse("redis://reader:pw@127.0.0.1:" + source.port());
            assertOneLine(() -> ReplicationLink.open(uri, null, -1, OPTIONS), Reason.PERMISSION,
                    "user 'reader' lacks the replication permissions");
            assertThatThrownBy(() -> ReplicationLink.open(uri, "", 0, OPTIONS))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    private static void assertFullResync(LocalRedisServer source, String replid, long processed, long masterOffset)
            throws IOException {
        try (ReplicationLink link = ReplicationLink.open(uri(source), replid, processed, OPTIONS)) {
            assertThat(link.start()).as("PSYNC %s %d", replid, processed + 1).isInstanceOf(FullResync.class);
            // Its offset is the source's at the fork (a PING from the source's cron may have come since).
            assertThat(link.startOffset()).isGreaterThanOrEqualTo(masterOffset);
        }
    }

    /** A command reader on a link's stream that knows the offset after the last command it read. */
    private static final class Stream {
        private final RespReader reader;
        private final RespCommand cmd = new RespCommand();

        Stream(ReplicationLink link, long startOffset) {
            this.reader = new RespReader(link.commands(), startOffset, RespReader.DEFAULT_BUFFER_SIZE,
                    RespReader.DEFAULT_RETAIN_LIMIT);
        }

        /** The next command; a bare newline or anything else that is not RESP fails the test. */
        RespCommand next() throws IOException, RespException {
            reader.read(cmd);
            return cmd;
        }

        long processed() {
            return reader.position();
        }

        /** Reads until the source closes the link, which must happen at a command boundary; leaves out PINGs. */
        List<List<String>> readToEnd() throws IOException, RespException {
            return readTo(Long.MAX_VALUE, new HashMap<>());
        }

        List<List<String>> readTo(long offset) throws IOException, RespException {
            return readTo(offset, new HashMap<>());
        }

        /**
         * Reads commands until the stream reaches {@code offset} (it must land on it exactly),
         * leaving out the source's PINGs; records the end offset of each SET by key.
         */
        List<List<String>> readTo(long offset, Map<String, Long> endOfSet) throws IOException, RespException {
            List<List<String>> commands = new ArrayList<>();
            while (processed() < offset) {
                if (offset == Long.MAX_VALUE && reader.peek() < 0) {
                    return commands;
                }
                next();
                List<String> args = new ArrayList<>();
                for (int i = 0; i < cmd.argCount(); i++) {
                    args.add(cmd.argString(i));
                }
                if (args.get(0).equals("SET")) {
                    endOfSet.put(args.get(1), cmd.end());
                }
                if (!args.equals(List.of("PING"))) {
                    commands.add(args);
                }
            }
            assertThat(processed()).as("commands end exactly at the offset").isEqualTo(offset);
            return commands;
        }

        boolean is(RespCommand c, String... args) {
            if (c.argCount() != args.length) {
                return false;
            }
            for (int i = 0; i < args.length; i++) {
                if (!c.argEqualsIgnoreCase(i, args[i])) {
                    return false;
                }
            }
            return true;
        }
    }

    private static String info(RedisConnection c, String field) throws IOException {
        return c.info("replication").get(field);
    }

    private static long masterOffset(RedisConnection c) throws IOException {
        return Long.parseLong(info(c, "master_repl_offset"));
    }

    /** The offset our (only) replica last ACKed, from "slave0:ip=...,port=...,state=online,offset=N,lag=0". */
    private static long replicaOffset(RedisConnection c) throws IOException {
        return Long.parseLong(info(c, "slave0").replaceAll(".*offset=(\\d+).*", "$1"));
    }

    private static void awaitReplicaOffset(RedisConnection c, long offset) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        while (replicaOffset(c) != offset) {
            assertThat(System.nanoTime()).as("the ACK of %d shows in INFO within 2 s", offset).isLessThan(deadline);
            Thread.sleep(10);
        }
    }

    /** The RDB's AUX fields (repl-id and repl-offset among them for a replication RDB). */
    private static Map<String, String> aux(byte[] rdb) throws Exception {
        Map<String, String> fields = new HashMap<>();
        new RdbReader(new ByteArrayInputStream(rdb)).read(new RdbVisitor() {
            @Override
            public void aux(byte[] key, byte[] value) {
                fields.put(new String(key, StandardCharsets.UTF_8), new String(value, StandardCharsets.UTF_8));
            }
        });
        return fields;
    }
}
