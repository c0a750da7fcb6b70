package io.redback.restore;

import io.redback.rdb.Crc64;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * An RDB made of {@code DUMP} payloads, written as it goes ({@code backup --method scan}, a
 * served key's digest): the header, aux fields, the function libraries of a {@code FUNCTION DUMP}
 * payload (its FUNCTION2 records, as a saved RDB holds them), then per database a SELECTDB and
 * each key's record: its expiry, type byte, name and the payload's value bytes as they are, since
 * a DUMP value is exactly an RDB value. Every payload's footer (RDB version, CRC64) is checked
 * first; one newer than the header's version is refused, since the file could not say it. Writes
 * through the same records as {@link RdbConversion}; memory: nothing beyond the record in hand.
 */
public final class DumpRdb {
    /** Type byte, 2 version bytes, 8 CRC bytes. */
    private static final int FOOTER = 10;

    private final RdbOut out;
    private final int version;

    /** Starts the RDB on os with the header of rdbVersion (REDIS, or VALKEY from 80 on). */
    public DumpRdb(OutputStream os, int rdbVersion) throws IOException {
        this.out = new RdbOut(os);
        this.version = rdbVersion;
        run(() -> out.header(rdbVersion));
    }

    /** The header's RDB version. */
    public int version() {
        return version;
    }

    /**
     * The RDB version a DUMP or FUNCTION DUMP payload was made by, its CRC64 checked.
     *
     * @throws IOException when the payload is too short or its CRC64 does not match (what names it is the caller's)
     */
    public static int version(byte[] payload) throws IOException {
        int n = payload.length;
        if (n < FOOTER) {
            throw new IOException("a DUMP payload of " + n + " bytes; one ends with the 2-byte version and the 8-byte CRC64");
        }
        long stored = 0;
        for (int i = 0; i < 8; i++) {
            stored |= (payload[n - 8 + i] & 0xFFL) << (8 * i);
        }
        if (stored != 0 && stored != Crc64.update(0, payload, 0, n - 8)) {
            throw new IOException("the DUMP payload's CRC64 does not match its content");
        }
        return (payload[n - 10] & 0xFF) | (payload[n - 9] & 0xFF) << 8;
    }

    public void aux(String key, String value) throws IOException {
        run(() -> out.aux(key.getBytes(StandardCharsets.UTF_8), value.getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * The libraries of a {@code FUNCTION DUMP} payload: its body is the FUNCTION2 records an RDB
     * holds, copied as they are (the reader that validates the RDB reads each).
     */
    public void functions(byte[] functionDump) throws IOException {
        check(functionDump);
        run(() -> out.raw(functionDump, 0, functionDump.length - FOOTER));
    }

    public void selectDb(int db) throws IOException {
        run(() -> out.selectDb(db));
    }

    /**
     * One key: name, its expiry (unix ms) when hasExpiry, and its DUMP payload.
     *
     * @throws IOException when the payload's footer is wrong or it is newer than the header
     */
    public void key(byte[] name, boolean hasExpiry, long expireAtMs, byte[] dump) throws IOException {
        check(dump);
        if (dump.length < FOOTER + 1) {
            throw new IOException("a DUMP payload of " + dump.length + " bytes holds no value");
        }
        run(() -> {
            out.keyPrefix(name, hasExpiry, expireAtMs, -1, -1, dump[0] & 0xFF);
            out.raw(dump, 1, dump.length - FOOTER - 1);
        });
    }

    /** EOF and the CRC64; os is neither flushed nor closed. */
    public void finish() throws IOException {
        run(out::finish);
    }

    private void check(byte[] payload) throws IOException {
        int v = version(payload);
        if (v > version) {
            throw new IOException("a DUMP payload of RDB version " + v + " cannot go into an RDB of version " + version);
        }
    }

    private static void run(Runnable write) throws IOException {
        try {
            write.run();
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }
}
