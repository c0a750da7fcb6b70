package io.redback.log;

import static org.assertj.core.api.Assertions.assertThat;

import io.redback.resp.RespCommand;
import io.redback.resp.RespReader;
import io.redback.resp.RespWriter;
import java.io.ByteArrayInputStream;
import org.junit.jupiter.api.Test;

@io.redback.testsupport.Fast
class LogCursorTest {
    private static RespCommand cmd(String... args) throws Exception {
        RespCommand c = new RespCommand();
        new RespReader(new ByteArrayInputStream(RespWriter.encode(args))).read(c);
        return c;
    }

    @Test
    void aSelectMovesTheDatabaseAndAnInvalidOneDoesNot() throws Exception {
        LogCursor c = new LogCursor();
        assertThat(c.command(cmd("SELECT", "3"), 0)).isEqualTo(Tx.NONE);
        assertThat(c.db()).isEqualTo(3);
        c.command(cmd("SELECT", "-1"), 10);
        c.command(cmd("SELECT", "x"), 20);
        c.command(cmd("SELECT"), 30);
        assertThat(c.db()).isEqualTo(3);
        c.select(7);
        assertThat(c.db()).isEqualTo(7);
    }

    @Test
    void followsTransactionsAndTimes() throws Exception {
        LogCursor c = new LogCursor();
        c.timestamp(1_700_000_000L);
        assertThat(c.command(cmd("MULTI"), 100)).isEqualTo(Tx.MULTI);
        assertThat(c.openTransaction()).isEqualTo(100);
        assertThat(c.command(cmd("SELECT", "2"), 110)).isEqualTo(Tx.QUEUED);
        assertThat(c.db()).isEqualTo(2);
        assertThat(c.command(cmd("SET", "k", "v"), 120)).isEqualTo(Tx.QUEUED);
        assertThat(c.transactionStart()).isEqualTo(100);
        assertThat(c.queued()).isEqualTo(2);
        assertThat(c.command(cmd("exec"), 130)).isEqualTo(Tx.EXEC);
        assertThat(c.transactionStart()).isEqualTo(100);
        assertThat(c.openTransaction()).isEqualTo(-1);
        assertThat(c.unpaired()).isFalse();
        assertThat(c.command(cmd("DEL", "k"), 140)).isEqualTo(Tx.NONE);
        assertThat(c.transactionStart()).isEqualTo(140);
        assertThat(c.time()).isEqualTo(1_700_000_000L);
    }

    @Test
    void aTransactionCarriedOverFromTheSegmentBeforeIsClosedByItsExec() throws Exception {
        LogCursor c = new LogCursor(4, -1, 50);
        assertThat(c.command(cmd("INCR", "n"), 60)).isEqualTo(Tx.QUEUED);
        assertThat(c.command(cmd("EXEC"), 70)).isEqualTo(Tx.EXEC);
        assertThat(c.transactionStart()).isEqualTo(50);
        assertThat(c.unpaired()).isFalse();
        assertThat(c.db()).isEqualTo(4);
    }

    @Test
    void saysWhenTransactionsDoNotPairUp() throws Exception {
        LogCursor c = new LogCursor();
        c.command(cmd("EXEC"), 0);
        assertThat(c.unpaired()).isTrue();
        assertThat(c.transactionStart()).isEqualTo(0);
        c.command(cmd("MULTI"), 10);
        assertThat(c.unpaired()).isFalse();
        c.command(cmd("MULTI"), 20);
        assertThat(c.unpaired()).isTrue();
        assertThat(c.openTransaction()).isEqualTo(20);
    }

    @Test
    void pingAndReplconfAreTheStreamsOwn() throws Exception {
        assertThat(StreamCommands.isStreamOnly(cmd("PING"))).isTrue();
        assertThat(StreamCommands.isStreamOnly(cmd("replconf", "GETACK", "*"))).isTrue();
        assertThat(StreamCommands.isStreamOnly(cmd("SET", "PING", "1"))).isFalse();
        assertThat(StreamCommands.named(java.util.List.of("DEL", " ping "))).isTrue();
        assertThat(StreamCommands.named(java.util.List.of("FLUSHALL"))).isFalse();
    }
}
