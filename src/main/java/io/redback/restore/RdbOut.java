package io.redback.restore;

import static io.redback.rdb.RdbConstants.*;

import io.redback.rdb.Crc64;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The one RDB writer: records (header, aux fields, functions, SELECTDB, RESIZEDB, SLOT_INFO, a
 * key's prefix and value bytes, EOF) written to a stream with the running CRC64 that the footer
 * ends with. {@link RdbConversion} writes a converted file with it and {@link DumpRdb} an RDB
 * made of DUMP payloads. I/O failures surface as {@link UncheckedIOException}, since records are
 * written from reader callbacks that cannot throw.
 */
final class RdbOut {
    private final OutputStream os;
    private final RdbBytes b = new RdbBytes();
    private long crc;

    RdbOut(OutputStream os) {
        this.os = os;
    }

    /** "REDIS" and four digits, or "VALKEY" and three from version 80 on (Valkey 9's own header). */
    void header(int rdbVersion) {
        String text = rdbVersion >= 80 ? String.format("%s%03d", MAGIC_VALKEY, rdbVersion)
                : String.format("%s%04d", MAGIC_REDIS, rdbVersion);
        emit(text.getBytes(StandardCharsets.US_ASCII), 0, 9);
    }

    void aux(byte[] key, byte[] value) {
        b.reset();
        b.write(OPCODE_AUX);
        b.string(key);
        b.string(value);
        emit(b);
    }

    /** One function library as a FUNCTION2 record (its code as a plain string). */
    void function(byte[] code) {
        b.reset();
        b.write(OPCODE_FUNCTION2);
        b.string(code);
        emit(b);
    }

    void selectDb(int db) {
        b.reset();
        b.write(OPCODE_SELECTDB);
        b.length(db);
        emit(b);
    }

    void resizeDb(long keyCount, long expires) {
        b.reset();
        b.write(OPCODE_RESIZEDB);
        b.length(keyCount);
        b.length(expires);
        emit(b);
    }

    void slotInfo(long slot, long keyCount, long expires) {
        b.reset();
        b.write(OPCODE_SLOT_INFO);
        b.length(slot);
        b.length(keyCount);
        b.length(expires);
        emit(b);
    }

    /**
     * What comes before a value: the expiry (unix ms, when it has one), the LFU
     * frequency or LRU idle seconds (when not negative), the type byte and the key's name.
     */
    void keyPrefix(byte[] name, boolean hasExpiry, long expireAtMs, int lfuFreq, long idleSeconds, int type) {
        b.reset();
        if (hasExpiry) {
            b.write(OPCODE_EXPIRETIME_MS);
            b.int64le(expireAtMs);
        }
        if (lfuFreq >= 0) {
            b.write(OPCODE_FREQ);
            b.write(lfuFreq);
        } else if (idleSeconds >= 0) {
            b.write(OPCODE_IDLE);
            b.length(idleSeconds);
        }
        b.write(type);
        b.string(name);
        emit(b);
    }

    /** Bytes already in RDB form (a value, records copied as they were). */
    void raw(byte[] a, int off, int n) {
        emit(a, off, n);
    }

    void raw(RdbBytes bytes) {
        emit(bytes);
    }

    /** EOF and the CRC64 footer; the stream is not flushed or closed. */
    void finish() {
        b.reset();
        b.write(OPCODE_EOF);
        emit(b);
        long c = crc;
        byte[] footer = new byte[8];
        for (int i = 0; i < 8; i++) {
            footer[i] = (byte) (c >>> (8 * i));
        }
        write(footer, 0, 8);
    }

    private void emit(RdbBytes bytes) {
        emit(bytes.array(), 0, bytes.size());
    }

    private void emit(byte[] a, int off, int n) {
        crc = Crc64.update(crc, a, off, n);
        write(a, off, n);
    }

    private void write(byte[] a, int off, int n) {
        try {
            os.write(a, off, n);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
