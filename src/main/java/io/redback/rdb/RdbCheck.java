package io.redback.rdb;

import io.redback.bytes.ReadAheadInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Checks one RDB file end to end (structure, every embedded blob, CRC64) and gathers what a
 * user wants to know about it: header, aux fields, keys per database and type, expiries,
 * functions, modules. A damaged file still yields everything read before the damage.
 */
public final class RdbCheck {
    private final Path file;
    private final long nowMs;
    private volatile RdbReader reader;

    /** @param nowMs the "now" against which expired keys are counted (unix ms) */
    public RdbCheck(Path file, long nowMs) {
        this.file = file;
        this.nowMs = nowMs;
    }

    /** Bytes read so far (for progress); safe from another thread. */
    public long bytesRead() {
        RdbReader r = reader;
        return r == null ? 0 : r.bytesRead();
    }

    /** Runs the check. Throws IOException only when the file cannot be read at all. */
    public RdbCheckReport run() throws IOException {
        // Read ahead on a second thread: the parser's thread makes no read system calls.
        try (InputStream in = new ReadAheadInputStream(Files.newInputStream(file))) {
            return run(in, false);
        }
    }

    /**
     * Runs the check on the file's bytes as they are being written, read from {@code in} (a
     * restore checks the RDB beside its download, reading it once). in is read to its end even
     * past damage, so the writer never waits on a reader that gave up; once it ends the file
     * must be complete, as the size and, for some damage, the CRC64 footer are then taken from
     * it. in is not closed. Throws IOException when in fails.
     */
    public RdbCheckReport runWhileWritten(InputStream in) throws IOException {
        return run(in, true);
    }

    private RdbCheckReport run(InputStream in, boolean drain) throws IOException {
        long started = System.nanoTime();
        Stats stats = new Stats(nowMs);
        RdbSummary summary = null;
        RdbException error = null;
        long trailing = 0;
        RdbReader r = new RdbReader(in);
        reader = r;
        try {
            summary = r.read(stats);
            try (InputStream rest = r.rest()) {
                trailing = rest.transferTo(OutputStreamSink.INSTANCE);
            }
        } catch (RdbException e) {
            error = e;
            if (e.kind() == RdbException.Kind.CHECKSUM_MISMATCH) {
                stats.mismatch(r.mismatchStored, r.mismatchComputed);
            }
            if (drain) {
                in.transferTo(OutputStreamSink.INSTANCE);
            }
        }
        long size = Files.size(file);
        if (error == null && summary != null && !summary.header().hasChecksum() && trailing == RdbConstants.CRC_BYTES) {
            // What a CRC64 footer looks like: the version digits were probably damaged to below 5,
            // which would otherwise switch checksum verification off.
            error = new RdbException(RdbException.Kind.DAMAGED, 5, -1, null, "the header says RDB version "
                    + summary.header().version() + ", which has no checksum footer, yet exactly 8 bytes follow the "
                    + "EOF opcode, as a CRC64 footer of version 5 and later would; the version digits are damaged");
            summary = null;
            trailing = 0;
        }
        if (error != null && (error.kind() == RdbException.Kind.UNSUPPORTED || error.kind() == RdbException.Kind.TOO_LARGE)
                && stats.header != null
                && stats.header.hasChecksum() && !footerMatches(size)) {
            error = new RdbException(RdbException.Kind.DAMAGED, error.offset(), error.db(), error.key(),
                    error.detail() + "; and the file's CRC64 footer does not match its content, so this is "
                            + "damage, not " + (error.kind() == RdbException.Kind.TOO_LARGE ? "a sound file" : "a newer format"));
        }
        long elapsedNanos = System.nanoTime() - started;
        return stats.report(file, size, summary, error, trailing, elapsedNanos);
    }

