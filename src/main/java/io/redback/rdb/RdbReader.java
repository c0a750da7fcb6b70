package io.redback.rdb;

import static io.redback.rdb.RdbConstants.*;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * Streams an RDB file (Redis RDB 1 to 12, recognising 13 and 14, and Valkey 9's VALKEY080+)
 * through a {@link RdbVisitor}, validating every structure on the way: lengths, string
 * encodings, every embedded listpack, ziplist, intset and zipmap (as strictly as Redis's deep
 * payload sanitizer), stream node layouts, module payloads, and the CRC64 footer. Memory use
 * does not grow with the file or with any key: elements are delivered one at a time and
 * strings longer than the chunk size in pieces. The first problem stops the read with an
 * {@link RdbException} naming the byte offset, the key and what was expected.
 */
public final class RdbReader {
    /**
     * Strings up to this size are delivered whole; longer ones in chunks of at most this size.
     */
    public static final int DEFAULT_CHUNK_SIZE = 4 << 20;
    /** Redis caps a listpack at 1 GiB; a blob claiming more is damage, not something to allocate. */
    private static final long MAX_BLOB = 1L << 30;
    /**
     * Names and aux fields (key names, aux values, function code, consumer names) longer than
     * this are cut to it when the visitor does not want values: the rest is validated as it
     * streams by, so a name that claims hundreds of MB costs no memory.
     */
    static final int NAME_KEEP = 64 << 10;
    /** The longest key name read into a reused array (when the visitor keeps no names). */
    private static final int SCRATCH_NAME_MAX = 128;
    /** Bytes one entry of a blob costs in {@link BlobEntries}. */
    private static final int ENTRY_BYTES = 17;
    private static final int MAX_DB = 1 << 20;
    private static final long MAX_FIELD_TTL = (1L << 48) - 1;

    private static final int STR_PLAIN = 0;
    private static final int STR_INT = 1;
    private static final int STR_LZF = 2;

    private final RdbInput in;
    private final int chunkSize;
    /** The most this reader holds of one blob or name: beyond it, the structure is reported too large. */
    private final long maxHeld;
    private final Element el = new Element();
    private final BlobEntries entries = new BlobEntries();
    private final Fingerprints members = new Fingerprints();
    private final Fingerprints names = new Fingerprints();
    private final long[] num = new long[1];

    private RdbVisitor v;
    /** The visitor when it only counts keys (then no RdbKey is built), else null. */
    private KeyTally tally;
    /** The visitor when it only measures keys (then no RdbKey is built either), else null. */
    private KeyMeasures measures;
    private boolean wantValues;
    /** Key names of up to SCRATCH_NAME_MAX bytes, one array per length, when the visitor keeps none. */
    private byte[][] nameScratch;
    private RdbHeader header;
    /** header.isValkey(), asked for every key. */
    private boolean valkey;
    private int db;
    private byte[] keyName;
    private RdbType keyType;
    private long elements;

    // State of the string whose header was just read (see readStringHeader).
    private int strKind;
    private long strLen;
    private long strInt;
    private long strCompressed;
    private long strOffset;
    /** Set when a string header was read to look at it; the next readStringHeader reuses it. */
    private boolean unreadStringHeader;

    // A materialized string or blob: either a view into the input buffer or into 'own'.
    private byte[] blob;
    private int blobOff;
    private int blobLen;
    private boolean blobInInput;
    private boolean blobCompressed;
    private long blobFileOffset;
    private byte[] own = new byte[1024];
    /** What the footer said and what the content gave, when they differ (read() threw CHECKSUM_MISMATCH). */
    long mismatchStored;
    long mismatchComputed;
    /** Whether the last name {@link #readName} returned was cut, and then the fingerprint of all of it. */
    private boolean nameCut;
    private long cutNameFingerprint;
    private byte[] idText = new byte[48];

    public RdbReader(InputStream in) {
        this(in, DEFAULT_CHUNK_SIZE);
    }

    public RdbReader(InputStream in, int chunkSize) {
        this(in, chunkSize, defaultMaxHeld());
    }

    RdbReader(InputStream in, int chunkSize, long maxHeld) {
        this.in = new RdbInput(in, CrcWorker.BLOCK);
        this.chunkSize = chunkSize;
        this.maxHeld = maxHeld;
        entries.limit((int) Math.min(Integer.MAX_VALUE, maxHeld / ENTRY_BYTES));
    }

    /**
     * An eighth of the heap (at least 1 MiB, at most Redis's 1 GiB blob limit): a blob, its entry
     * table and the fingerprints of its members each stay within it, so together they stay well
     * within the heap whatever a file claims.
     */
    private static long defaultMaxHeld() {
        return Math.min(MAX_BLOB, Math.max(1L << 20, Runtime.getRuntime().maxMemory() / 8));
    }

    /** Bytes consumed from the input so far; may be called from another thread (progress bars). */
    public long bytesRead() {
        return in.bytesConsumed();
    }

    /** The bytes after the RDB's end (e.g. the commands of an AOF with an RDB preamble). */
    public InputStream rest() {
        return in.rest();
    }

    /** Reads the whole RDB, delivering it to the visitor, and returns what the footer said. */
    public RdbSummary read(RdbVisitor visitor) throws IOException, RdbException {
        this.v = visitor;
        this.tally = visitor instanceof KeyTally t ? t : null;
        this.measures = visitor instanceof KeyMeasures m ? m : null;
        this.wantValues = visitor.wantsValues();
        this.nameScratch = visitor.keepsKeyNames() ? null : new byte[SCRATCH_NAME_MAX + 1][];
        try {
            return readFile();
        } catch (RdbInput.TruncatedInput e) {
            throw new RdbException(RdbException.Kind.TRUNCATED, e.endOffset, db, keyLabel(),
                    "the file ends here, " + e.missing + " more byte(s) were needed"
                            + (keyType != null ? " to finish the " + keyType.dataType() + " value ("
                            + keyType.encoding() + ")" : "") + "; expected the RDB to continue up to its EOF opcode"
                            + (header != null && header.hasChecksum() ? " and 8-byte CRC64 footer" : ""));
        } finally {
            in.close();
        }
    }

    private String keyLabel() {
        return keyName == null ? null : Printable.escape(keyName);
    }

    private RdbException damage(long offset, String detail) {
        return new RdbException(RdbException.Kind.DAMAGED, offset, db, keyLabel(), detail);
    }

    private RdbException unsupported(long offset, String detail) {
        return new RdbException(RdbException.Kind.UNSUPPORTED, offset, db, keyLabel(), detail);
    }

    private RdbException tooLarge(long offset, String what) {
        return new RdbException(RdbException.Kind.TOO_LARGE, offset, db, keyLabel(), what
                + " is more than this reader holds in memory with this heap (" + (maxHeld >> 20)
                + " MiB for one structure, an eighth of the heap); nothing before it was found damaged");
    }

    // ---------------------------------------------------------------- file structure

    private RdbSummary readFile() throws IOException, RdbException {
        in.startCrc();
        header = readHeader();
        valkey = header.isValkey();
        v.header(header);
        long expire = RdbKey.NO_EXPIRY;
        long idle = -1;
        int freq = -1;
        long keys = 0;
        long recordStart = -1;
        while (true) {
            long off = in.offset();
            int op = in.u8();
            if (op >= OPCODE_LOWEST && !header.hasChecksum() && header.version() < opcodeSince(op)) {
                throw newerThanFile(off, String.format("opcode 0x%02X", op), opcodeSince(op));
            }
            switch (op) {
                case OPCODE_EOF -> {
                    if (recordStart >= 0) {
                        throw damage(off, "EOF opcode right after an expiry/idle/freq prefix; expected the key it belongs to");
                    }
                    return footer(keys);
                }
                case OPCODE_SELECTDB -> {
                    long d = readLength();
                    if (d < 0 || d >= MAX_DB) {
                        throw damage(off, "SELECTDB " + Long.toUnsignedString(d) + " is not a plausible database index");
                    }
                    db = (int) d;
                    v.selectDb(db);
                }
                case OPCODE_EXPIRETIME -> {
                    recordStart = recordStart < 0 ? off : recordStart;
                    expire = in.i32le() * 1000L;
                }
                case OPCODE_EXPIRETIME_MS -> {
                    recordStart = recordStart < 0 ? off : recordStart;
                    expire = in.i64le();
                }
                case OPCODE_RESIZEDB -> v.resizeDb(readLength(), readLength());
                case OPCODE_AUX -> {
                    byte[] k = readName("aux field name");
                    byte[] val = readName("aux field value");
                    v.aux(k, val);
                }
                case OPCODE_FREQ -> {
                    recordStart = recordStart < 0 ? off : recordStart;
                    freq = in.u8();
                }
                case OPCODE_IDLE -> {
                    recordStart = recordStart < 0 ? off : recordStart;
                    idle = readLength();
                }
                case OPCODE_MODULE_AUX -> readModuleAux(off);
                case OPCODE_FUNCTION_PRE_GA -> readFunctionPreGa();
                case OPCODE_FUNCTION2 -> v.function(readName("function library"));
                case OPCODE_SLOT_INFO -> v.slotInfo(readLength(), readLength(), readLength());
                default -> {
                    RdbType type = RdbType.of(op, valkey);
                    if (type == null) {
                        throw unknownOpcode(off, op);
                    }
                    if (!header.hasChecksum() && header.version() < type.sinceVersion()) {
                        throw newerThanFile(off, "type " + op + " (" + type.dataType() + " " + type.encoding() + ")",
                                type.sinceVersion());
                    }
                    long start = recordStart < 0 ? off : recordStart;
                    readKey(type, expire, idle, freq, start);
                    keys++;
                    expire = RdbKey.NO_EXPIRY;
                    idle = -1;
                    freq = -1;
                    recordStart = -1;
                }
            }
        }
    }

    /** The first Redis RDB version with this opcode. */
    private static int opcodeSince(int op) {
        return switch (op) {
            case OPCODE_EXPIRETIME_MS -> 3;
            case OPCODE_RESIZEDB, OPCODE_AUX -> 7;
            case OPCODE_FREQ, OPCODE_IDLE, OPCODE_MODULE_AUX -> 9;
            case OPCODE_FUNCTION_PRE_GA, OPCODE_FUNCTION2 -> 10;
            case OPCODE_SLOT_INFO -> 12;
            default -> 1;
        };
    }

    /**
     * Files below version 5 have no CRC, so a damaged version digit would silently turn checking
     * off: there, a record newer than the version is damage (Redis itself does not gate by version,
     * and librdb's test files hold AUX records in version 6 files, so newer versions are not gated).
     */
    private RdbException newerThanFile(long off, String what, int since) {
        return damage(off, what + " exists only from RDB version " + since + ", but the header says version "
                + header.version() + "; the header or this byte is damaged");
    }

    private RdbException unknownOpcode(long off, int op) {
        String hex = String.format("0x%02X (%d)", op, op);
        if (!header.isValkey() && (op == TYPE_STREAM_LISTPACKS_4 || op == TYPE_STREAM_LISTPACKS_5) && header.version() >= 13) {
            return unsupported(off, "type " + hex + " is a Redis 8.6+ stream encoding (STREAM_LISTPACKS_"
                    + (op - TYPE_STREAM_LISTPACKS_4 + 4) + "), which this reader does not read yet");
        }
        if (op == OPCODE_KEY_META) { // OPCODE_VALKEY_SLOT_IMPORT in a Valkey file
            return unsupported(off, "opcode " + hex + " is " + (header.isValkey() ? "Valkey's SLOT_IMPORT"
                    : "Redis 8.6's KEY_META") + ", which this reader does not read yet");
        }
        if (header.isValkey() && op == TYPE_VALKEY_PATH_HASH) {
            return unsupported(off, "type " + hex + " is Valkey's PATH_HASH, which this reader does not read yet");
        }
        if (op == ENTERPRISE_OPCODE_GCAS || op == ENTERPRISE_OPCODE_GFLAGS || op == ENTERPRISE_OPCODE_RAM_LRU
                || op == ENTERPRISE_OPCODE_SLOT_NUM) {
            return unsupported(off, "byte " + hex + " is a private Redis Enterprise opcode ("
                    + (op == ENTERPRISE_OPCODE_RAM_LRU ? "RAM_LRU" : op == ENTERPRISE_OPCODE_SLOT_NUM ? "SLOT_NUM" : "GCAS/GFLAGS")
                    + "); open-source Redis cannot load this file and this reader does not read it");
        }
        if (op == TYPE_MODULE_PRE_GA) {
            return unsupported(off, "type 6 is the Redis 4.0 pre-release module format, which Redis 7.2 and later "
                    + "refuse to load and this reader does not read");
        }
        return damage(off, "found byte " + hex + " where a record starts; expected an object type (0-25) "
                + "or an opcode (0xF4-0xFF)");
    }

    private RdbHeader readHeader() throws IOException, RdbException {
        try {
            in.ensure(HEADER_BYTES);
        } catch (RdbInput.TruncatedInput e) {
            throw new RdbException(RdbException.Kind.NOT_RDB, 0, -1, null,
                    "the file is " + e.endOffset + " bytes long; an RDB starts with a 9-byte header like REDIS0011");
        }
        byte[] b = in.buf();
        int p = in.pos();
        String first9 = new String(b, p, HEADER_BYTES, StandardCharsets.ISO_8859_1);
        String magic;
        String digits;
        if (first9.startsWith(MAGIC_REDIS)) {
            magic = MAGIC_REDIS;
            digits = first9.substring(MAGIC_REDIS.length());
        } else if (first9.startsWith(MAGIC_VALKEY)) {
            magic = MAGIC_VALKEY;
            digits = first9.substring(MAGIC_VALKEY.length());
        } else {
            throw new RdbException(RdbException.Kind.NOT_RDB, 0, -1, null,
                    "found \"" + Printable.escape(b, p, 9, 40) + "\"; expected the header REDIS<4 digits> or VALKEY<3 digits>");
        }
        for (int i = 0; i < digits.length(); i++) {
            if (!Character.isDigit(digits.charAt(i))) {
                throw new RdbException(RdbException.Kind.NOT_RDB, i + magic.length(), -1, null,
                        "the version in the header \"" + Printable.escape(b, p, 9, 40) + "\" is not a number");
            }
        }
        in.skipInBuffer(HEADER_BYTES);
        int version = Integer.parseInt(digits);
        RdbHeader h = new RdbHeader(magic, version);
        if (h.isValkey()) {
            if (version < 80) {
                throw damage(magic.length(), "VALKEY header with version " + version
                        + "; Valkey writes the VALKEY magic only for version 80 and up");
            }
            if (version > RdbHeader.VALKEY_MAX_RECOGNISED) {
                throw new RdbException(RdbException.Kind.TOO_NEW, magic.length(), -1, null,
                        "RDB version " + version + " (" + h.label() + ") is newer than the newest this reader knows ("
                                + RdbHeader.VALKEY_MAX_RECOGNISED + ", Valkey 9.2)");
            }
        } else {
            if (version < 1) {
                throw damage(5, "RDB version 0 does not exist; expected 1 or more");
            }
            if (version > RdbHeader.REDIS_MAX_RECOGNISED) {
                throw new RdbException(RdbException.Kind.TOO_NEW, 5, -1, null,
                        "RDB version " + version + " is newer than the newest this reader knows ("
                                + RdbHeader.REDIS_MAX_RECOGNISED + ", Redis 8.8); it was written by a newer server release");
            }
        }
        return h;
    }

    private RdbSummary footer(long keys) throws IOException, RdbException {
        long computed = in.stopCrc();
        if (!header.hasChecksum()) {
            long end = in.offset();
            v.end(summary(ChecksumStatus.ABSENT, 0, computed, end, keys));
            return summary(ChecksumStatus.ABSENT, 0, computed, end, keys);
        }
        long footerOffset = in.offset();
        long stored = in.i64le();
        ChecksumStatus status;
        if (stored == 0) {
            status = ChecksumStatus.DISABLED;
        } else if (stored != computed) {
            mismatchStored = stored;
            mismatchComputed = computed;
            throw new RdbException(RdbException.Kind.CHECKSUM_MISMATCH, footerOffset, -1, null,
                    String.format("the CRC64 footer says %016x but the file's content gives %016x", stored, computed));
        } else {
            status = ChecksumStatus.VERIFIED;
        }
        RdbSummary s = summary(status, stored, computed, in.offset(), keys);
        v.end(s);
        return s;
    }

    private RdbSummary summary(ChecksumStatus st, long stored, long computed, long end, long keys) {
        return new RdbSummary(header, st, stored, computed, end, keys);
    }

    private void readModuleAux(long off) throws IOException, RdbException {
        RdbVisitor.RawValueSink sink = v.moduleAuxBytes();
        if (sink != null) {
            in.startTee(sink); // the record after its opcode, for a copy
        }
        long id = readLength();
        long opOff = in.offset();
        long op = readLength();
        if (op != MODULE_OPCODE_UINT) {
            throw damage(opOff, "module aux record of " + moduleName(id) + ": expected the UINT sub-opcode 2 before "
                    + "'when', found " + op);
        }
        long when = readLength();
        if (when != MODULE_AUX_BEFORE_RDB && when != MODULE_AUX_AFTER_RDB) {
            throw damage(opOff, "module aux record of " + moduleName(id) + ": 'when' is " + when
                    + "; expected 1 (before keyspace) or 2 (after)");
        }
        v.moduleAux(moduleName(id), (int) (id & 1023), (int) when);
        readModulePayload(false);
        if (sink != null) {
            in.stopTee();
        }
    }

    /** A function as Redis 7.0's release candidates wrote it: name, engine, optional description, code. */
    private void readFunctionPreGa() throws IOException, RdbException {
        byte[] name = readName("function name");
        byte[] engine = readName("function engine");
        if (readLength() != 0) {
            readName("function description");
        }
        v.preReleaseFunction(name, engine, readName("function code"));
    }

    // ---------------------------------------------------------------- keys

    /** Room for the commonest record, a short string key with a short string value, whole in the buffer. */
    private static final int SHORT_STRING_RECORD = 2 + 63 + 63;

    private void readKey(RdbType type, long expire, long idle, int freq, long start)
            throws IOException, RdbException {
        if ((tally != null || measures != null) && type == RdbType.STRING && !unreadStringHeader
                && in.available() >= SHORT_STRING_RECORD) {
            int record = shortStringRecord();
            if (record > 0) {
                if (tally != null) {
                    tally.keyCounted(db, type, expire, 1);
                } else {
                    int nameLen = in.buf()[in.pos()];
                    measures.keyMeasured(db, in.buf(), in.pos() + 1, nameLen, type, record - 1 - nameLen, 1, expire,
                            idle, freq);
                }
                in.skipInBuffer(record);
                return;
            }
        }
        keyName = null;
        keyType = type;
        keyName = readKeyName();
        if (tally != null) {
            elements = 0;
            readValue(type, in.offset());
            tally.keyCounted(db, type, expire, elements);
            keyName = null;
            keyType = null;
            return;
        }
        if (measures != null) {
            elements = 0;
            long valueStart = in.offset();
            readValue(type, valueStart);
            measures.keyMeasured(db, keyName, 0, keyName.length, type, in.offset() - valueStart, elements, expire, idle,
                    freq);
            keyName = null;
            keyType = null;
            return;
        }
        RdbKey key = new RdbKey(db, keyName, type, expire, idle, freq, start);
        v.startKey(key);
        RdbVisitor.RawValueSink sink = v.rawValue(key);
        long valueStart = in.offset();
        if (sink != null) {
            in.startTee(sink);
        }
        elements = 0;
        readValue(type, valueStart);
        if (sink != null) {
            in.stopTee();
        }
        v.endKey(key, elements, in.offset() - valueStart);
        keyName = null;
        keyType = null;
    }

    /**
     * For a visitor that only counts or measures: the length of the string key record
     * at the buffer's position when its name and value both have a one-byte length (under 64
     * bytes, plain), which the general path would read the same way (nothing in such a record can
     * be damaged, and the name is needed only to report damage); else -1. Consumes nothing.
     */
    private int shortStringRecord() {
        byte[] b = in.buf();
        int p = in.pos();
        int nameLen = b[p];
        if (nameLen < 0 || nameLen >= 64) {
            return -1; // not a 6-bit length (the top bits 00)
        }
        int valueLen = b[p + 1 + nameLen];
        if (valueLen < 0 || valueLen >= 64) {
            return -1;
        }
        return 2 + nameLen + valueLen;
    }

    private void readValue(RdbType type, long valueStart) throws IOException, RdbException {
        switch (type) {
            case STRING -> {
                readStringHeader();
                deliverString(ElementRole.STRING_VALUE, false);
            }
            case LIST -> readPlainCollection(ElementRole.LIST_ITEM, null, false, valueStart);
            case SET -> readPlainCollection(ElementRole.SET_MEMBER, null, true, valueStart);
            case HASH -> readPlainCollection(ElementRole.HASH_FIELD, ElementRole.HASH_VALUE, true, valueStart);
            case ZSET, ZSET_2 -> readZset(type == RdbType.ZSET_2, valueStart);
            case HASH_METADATA, HASH_METADATA_PRE_GA -> readHashWithTtls(type == RdbType.HASH_METADATA, valueStart);
            case VALKEY_HASH_2 -> readValkeyHash2(valueStart);
            case HASH_ZIPMAP -> {
                readBlob("zipmap");
                walkBlob(Zipmap::walk, "zipmap");
                deliverPairs(ElementRole.HASH_FIELD, ElementRole.HASH_VALUE, 2, "hash");
            }
            case LIST_ZIPLIST -> {
                readBlob("ziplist");
                walkBlob(Ziplist::walk, "ziplist");
                deliverSingles(ElementRole.LIST_ITEM, false, "list");
            }
            case SET_INTSET -> {
                readBlob("intset");
                walkBlob(Intset::walk, "intset");
                deliverSingles(ElementRole.SET_MEMBER, false, "set");
            }
            case SET_LISTPACK -> {
                readBlob("listpack");
                walkBlob(Listpack::walk, "listpack");
                deliverSingles(ElementRole.SET_MEMBER, true, "set");
            }
            case ZSET_ZIPLIST, ZSET_LISTPACK -> {
                String what = type == RdbType.ZSET_ZIPLIST ? "ziplist" : "listpack";
                readBlob(what);
                walkBlob(type == RdbType.ZSET_ZIPLIST ? Ziplist::walk : Listpack::walk, what);
                deliverZsetPairs();
            }
            case HASH_ZIPLIST, HASH_LISTPACK -> {
                String what = type == RdbType.HASH_ZIPLIST ? "ziplist" : "listpack";
                readBlob(what);
                walkBlob(type == RdbType.HASH_ZIPLIST ? Ziplist::walk : Listpack::walk, what);
                deliverPairs(ElementRole.HASH_FIELD, ElementRole.HASH_VALUE, 2, "hash");
            }
            case HASH_LISTPACK_EX, HASH_LISTPACK_EX_PRE_GA -> {
                if (type == RdbType.HASH_LISTPACK_EX) {
                    in.i64le(); // min expire: ignored on load, as Redis does
                }
                readBlob("listpack");
                walkBlob(Listpack::walk, "listpack");
                deliverHashListpackEx();
            }
            case LIST_QUICKLIST, LIST_QUICKLIST_2 -> readQuicklist(type == RdbType.LIST_QUICKLIST_2, valueStart);
            case STREAM_LISTPACKS, STREAM_LISTPACKS_2, STREAM_LISTPACKS_3 -> readStream(type, valueStart);
            case MODULE_2 -> {
                long id = readLength();
                v.moduleValue(moduleName(id), (int) (id & 1023));
                readModulePayload(true);
            }
            case MODULE_PRE_GA -> throw unknownOpcode(valueStart - 1, TYPE_MODULE_PRE_GA);
        }
    }

    /** Delivers an element unless the visitor said it does not look at values. */
    private void emit(Element e) {
        if (wantValues) {
            v.element(e);
        }
    }

    private RdbException emptyKey(long offset) {
        return damage(offset, "the " + keyType.dataType() + " (" + keyType.encoding() + ") has no elements; "
                + "a healthy server never writes an empty collection (Redis 7+ skips such keys on load, "
                + "older releases refuse the file)");
    }

    private void readPlainCollection(ElementRole role, ElementRole valueRole, boolean unique, long start)
            throws IOException, RdbException {
        long countOff = in.offset();
        long n = readLength();
        if (n == 0) {
            throw emptyKey(countOff);
        }
        if (n < 0) {
            throw damage(countOff, "element count " + Long.toUnsignedString(n) + " is not plausible");
        }
        members.clear();
        for (long i = 0; i < n; i++) {
            long off = in.offset();
            readStringHeader();
            long fp = deliverString(role, unique);
            if (unique && !members.add(fp)) {
                throw damage(off, "duplicate " + (valueRole != null ? "field" : "member") + " (element " + i
                        + " of " + n + "); Redis refuses to load a " + keyType.dataType() + " with duplicates");
            }
            if (valueRole != null) {
                readStringHeader();
                deliverString(valueRole, false);
            }
        }
    }

    private void readZset(boolean binary, long start) throws IOException, RdbException {
        long countOff = in.offset();
        long n = readLength();
        if (n == 0) {
            throw emptyKey(countOff);
        }
        members.clear();
        for (long i = 0; i < n; i++) {
            long off = in.offset();
            readStringHeader();
            long fp = deliverString(ElementRole.ZSET_MEMBER, true);
            if (!members.add(fp)) {
                throw damage(off, "duplicate member (element " + i + " of " + n + ") in a sorted set");
            }
            long scoreOff = in.offset();
            double score;
            if (binary) {
                score = Double.longBitsToDouble(in.i64le());
            } else {
                int len = in.u8();
                if (len == DOUBLE_NAN) {
                    score = Double.NaN;
                } else if (len == DOUBLE_POS_INF) {
                    score = Double.POSITIVE_INFINITY;
                } else if (len == DOUBLE_NEG_INF) {
                    score = Double.NEGATIVE_INFINITY;
                } else {
                    in.ensure(len);
                    // Without values only validity matters: the grammar check, no double built.
                    score = wantValues ? Numbers.parseScore(in.buf(), in.pos(), len)
                            : Numbers.isScore(in.buf(), in.pos(), len) ? 0 : Double.NaN;
                    in.skipInBuffer(len);
                }
            }
            if (Double.isNaN(score)) {
                throw damage(scoreOff, "the score of sorted-set element " + i + " is not a number (NaN); "
                        + "Redis rejects NaN scores");
            }
            emit(el.dbl(ElementRole.ZSET_SCORE, score));
        }
    }

    private void readHashWithTtls(boolean ga, long start) throws IOException, RdbException {
        long minExpire = ga ? in.i64le() : 0;
        long countOff = in.offset();
        long n = readLength();
        if (n == 0) {
            throw emptyKey(countOff);
        }
        members.clear();
        for (long i = 0; i < n; i++) {
            long ttlOff = in.offset();
            long ttl = readLength();
            long expireAt = ttl == 0 ? 0 : ga ? ttl + minExpire - 1 : ttl;
            if (ttl != 0 && (expireAt < 0 || expireAt > MAX_FIELD_TTL)) {
                throw damage(ttlOff, "hash field " + i + " has expiry " + expireAt + "; expected at most 2^48-1 ms");
            }
            long off = in.offset();
            readStringHeader();
            long fp = deliverString(ElementRole.HASH_FIELD, true);
            if (!members.add(fp)) {
                throw damage(off, "duplicate hash field (element " + i + " of " + n + ")");
            }
            readStringHeader();
            deliverString(ElementRole.HASH_VALUE, false);
            if (ttl != 0) {
                emit(el.integer(ElementRole.HASH_FIELD_EXPIRY, expireAt));
            }
        }
    }

    private void readValkeyHash2(long start) throws IOException, RdbException {
        long countOff = in.offset();
        long n = readLength();
        if (n == 0) {
            throw emptyKey(countOff);
        }
        members.clear();
        for (long i = 0; i < n; i++) {
            long off = in.offset();
            readStringHeader();
            long fp = deliverString(ElementRole.HASH_FIELD, true);
            if (!members.add(fp)) {
                throw damage(off, "duplicate hash field (element " + i + " of " + n + ")");
            }
            readStringHeader();
            deliverString(ElementRole.HASH_VALUE, false);
            long expireAt = in.i64le();
            if (expireAt != -1) {
                emit(el.integer(ElementRole.HASH_FIELD_EXPIRY, expireAt));
            }
        }
    }

    private void readQuicklist(boolean v2, long start) throws IOException, RdbException {
        long countOff = in.offset();
        long nodes = readLength();
        if (nodes == 0) {
            throw emptyKey(countOff);
        }
        long items = 0;
        for (long i = 0; i < nodes; i++) {
            long nodeOff = in.offset();
            long container = v2 ? readLength() : QUICKLIST_NODE_CONTAINER_PACKED;
            if (container == QUICKLIST_NODE_CONTAINER_PLAIN) {
                readStringHeader();
                deliverString(ElementRole.LIST_ITEM, false);
                items++;
            } else if (container == QUICKLIST_NODE_CONTAINER_PACKED) {
                String what = v2 ? "listpack" : "ziplist";
                if (v2 && peekBigPlainBlob()) {
                    items += streamListpack(ElementRole.LIST_ITEM);
                    continue;
                }
                readBlob(what);
                walkBlob(v2 ? Listpack::walk : Ziplist::walk, what);
                items += entries.count;
                deliverSingles(ElementRole.LIST_ITEM, false, null);
            } else {
                throw damage(nodeOff, "quicklist node " + i + " has container " + container
                        + "; expected 1 (plain) or 2 (packed)");
            }
        }
        if (items == 0) {
            throw emptyKey(countOff);
        }
    }

    // ---------------------------------------------------------------- blobs

    /**
     * Reads the next string header and says whether it holds a plain (not LZF) blob bigger than
     * the input buffer: such a listpack (Redis 7 keeps list elements below 1 GiB in packed nodes)
     * is walked as it streams by instead of being held whole.
     */
    private boolean peekBigPlainBlob() throws IOException, RdbException {
        readStringHeader();
        if (strKind == STR_PLAIN && strLen > in.buf().length) {
            return true;
        }
        unreadStringHeader = true;
        return false;
    }

    /**
     * Validates and delivers a listpack straight from the input, entry by entry, decoding each
     * entry with {@link Listpack}'s methods (as its walk does) and requiring the exact backlen
     * Redis writes; string entries longer than the chunk size arrive in chunks. Returns the
     * number of entries.
     */
    private long streamListpack(ElementRole role) throws IOException, RdbException {
        long start = in.offset();
        long end = start + strLen;
        long total = in.i32le() & 0xFFFFFFFFL;
        int count = in.u8() | in.u8() << 8;
        if (total != strLen) {
            throw damage(start, "listpack header says " + total + " bytes, its string holds " + strLen);
        }
        long n = 0;
        byte[] backlen = new byte[5];
        while (true) {
            long p = in.offset();
            if (p >= end) {
                throw damage(p, "listpack has no 0xFF terminator before its end");
            }
            in.ensure(1);
            int b = in.buf()[in.pos()] & 0xFF;
            if (b == Listpack.EOF) {
                in.skipInBuffer(1);
                if (p != end - 1) {
                    throw damage(p, "listpack terminator at byte " + (p - start) + " of " + strLen + "; expected it last");
                }
                break;
            }
            int enc = Listpack.encodingBytes(b);
            if (enc == 0) {
                throw damage(p, String.format("listpack entry %d has the invalid encoding byte 0x%02X", n, b));
            }
            in.ensure(enc);
            boolean string = Listpack.isString(b);
            long strLength = string ? Listpack.stringLength(in.buf(), in.pos(), b) : -1;
            long value = string ? 0 : Listpack.integer(in.buf(), in.pos(), b);
            in.skipInBuffer(enc);
            long size = string ? enc + strLength : enc;
            int bl = Listpack.writeBacklen(size, backlen, 0);
            if (p + size + bl > end - 1) {
                throw damage(p, "listpack entry " + n + " of " + size + " bytes runs past the listpack's end");
            }
            if (string) {
                strKind = STR_PLAIN;
                strLen = strLength;
                deliverString(role, false);
            } else {
                if (role.startsElement()) {
                    elements++;
                }
                emit(el.integer(role, value));
            }
            long blOff = in.offset();
            for (int i = 0; i < bl; i++) {
                if ((byte) in.u8() != backlen[i]) {
                    throw damage(blOff, "listpack entry " + n + " backlen does not encode its size " + size);
                }
            }
            n++;
        }
        if (count != Listpack.COUNT_UNKNOWN && count != n) {
            throw damage(start, "listpack header counts " + count + " entries, it holds " + n);
        }
        return n;
    }

    @FunctionalInterface
    private interface BlobWalker {
        int walk(byte[] buf, int off, int len, EntrySink sink) throws BlobException;
    }

    private void walkBlob(BlobWalker walker, String what) throws IOException, RdbException {
        entries.reset(blob);
        int n;
        try {
            n = walker.walk(blob, blobOff, blobLen, entries);
        } catch (BlobException e) {
            throw blobDamage(e.position(), what + ": " + e.getMessage());
        }
        if (entries.overflowed()) {
            releaseBlob();
            throw tooLarge(blobFileOffset, "a " + what + " of " + blobLen + " bytes holding " + n + " entries");
        }
    }

    private RdbException blobDamage(int position, String detail) {
        if (blobCompressed) {
            return damage(blobFileOffset, detail + " (at byte " + position + " of the LZF-decompressed blob)");
        }
        return damage(blobFileOffset + position, detail);
    }

    private int entryPosition(int i) {
        return entries.isInt[i] ? 0 : entries.offs[i] - blobOff;
    }

    /** Finishes with the current blob: advances past it if it was a view into the input buffer. */
    private void releaseBlob() {
        if (blobInInput) {
            in.skipInBuffer(blobLen);
            blobInInput = false;
        }
    }

    private void deliverEntry(int i, ElementRole role) {
        if (!wantValues) {
            return;
        }
        if (entries.isInt[i]) {
            emit(el.integer(role, entries.ints[i]));
        } else {
            emit(el.bytes(role, blob, entries.offs[i], entries.lens[i]));
        }
    }

    private void deliverSingles(ElementRole role, boolean unique, String emptyWhat) throws RdbException {
        int n = entries.count;
        if (n == 0 && emptyWhat != null) {
            releaseBlob();
            throw emptyKey(blobFileOffset);
        }
        if (unique) {
            members.clear();
            for (int i = 0; i < n; i++) {
                if (!members.add(entries.fingerprint(i))) {
                    throw blobDamage(entryPosition(i), "duplicate member " + entries.describe(i));
                }
            }
        }
        for (int i = 0; i < n; i++) {
            deliverEntry(i, role);
            if (role.startsElement()) {
                elements++;
            }
        }
        releaseBlob();
    }

    private void deliverPairs(ElementRole first, ElementRole second, int stride, String what) throws RdbException {
        int n = entries.count;
        if (n == 0) {
            releaseBlob();
            throw emptyKey(blobFileOffset);
        }
        if (n % 2 != 0) {
            throw blobDamage(0, "the " + what + " blob holds " + n + " entries; expected field/value pairs (an even count)");
        }
        members.clear();
        for (int i = 0; i < n; i += 2) {
            if (!members.add(entries.fingerprint(i))) {
                throw blobDamage(entryPosition(i), "duplicate field " + entries.describe(i));
            }
        }
        for (int i = 0; i < n; i += 2) {
            deliverEntry(i, first);
            deliverEntry(i + 1, second);
            elements++;
        }
        releaseBlob();
    }

    private void deliverZsetPairs() throws RdbException {
        int n = entries.count;
        if (n == 0) {
            releaseBlob();
            throw emptyKey(blobFileOffset);
        }
        if (n % 2 != 0) {
            throw blobDamage(0, "the sorted-set blob holds " + n + " entries; expected member/score pairs (an even count)");
        }
        members.clear();
        for (int i = 0; i < n; i += 2) {
            if (!members.add(entries.fingerprint(i))) {
                throw blobDamage(entryPosition(i), "duplicate member " + entries.describe(i));
            }
            if (!entries.isInt[i + 1]
                    && !Numbers.isScore(blob, entries.offs[i + 1], entries.lens[i + 1])) {
                throw blobDamage(entryPosition(i + 1), "score " + entries.describe(i + 1) + " is not a number");
            }
        }
        for (int i = 0; i < n; i += 2) {
            deliverEntry(i, ElementRole.ZSET_MEMBER);
            if (wantValues) { // the loop above validated every score; parse only to deliver one
                double score = entries.isInt[i + 1] ? entries.ints[i + 1]
                        : Numbers.parseScore(blob, entries.offs[i + 1], entries.lens[i + 1]);
                emit(el.dbl(ElementRole.ZSET_SCORE, score));
            }
            elements++;
        }
        releaseBlob();
    }

    private void deliverHashListpackEx() throws RdbException {
        int n = entries.count;
        if (n == 0) {
            releaseBlob();
            throw emptyKey(blobFileOffset);
        }
        if (n % 3 != 0) {
            throw blobDamage(0, "the hash listpack holds " + n + " entries; expected field/value/ttl triplets");
        }
        members.clear();
        long lastTtl = 0;
        boolean sawNoTtl = false;
        for (int i = 0; i < n; i += 3) {
            if (!members.add(entries.fingerprint(i))) {
                throw blobDamage(entryPosition(i), "duplicate field " + entries.describe(i));
            }
            if (!entries.asLong(i + 2, num) || num[0] < 0 || num[0] > MAX_FIELD_TTL) {
                throw blobDamage(entryPosition(i + 2), "field ttl " + entries.describe(i + 2)
                        + " is not an expiry time in [0, 2^48-1] ms");
            }
            long ttl = num[0];
            if (ttl == 0) {
                sawNoTtl = true;
            } else if (sawNoTtl || ttl < lastTtl) {
                throw blobDamage(entryPosition(i + 2), "field ttl " + ttl + " out of order; expected fields with a "
                        + "ttl first in ascending order, then fields without");
            } else {
                lastTtl = ttl;
            }
        }
        for (int i = 0; i < n; i += 3) {
            deliverEntry(i, ElementRole.HASH_FIELD);
            deliverEntry(i + 1, ElementRole.HASH_VALUE);
            entries.asLong(i + 2, num);
            if (num[0] != 0) {
                emit(el.integer(ElementRole.HASH_FIELD_EXPIRY, num[0]));
            }
            elements++;
        }
        releaseBlob();
    }

    // ---------------------------------------------------------------- streams

    private void readStream(RdbType type, long start) throws IOException, RdbException {
        int sv = type == RdbType.STREAM_LISTPACKS ? 1 : type == RdbType.STREAM_LISTPACKS_2 ? 2 : 3;
        long nodes = readLength();
        for (long i = 0; i < nodes; i++) {
            long keyOff = in.offset();
            readStringHeader();
            if (strKind != STR_PLAIN || strLen != 16) {
                throw damage(keyOff, "stream node key is " + (strKind == STR_INT ? "an integer" : strLen + " bytes")
                        + "; expected the 16-byte master ID");
            }
            in.ensure(16);
            long masterMs = beLong(in.buf(), in.pos());
            long masterSeq = beLong(in.buf(), in.pos() + 8);
            in.skipInBuffer(16);
            readBlob("stream listpack");
            walkBlob(Listpack::walk, "stream listpack");
            if (entries.count == 0) {
                throw blobDamage(0, "empty listpack inside a stream; Redis never writes one");
            }
            deliverStreamNode(masterMs, masterSeq);
            releaseBlob();
        }
        long length = readLength();
        RdbVisitor.StreamId lastId = readStreamId();
        RdbVisitor.StreamId firstId = null;
        RdbVisitor.StreamId maxDeleted = null;
        Long added = null;
        if (sv >= 2) {
            firstId = readStreamId();
            maxDeleted = readStreamId();
            added = readLength();
        }
        v.streamMeta(new RdbVisitor.StreamMeta(length, lastId, firstId, maxDeleted, added));
        long groups = readLength();
        Fingerprints groupNames = new Fingerprints();
        for (long g = 0; g < groups; g++) {
            long nameOff = in.offset();
            byte[] name = readName("consumer group name");
            if (!groupNames.add(nameFingerprint(name))) {
                throw damage(nameOff, "duplicate consumer group \"" + Printable.escape(name) + "\"");
            }
            RdbVisitor.StreamId groupLast = readStreamId();
            Long entriesRead = sv >= 2 ? readLength() : null;
            long pelOff = in.offset();
            long pel = readLength();
            v.streamGroup(new RdbVisitor.StreamGroup(name, groupLast, entriesRead, pel));
            members.clear();
            for (long p = 0; p < pel; p++) {
                long idOff = in.offset();
                RdbVisitor.StreamId id = readRawStreamId();
                long delivery = in.i64le();
                long count = readLength();
                if (!members.add(Fingerprints.ofLong(id.ms() * 31 + id.seq()))) {
                    throw damage(idOff, "duplicate pending entry " + id + " in group \"" + Printable.escape(name) + "\"");
                }
                v.streamPending(new RdbVisitor.StreamPending(name, id, delivery, count));
            }
            long consumers = readLength();
            names.clear();
            for (long c = 0; c < consumers; c++) {
                long cnameOff = in.offset();
                byte[] cname = readName("consumer name");
                if (!names.add(nameFingerprint(cname))) {
                    throw damage(cnameOff, "duplicate consumer \"" + Printable.escape(cname) + "\" in group \""
                            + Printable.escape(name) + "\"");
                }
                long seen = in.i64le();
                Long active = sv >= 3 ? in.i64le() : null;
                long cpel = readLength();
                for (long p = 0; p < cpel; p++) {
                    long idOff = in.offset();
                    RdbVisitor.StreamId id = readRawStreamId();
                    if (!members.contains(Fingerprints.ofLong(id.ms() * 31 + id.seq()))) {
                        throw damage(idOff, "consumer \"" + Printable.escape(cname) + "\" has pending entry " + id
                                + " which is not in the pending list of group \"" + Printable.escape(name)
                                + "\" (starting at byte " + pelOff + ")");
                    }
                }
                v.streamConsumer(new RdbVisitor.StreamConsumer(name, cname, seen, active, cpel));
            }
        }
    }

    private RdbVisitor.StreamId readStreamId() throws IOException, RdbException {
        return new RdbVisitor.StreamId(readLength(), readLength());
    }

    private RdbVisitor.StreamId readRawStreamId() throws IOException {
        in.ensure(16);
        long ms = beLong(in.buf(), in.pos());
        long seq = beLong(in.buf(), in.pos() + 8);
        in.skipInBuffer(16);
        return new RdbVisitor.StreamId(ms, seq);
    }

    private static long beLong(byte[] b, int p) {
        long r = 0;
        for (int i = 0; i < 8; i++) {
            r = (r << 8) | (b[p + i] & 0xFF);
        }
        return r;
    }

    /** Validates a stream node listpack the way Redis's deep sanitizer does, delivering live entries. */
    private void deliverStreamNode(long masterMs, long masterSeq) throws RdbException {
        int n = entries.count;
        int i = 0;
        if (n < 4) {
            throw blobDamage(0, "stream node has " + n + " listpack entries; expected at least the master entry");
        }
        long count = streamInt(i++, "master entry count");
        long deleted = streamInt(i++, "master deleted count");
        long masterFields = streamInt(i++, "master field count");
        if (count < 0 || deleted < 0 || masterFields < 0 || masterFields > n) {
            throw blobDamage(0, "stream node master entry has implausible counts (" + count + ", " + deleted + ", "
                    + masterFields + ")");
        }
        int masterFieldStart = i;
        i += (int) masterFields;
        if (i >= n || streamInt(i, "master entry terminator") != 0) {
            throw blobDamage(i < n ? entryPosition(i) : 0, "stream node master entry is not terminated by 0");
        }
        i++;
        long walked = 0;
        while (i < n) {
            int entryStart = i;
            long flags = streamInt(i++, "entry flags");
            long msDiff = streamInt(i++, "entry ms-diff");
            long seqDiff = streamInt(i++, "entry seq-diff");
            boolean sameFields = (flags & 2) != 0;
            boolean isDeleted = (flags & 1) != 0;
            long fields = sameFields ? masterFields : streamInt(i++, "entry field count");
            long needed = sameFields ? fields : fields * 2;
            if (fields < 0 || i + needed >= n + 0L) {
                throw blobDamage(entryPosition(entryStart), "stream entry " + walked + " claims " + fields
                        + " fields, more than the listpack holds");
            }
            int valuesStart = i;
            i += (int) needed;
            long lpCount = streamInt(i++, "entry lp-count");
            long expected = sameFields ? fields + 3 : fields * 2 + 4;
            if (lpCount != expected) {
                throw blobDamage(entryPosition(i - 1), "stream entry " + walked + " has lp-count " + lpCount
                        + "; expected " + expected);
            }
            walked++;
            if (!isDeleted) {
                long ms = masterMs + msDiff;
                long seq = masterSeq + seqDiff;
                elements++;
                if (!wantValues) {
                    continue;
                }
                int len = formatId(ms, seq);
                emit(el.bytes(ElementRole.STREAM_ENTRY_ID, idText, 0, len));
                for (int f = 0; f < fields; f++) {
                    if (sameFields) {
                        deliverEntry(masterFieldStart + f, ElementRole.STREAM_FIELD);
                        deliverEntry(valuesStart + f, ElementRole.STREAM_VALUE);
                    } else {
                        deliverEntry(valuesStart + 2 * f, ElementRole.STREAM_FIELD);
                        deliverEntry(valuesStart + 2 * f + 1, ElementRole.STREAM_VALUE);
                    }
                }
            }
        }
        if (walked != count + deleted) {
            throw blobDamage(0, "stream node holds " + walked + " entries; its master entry says " + count
                    + " live + " + deleted + " deleted");
        }
    }

    private long streamInt(int i, String what) throws RdbException {
        if (i >= entries.count) {
            throw blobDamage(0, "stream node ends where the " + what + " was expected");
        }
        if (!entries.asLong(i, num)) {
            throw blobDamage(entryPosition(i), "stream " + what + " is " + entries.describe(i) + "; expected an integer");
        }
        return num[0];
    }

    private int formatId(long ms, long seq) {
        String s = Long.toUnsignedString(ms) + "-" + Long.toUnsignedString(seq);
        for (int i = 0; i < s.length(); i++) {
            idText[i] = (byte) s.charAt(i);
        }
        return s.length();
    }

    // ---------------------------------------------------------------- modules

    private static final String MODULE_CHARSET =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    static String moduleName(long id) {
        char[] c = new char[9];
        long bits = id >>> 10;
        for (int i = 8; i >= 0; i--) {
            c[i] = MODULE_CHARSET.charAt((int) (bits & 63));
            bits >>>= 6;
        }
        return new String(c);
    }

    private void readModulePayload(boolean deliver) throws IOException, RdbException {
        while (true) {
            long off = in.offset();
            long op = readLength();
            if (op == MODULE_OPCODE_EOF) {
                return;
            }
            switch ((int) op) {
                case MODULE_OPCODE_SINT, MODULE_OPCODE_UINT -> {
                    long x = readLength();
                    if (deliver) {
                        emit(el.integer(ElementRole.MODULE_VALUE, x));
                    }
                }
                case MODULE_OPCODE_FLOAT -> {
                    float f = Float.intBitsToFloat(in.i32le());
                    if (deliver) {
                        emit(el.dbl(ElementRole.MODULE_VALUE, f));
                    }
                }
                case MODULE_OPCODE_DOUBLE -> {
                    double d = Double.longBitsToDouble(in.i64le());
                    if (deliver) {
                        emit(el.dbl(ElementRole.MODULE_VALUE, d));
                    }
                }
                case MODULE_OPCODE_STRING -> {
                    readStringHeader();
                    if (deliver) {
                        deliverString(ElementRole.MODULE_VALUE, false);
                    } else {
                        skipString();
                    }
                }
                default -> throw damage(off, "module payload sub-opcode " + Long.toUnsignedString(op)
                        + "; expected 0 (end), 1/2 (integer), 3 (float), 4 (double) or 5 (string)");
            }
        }
    }

    // ---------------------------------------------------------------- lengths and strings

    /** Reads an RDB length (unsigned; a 64-bit length above 2^63 comes back negative). */
    private long readLength() throws IOException, RdbException {
        long off = in.offset();
        int b = in.u8();
        switch (b >>> 6) {
            case LEN_6BIT:
                return b & 0x3F;
            case LEN_14BIT:
                return ((b & 0x3F) << 8) | in.u8();
            case LEN_32BIT >>> 6:
                if (b == LEN_32BIT) {
                    return in.u32be();
                }
                if (b == LEN_64BIT) {
                    return in.i64be();
                }
                throw damage(off, String.format("length byte 0x%02X is invalid; expected 0x80 (32-bit) or 0x81 (64-bit)", b));
            default:
                throw damage(off, String.format("found the special string encoding 0x%02X where a length was expected", b));
        }
    }

    /**
     * The size in bytes of the RDB length whose first byte is {@code first} (1, 2, 5 or 9), or -1
     * when that byte does not start a length (a special string encoding, or invalid): the format
     * {@link #readLength} reads, for callers that walk a value's bytes in memory with {@link #lengthAt}.
     */
    public static int lengthSize(int first) {
        return switch ((first & 0xFF) >>> 6) {
            case LEN_6BIT -> 1;
            case LEN_14BIT -> 2;
            case LEN_32BIT >>> 6 -> (first & 0xFF) == LEN_32BIT ? 5 : (first & 0xFF) == LEN_64BIT ? 9 : -1;
            default -> -1;
        };
    }

    /**
     * The RDB length at {@code b[pos]} (big-endian after its first byte, as {@link #readLength});
     * the caller checks with {@link #lengthSize} that it is one and that it fits before its end.
     */
    public static long lengthAt(byte[] b, int pos) {
        int first = b[pos] & 0xFF;
        int size = lengthSize(first);
        if (size == 1) {
            return first & 0x3F;
        }
        if (size == 2) {
            return ((first & 0x3F) << 8) | (b[pos + 1] & 0xFF);
        }
        long v = 0;
        for (int i = 1; i < size; i++) {
            v = (v << 8) | (b[pos + i] & 0xFF);
        }
        return v;
    }

    /** Reads the header of an RDB string and leaves its body unread (see the str* fields). */
    private void readStringHeader() throws IOException, RdbException {
        if (unreadStringHeader) {
            unreadStringHeader = false;
            return;
        }
        strOffset = in.offset();
        int b = in.u8();
        int kind = b >>> 6;
        if (kind == LEN_6BIT) {
            strKind = STR_PLAIN;
            strLen = b & 0x3F;
            return;
        }
        if (kind == LEN_14BIT) {
            strKind = STR_PLAIN;
            strLen = ((b & 0x3F) << 8) | in.u8();
            return;
        }
        if (kind != ENCVAL) {
            strKind = STR_PLAIN;
            if (b == LEN_32BIT) {
                strLen = in.u32be();
            } else if (b == LEN_64BIT) {
                strLen = in.i64be();
                if (strLen < 0) {
                    throw damage(strOffset, "string length " + Long.toUnsignedString(strLen) + " is not plausible");
                }
            } else {
                throw damage(strOffset, String.format("string length byte 0x%02X is invalid", b));
            }
            return;
        }
        switch (b & 0x3F) {
            case ENC_INT8 -> {
                strKind = STR_INT;
                strInt = (byte) in.u8();
            }
            case ENC_INT16 -> {
                strKind = STR_INT;
                strInt = in.i16le();
            }
            case ENC_INT32 -> {
                strKind = STR_INT;
                strInt = in.i32le();
            }
            case ENC_LZF -> {
                strKind = STR_LZF;
                strCompressed = readLength();
                long rawOff = in.offset();
                strLen = readLength();
                if (strCompressed <= 0 || strLen <= 0) {
                    throw damage(strOffset, "LZF string with compressed length " + Long.toUnsignedString(strCompressed)
                            + " and length " + Long.toUnsignedString(strLen) + "; expected both above 0");
                }
                if (strCompressed >= strLen) {
                    throw damage(strOffset, "LZF string with compressed length " + strCompressed + " for " + strLen
                            + " bytes; Redis stores LZF only when it saves space");
                }
                // An LZF back-reference of 3 bytes expands to at most 264: more is impossible.
                if (strLen / 88 > strCompressed + 1) {
                    throw damage(rawOff, "LZF string claims " + strLen + " bytes from " + strCompressed
                            + " compressed bytes, more than LZF can expand to");
                }
            }
            default -> throw damage(strOffset, String.format("string encoding 0x%02X is unknown; expected a length, "
                    + "an integer (0xC0-0xC2) or LZF (0xC3)", b));
        }
    }

    /**
     * Reads a string that is not a value (a key name, an aux field, a function, a consumer name)
     * into a new array ({@link #nameFingerprint} gives the fingerprint of all of it). When
     * the visitor does not want values, only the first {@link #NAME_KEEP} bytes are kept and the
     * rest is validated (LZF decoded) as it streams by; otherwise a string over the memory
     * budget is reported too large.
     */
    private byte[] readName(String what) throws IOException, RdbException {
        readStringHeader();
        return readNameAfterHeader(what);
    }

    private byte[] readNameAfterHeader(String what) throws IOException, RdbException {
        if (strKind == STR_INT) {
            nameCut = false;
            return Long.toString(strInt).getBytes(StandardCharsets.US_ASCII);
        }
        nameCut = !wantValues && strLen > NAME_KEEP;
        if (nameCut) {
            return readCutName(NAME_KEEP, what);
        }
        if (strLen > maxHeld) {
            throw tooLarge(strOffset, "a " + what + " of " + strLen + " bytes"
                    + (strKind == STR_LZF ? " (LZF-compressed to " + strCompressed + ")" : ""));
        }
        materialize(what);
        byte[] r = java.util.Arrays.copyOfRange(blob, blobOff, blobOff + blobLen);
        releaseBlob();
        return r;
    }

    /**
     * A key name as {@link #readName} reads it, but into a reused array of its length when the
     * visitor keeps no names and the name is short: no per-key copy on the hot path.
     */
    private byte[] readKeyName() throws IOException, RdbException {
        if (nameScratch == null) {
            return readName("key name");
        }
        readStringHeader();
        if (strKind == STR_INT || strLen > SCRATCH_NAME_MAX) {
            return readNameAfterHeader("key name");
        }
        materialize("key name");
        byte[] r = nameScratch[blobLen];
        if (r == null) {
            r = nameScratch[blobLen] = new byte[blobLen];
        }
        System.arraycopy(blob, blobOff, r, 0, blobLen);
        releaseBlob();
        nameCut = false;
        return r;
    }

    /** The fingerprint of the whole of the name {@link #readName} just returned. */
    private long nameFingerprint(byte[] name) {
        return nameCut ? cutNameFingerprint : Fingerprints.of(name, 0, name.length);
    }

    /** Keeps the first keep bytes of the current string, fingerprinting and validating all of it. */
    private byte[] readCutName(int keep, String what) throws IOException, RdbException {
        byte[] r = new byte[keep];
        long[] st = {0, strLen * 0x9E3779B97F4A7C15L}; // bytes seen, fingerprint
        ChunkSink sink = (b, off, n) -> {
            int c = (int) Math.min(n, keep - Math.min(keep, st[0]));
            if (c > 0) {
                System.arraycopy(b, off, r, (int) st[0], c);
            }
            st[0] += n;
            st[1] = Fingerprints.update(st[1], b, off, n);
        };
        if (strKind == STR_PLAIN) {
            for (long left = strLen; left > 0; ) {
                int n = in.ensureSome((int) Math.min(left, chunkSize));
                sink.chunk(in.buf(), in.pos(), n);
                in.skipInBuffer(n);
                left -= n;
            }
        } else {
            decodeLzf(sink, what);
        }
        cutNameFingerprint = Fingerprints.mix(st[1]);
        return r;
    }

    private void skipString() throws IOException, RdbException {
        if (strKind == STR_PLAIN) {
            in.skip(strLen);
        } else if (strKind == STR_LZF) {
            in.skip(strCompressed);
        }
    }

    /** Reads a string that holds a blob (listpack, ziplist...) into blob/blobOff/blobLen. */
    private void readBlob(String what) throws IOException, RdbException {
        readStringHeader();
        if (strKind == STR_INT) {
            throw damage(strOffset, "found an integer-encoded string where a " + what + " blob was expected");
        }
        if (strLen > MAX_BLOB) {
            throw damage(strOffset, what + " of " + strLen + " bytes is larger than Redis's 1 GiB limit");
        }
        if (strLen > maxHeld) {
            throw oversizedBlob(what);
        }
        materialize(what);
    }

    /**
     * The error for a blob over the memory budget: damage when its header or last byte already
     * contradict its length (as a decompression bomb's zeroes do), else "too large". An LZF blob
     * is decoded to its end for that, keeping only its first and last bytes.
     */
    private RdbException oversizedBlob(String what) throws IOException, RdbException {
        String size = what + " of " + strLen + " bytes" + (strKind == STR_LZF ? " (LZF-compressed to "
                + strCompressed + " bytes)" : "");
        byte[] head = new byte[8];
        long[] seen = {0, -1}; // bytes decoded, last byte
        if (strKind == STR_PLAIN) {
            in.ensure(head.length);
            System.arraycopy(in.buf(), in.pos(), head, 0, head.length);
            seen[0] = head.length;
        } else {
            decodeLzf((b, off, n) -> {
                if (seen[0] < head.length) {
                    System.arraycopy(b, off, head, (int) seen[0], (int) Math.min(n, head.length - seen[0]));
                }
                seen[0] += n;
                seen[1] = b[off + n - 1] & 0xFF;
            }, what);
        }
        String problem = blobHeaderProblem(what, head, strLen, (int) seen[1]);
        if (problem != null) {
            return damage(strOffset, "the " + size + " " + problem);
        }
        return tooLarge(strOffset, "a " + size);
    }

    /** What the first 8 bytes (and the last byte, or -1) of a blob of len bytes say against it, or null. */
    static String blobHeaderProblem(String what, byte[] head, long len, int last) {
        long first = (head[0] & 0xFFL) | (head[1] & 0xFFL) << 8 | (head[2] & 0xFFL) << 16 | (head[3] & 0xFFL) << 24;
        long second = (head[4] & 0xFFL) | (head[5] & 0xFFL) << 8 | (head[6] & 0xFFL) << 16 | (head[7] & 0xFFL) << 24;
        if (what.equals("intset")) {
            if (first != 2 && first != 4 && first != 8) {
                return "has encoding " + first + "; expected 2, 4 or 8";
            }
            return 8 + first * second == len ? null : "says it holds " + second + " entries of " + first
                    + " bytes, which is " + (8 + first * second) + " bytes";
        }
        if (!what.equals("zipmap") && first != len) {
            return "says in its header that it is " + first + " bytes long";
        }
        if (last >= 0 && last != 0xFF) {
            return String.format("ends with the byte 0x%02X; expected the 0xFF terminator", last);
        }
        return null;
    }

    /**
     * Makes the string whose header was just read available in blob[blobOff, blobOff+blobLen).
     * Plain strings that fit the input buffer stay views into it (call releaseBlob after use);
     * larger ones and LZF ones are copied, growing the array only as bytes actually arrive.
     */
    private void materialize(String what) throws IOException, RdbException {
        blobCompressed = strKind == STR_LZF;
        if (strKind == STR_PLAIN) {
            blobFileOffset = in.offset();
            if (strLen <= in.buf().length) {
                in.ensure((int) strLen);
                blob = in.buf();
                blobOff = in.pos();
                blobLen = (int) strLen;
                blobInInput = true;
                return;
            }
            if (strLen > Integer.MAX_VALUE - 16) {
                throw damage(strOffset, what + " of " + strLen + " bytes is too large to hold in memory");
            }
            readInto((int) strLen);
            return;
        }
        // LZF
        blobFileOffset = strOffset;
        if (strLen > Integer.MAX_VALUE - 16) {
            throw damage(strOffset, "LZF " + what + " of " + strLen + " bytes is too large to hold in memory");
        }
        int clen = (int) strCompressed;
        int len = (int) strLen;
        if (clen > in.buf().length) {
            // Too big to view in the input buffer: decode as the bytes arrive, so a damaged
            // length costs a truncation error, not an allocation of what it claims.
            decodeLzfInto(len, what);
            return;
        }
        in.ensure(clen);
        byte[] out = ownCapacity(len);
        try {
            Lzf.decompress(in.buf(), in.pos(), clen, out, 0, len);
        } catch (BlobException e) {
            throw damage(in.offset() + e.position(), "LZF data of a " + what + ": " + e.getMessage());
        }
        in.skipInBuffer(clen);
        blob = out;
        blobOff = 0;
        blobLen = len;
        blobInInput = false;
    }

    private void decodeLzfInto(int len, String what) throws IOException, RdbException {
        // Grow only as output is produced: a damaged length costs a truncation error, not an
        // allocation of what it claims.
        int[] have = {0};
        decodeLzf((b, off, n) -> {
            if (own.length < have[0] + n) {
                own = java.util.Arrays.copyOf(own, (int) Math.min(len, Math.max(have[0] + n, own.length * 2L)));
            }
            System.arraycopy(b, off, own, have[0], n);
            have[0] += n;
        }, what);
        blob = own;
        blobOff = 0;
        blobLen = len;
        blobInInput = false;
    }

    private byte[] ownCapacity(int len) {
        if (own.length < len) {
            long doubled = 2L * own.length;
            own = null; // let the old one go before the new one is allocated
            own = new byte[(int) Math.max(len, Math.min(maxHeld, doubled))];
        }
        return own;
    }

    private void readInto(int len) throws IOException {
        byte[] out = own;
        int have = 0;
        while (have < len) {
            int n = in.ensureSome(len - have);
            if (out.length < have + n) {
                out = java.util.Arrays.copyOf(out, (int) Math.min(len, Math.max(have + n, out.length * 2L)));
            }
            System.arraycopy(in.buf(), in.pos(), out, have, n);
            in.skipInBuffer(n);
            have += n;
        }
        own = out;
        blob = out;
        blobOff = 0;
        blobLen = len;
        blobInInput = false;
    }

    /**
     * Delivers the string whose header was just read as element(s) of the given role and, when
     * asked (members and fields, for duplicate detection), returns its fingerprint. When the
     * visitor does not look at values and no fingerprint is needed, plain strings are skipped
     * and LZF ones validated without being decompressed.
     */
    private long deliverString(ElementRole role, boolean fingerprint) throws IOException, RdbException {
        if (role.startsElement()) {
            elements++;
        }
        if (strKind == STR_INT) {
            emit(el.integer(role, strInt));
            return fingerprint ? Fingerprints.ofLong(strInt) : 0;
        }
        if (!wantValues && !fingerprint) {
            if (strKind == STR_PLAIN) {
                in.skip(strLen);
                return 0;
            }
            if (strCompressed <= chunkSize && strLen <= Integer.MAX_VALUE) {
                int clen = (int) strCompressed;
                in.ensure(clen);
                try {
                    Lzf.validate(in.buf(), in.pos(), clen, (int) strLen);
                } catch (BlobException e) {
                    throw damage(in.offset() + e.position(), "LZF data of a string: " + e.getMessage());
                }
                in.skipInBuffer(clen);
                return 0;
            }
        }
        if (strLen <= chunkSize) {
            materialize("string");
            emit(el.bytes(role, blob, blobOff, blobLen));
            long fp = fingerprint ? Fingerprints.of(blob, blobOff, blobLen) : 0;
            releaseBlob();
            return fp;
        }
        long total = strLen;
        long[] fp = {total * 0x9E3779B97F4A7C15L};
        if (strKind == STR_PLAIN) {
            long left = total;
            boolean first = true;
            while (left > 0) {
                int n = in.ensureSome((int) Math.min(left, chunkSize));
                left -= n;
                emit(el.chunk(role, in.buf(), in.pos(), n, total, first, left == 0));
                if (fingerprint) {
                    fp[0] = Fingerprints.update(fp[0], in.buf(), in.pos(), n);
                }
                in.skipInBuffer(n);
                first = false;
            }
            return Fingerprints.mix(fp[0]);
        }
        long[] delivered = {0};
        decodeLzf((b, off, len) -> {
            for (int at = off, end = off + len; at < end; ) {
                int n = Math.min(end - at, chunkSize);
                boolean first = delivered[0] == 0;
                delivered[0] += n;
                emit(el.chunk(role, b, at, n, total, first, delivered[0] == total));
                if (fingerprint) {
                    fp[0] = Fingerprints.update(fp[0], b, at, n);
                }
                at += n;
            }
        }, total + "-byte string");
        return Fingerprints.mix(fp[0]);
    }

    /** Streams the current LZF string through the decoder into sink, in bounded memory. */
    private void decodeLzf(ChunkSink sink, String what) throws IOException, RdbException {
        LzfStreamDecoder decoder = new LzfStreamDecoder(new BoundedSource(strCompressed), strCompressed, strLen);
        try {
            decoder.decode(sink);
        } catch (java.io.EOFException e) {
            throw new RdbInput.TruncatedInput(in.offset(), 1);
        } catch (BlobException e) {
            throw damage(strOffset, "LZF data of a " + what + ": " + e.getMessage()
                    + " (at byte " + e.position() + " of the compressed data)");
        }
    }

    /** The next n bytes of the input as a ByteSource, for the streaming LZF decoder. */
    private final class BoundedSource implements ByteSource {
        private long left;

        BoundedSource(long n) {
            left = n;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (left == 0) {
                return -1;
            }
            int n = in.ensureSome((int) Math.min(len, left));
            System.arraycopy(in.buf(), in.pos(), b, off, n);
            in.skipInBuffer(n);
            left -= n;
            return n;
        }
    }
}
