package io.redback.pitr;

import static org.assertj.core.api.Assertions.assertThat;

import io.redback.resp.RespCommand;
import io.redback.resp.RespReader;
import io.redback.resp.RespWriter;
import java.io.ByteArrayInputStream;
import org.junit.jupiter.api.Test;

/** Which replayed commands leave a key with a deadline that has passed (and which revive it). */
@io.redback.testsupport.Fast
class ExpiryTrackerTest {
    private static final long NOW = 1_800_000_000_000L;
    private final ExpiryTracker tracker = new ExpiryTracker(NOW);

    private void apply(int db, String... args) throws Exception {
        RespCommand c = new RespCommand();
        new RespReader(new ByteArrayInputStream(RespWriter.encode(args))).read(c);
        tracker.observe(c, db);
    }

    @Test
    void absoluteDeadlinesInThePastCountOncePerKey() throws Exception {
        apply(0, "SET", "a", "v", "PXAT", Long.toString(NOW - 1));
        apply(0, "PEXPIREAT", "a", Long.toString(NOW));
        apply(0, "EXPIREAT", "b", Long.toString(NOW / 1000 - 5));
        apply(1, "SET", "a", "v", "NX", "EXAT", Long.toString(NOW / 1000 - 5));
        apply(0, "GETEX", "c", "PXAT", "1");
        apply(0, "RESTORE", "d", Long.toString(NOW - 10), "payload", "REPLACE", "ABSTTL");
        assertThat(tracker.count()).isEqualTo(5);
    }

    @Test
    void aLaterWriteDeleteOrFlushForgetsTheKey() throws Exception {
        for (String k : new String[]{"a", "b", "c", "d", "e", "f"}) {
            apply(0, "PEXPIREAT", k, "1");
        }
        apply(2, "PEXPIREAT", "x", "1");
        apply(0, "SET", "a", "new");                                     // no TTL any more
        apply(0, "PEXPIREAT", "b", Long.toString(NOW + 60_000));         // a future deadline
        apply(0, "PERSIST", "c");
        apply(0, "DEL", "d", "e");
        apply(0, "SET", "f", "v", "KEEPTTL");                            // still the old, passed deadline
        assertThat(tracker.count()).isEqualTo(2);                        // f, and x in db 2
        apply(2, "FLUSHDB");
        assertThat(tracker.count()).isEqualTo(1);
        apply(0, "FLUSHALL");
        assertThat(tracker.count()).isZero();
    }

    @Test
    void relativeTtlsAndNonNumbersDoNotCount() throws Exception {
        apply(0, "SET", "a", "v", "PX", "1");
        apply(0, "PEXPIREAT", "b", "soon");
        apply(0, "SETEX", "c", "1", "v");
        assertThat(tracker.count()).isZero();
    }
}