    /** Whether the file ends with EOF and a CRC64 footer that matches everything before it. */
    private boolean footerMatches(long size) throws IOException {
        if (size < RdbConstants.HEADER_BYTES + 1 + RdbConstants.CRC_BYTES) {
            return false;
        }
        long crc = 0;
        long stored = 0;
        int last = -1;
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 20];
            long left = size - RdbConstants.CRC_BYTES;
            while (left > 0) {
                int n = in.readNBytes(buf, 0, (int) Math.min(buf.length, left));
                if (n <= 0) {
                    return false;
                }
                crc = Crc64.update(crc, buf, 0, n);
                last = buf[n - 1] & 0xFF;
                left -= n;
            }
            byte[] footer = in.readNBytes(RdbConstants.CRC_BYTES);
            for (int i = 7; i >= 0; i--) {
                stored = (stored << 8) | (footer[i] & 0xFF);
            }
        }
        return last == RdbConstants.OPCODE_EOF && stored == crc;
    }

    /** Discards what it is given (counts trailing bytes without keeping them). */
    private static final class OutputStreamSink extends java.io.OutputStream {
        static final OutputStreamSink INSTANCE = new OutputStreamSink();

        @Override
        public void write(int b) {
        }

        @Override
        public void write(byte[] b, int off, int len) {
        }
    }

    /** The visitor that counts. */
    private static final class Stats implements KeyTally {
        private final long nowMs;
        RdbHeader header;
        final Map<String, String> aux = new LinkedHashMap<>();
        final KeyCounts counts = new KeyCounts();
        final List<String> functions = new ArrayList<>();
        final TreeMap<String, Long> modules = new TreeMap<>();
        long keys;
        long expiring;
        long expired;
        long elements;
        int luaScripts;
        int preReleaseFunctions;
        long mismatchStored;
        long mismatchComputed;
        boolean mismatch;

        Stats(long nowMs) {
            this.nowMs = nowMs;
        }

        @Override
        public boolean wantsValues() {
            return false;
        }

        @Override
        public boolean keepsKeyNames() {
            return false; // endKey counts by db, type and expiry only
        }

        @Override
        public void header(RdbHeader h) {
            header = h;
        }

        @Override
        public void aux(byte[] key, byte[] value) {
            String k = new String(key, StandardCharsets.UTF_8);
            if (k.equals("lua")) {
                luaScripts++;
                return;
            }
            aux.put(k, Printable.escape(value, 0, value.length, 120));
        }

        @Override
        public void moduleAux(String module, int encodingVersion, int when) {
            modules.merge(module, 0L, Long::sum);
        }

        @Override
        public void function(byte[] code) {
            functions.add(java.util.Objects.requireNonNullElse(FunctionCode.libraryName(code), "(unnamed)"));
        }

        @Override
        public void preReleaseFunction(byte[] name, byte[] engine, byte[] code) {
            functions.add(Printable.escape(name, 0, name.length, 120));
            preReleaseFunctions++;
        }

        void mismatch(long stored, long computed) {
            mismatch = true;
            mismatchStored = stored;
            mismatchComputed = computed;
        }

        @Override
        public void moduleValue(String module, int encodingVersion) {
            modules.merge(module, 1L, Long::sum);
        }

        @Override
        public void keyCounted(int db, RdbType type, long expireAtMs, long elementCount) {
            keys++;
            elements += elementCount;
            counts.add(db, type);
            if (expireAtMs != RdbKey.NO_EXPIRY) {
                expiring++;
                if (expireAtMs <= nowMs) {
                    expired++;
                }
            }
        }

        RdbCheckReport report(Path file, long size, RdbSummary summary, RdbException error, long trailing,
                              long elapsedNanos) {
            List<String> warnings = new ArrayList<>();
            ChecksumStatus checksum = summary != null ? summary.checksum()
                    : mismatch && error != null && error.kind() == RdbException.Kind.CHECKSUM_MISMATCH
                    ? ChecksumStatus.MISMATCH : ChecksumStatus.NOT_REACHED;
            if (checksum == ChecksumStatus.DISABLED) {
                warnings.add("the file was saved with rdbchecksum no: its content could not be verified against a checksum");
            }
            if (checksum == ChecksumStatus.ABSENT) {
                warnings.add("RDB version " + header.version() + " has no checksum footer: content not verified against one");
            }
            if (trailing > 0) {
                warnings.add(trailing + " byte(s) follow the end of the RDB (offset " + summary.endOffset()
                        + "); Redis ignores them");
            }
            if (preReleaseFunctions > 0) {
                warnings.add(preReleaseFunctions + " function(s) in the format of Redis 7.0's release candidates "
                        + "(opcode 0xF6): Redis 7.0 converts them on load, Redis 7.2 and later refuse the file; load "
                        + "it into Redis 7.0 and save it again before moving to a newer release");
            }
            if (luaScripts > 0) {
                aux.put("lua", luaScripts + " cached script(s)");
            }
            return new RdbCheckReport(file.toString(), size, header, Collections.unmodifiableMap(aux), keys, elements, counts.perDbAndType(),
                    counts.perEncoding(), expiring, expired, List.copyOf(functions), Collections.unmodifiableMap(modules),
                    checksum, summary != null ? summary.storedCrc() : checksum == ChecksumStatus.MISMATCH ? mismatchStored : 0,
                    summary != null ? summary.computedCrc() : checksum == ChecksumStatus.MISMATCH ? mismatchComputed : 0,
                    error, List.copyOf(warnings), trailing, elapsedNanos);
        }
    }
}
