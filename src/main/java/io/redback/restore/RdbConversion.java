package io.redback.restore;

import static io.redback.rdb.RdbConstants.*;

import io.redback.files.NewFile;
import io.redback.rdb.Element;
import io.redback.rdb.RdbCheck;
import io.redback.rdb.RdbCheckReport;
import io.redback.rdb.RdbException;
import io.redback.rdb.RdbHeader;
import io.redback.rdb.RdbKey;
import io.redback.rdb.RdbReader;
import io.redback.rdb.RdbVisitor;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes an RDB file again for an older release ({@code redback convert}): the header with the
 * release's RDB version, the aux fields, functions and keys as they were, each value in the
 * cheapest form the release reads (its own bytes when it reads them, re-encoded otherwise, see
 * {@link Reencoder}), and a fresh CRC64. Keys that would lose something (hash field TTLs) follow
 * the {@link Lossy} policy; with {@link Lossy#FAIL} nothing is written when there is one. The
 * output is then checked like any RDB. Memory: one re-encoded value.
 */
public final class RdbConversion {
    /**
     * What a conversion did: the source's and output's headers, keys copied as they were and
     * re-encoded (per change, such as {@code set listpack -> hashtable (plain)}), lossy keys (the
     * first of them named) and those left out, whether the output was written, its check, and the
     * problem that stopped it (null when none).
     */
    public record Report(RdbHeader source, RdbHeader output, String target, long keys, long asIs, long reencoded,
                         Map<String, Long> changes, long lossy, long skipped, List<String> lossyKeys, long expiredFields,
                         boolean written, RdbCheckReport check, String problem) {
        /** Whether the output was written and checks as valid. */
        public boolean ok() {
            return written && problem == null && check != null && check.verdict() == RdbCheckReport.Verdict.VALID;
        }
    }

    private final RdbTarget target;
    private final Lossy lossy;
    private final long nowMs;

    /** {@code nowMs}: hash fields whose TTL has passed by then are left out when TTLs are dropped. */
    public RdbConversion(RdbTarget target, Lossy lossy, long nowMs) {
        this.target = target;
        this.lossy = lossy;
        this.nowMs = nowMs;
    }

    /** Converts {@code in} into {@code out} (written only when the whole conversion succeeds). */
    public Report run(Path in, Path out) throws IOException {
        Files.createDirectories(out.toAbsolutePath().getParent());
        Visitor v;
        String problem = null;
        boolean written = false;
        try (NewFile file = NewFile.beside(out, NewFile.Mode.DEFAULT);
             InputStream input = new BufferedInputStream(Files.newInputStream(in), 1 << 16)) {
            OutputStream os = new BufferedOutputStream(Channels.newOutputStream(file.channel()), 1 << 16);
            v = new Visitor(os);
            try {
                new RdbReader(input).read(v);
            } catch (RdbException e) {
                problem = "the source is damaged: " + e.getMessage();
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
            if (problem == null) {
                problem = v.problem();
            }
            if (problem == null) {
                try {
                    v.finish();
                } catch (UncheckedIOException e) {
                    throw e.getCause();
                }
                os.flush();
                file.channel().force(true);
                file.commit();
                written = true;
            }
        }
        RdbCheckReport check = written ? new RdbCheck(out, nowMs).run() : null;
        if (check != null && check.verdict() != RdbCheckReport.Verdict.VALID) {
            problem = "the output does not check as valid: " + check.error().getMessage();
        }
        return new Report(v.source, new RdbHeader(MAGIC_REDIS, target.fileVersion()), target.label(), v.keys, v.asIs,
                v.reencoded, v.changes, v.lossyCount, v.skipped, v.lossyKeys, v.expiredFields, written, check, problem);
    }

    /** The RDB version that brought module aux records (Redis 5.0). */
    private static final int MODULE_AUX_SINCE = 9;

    private final class Visitor implements RdbVisitor {
        private final RdbOut out;
        private final Reencoder reencoder = new Reencoder(target, nowMs);
        private final RdbBytes value = new RdbBytes();
        private final Map<String, Long> changes = new TreeMap<>();
        private final List<String> lossyKeys = new ArrayList<>();
        private RdbHeader source;
        private long keys;
        private long asIs;
        private long reencoded;
        private long lossyCount;
        private long skipped;
        private long expiredFields;
        private long unreadable;
        private String firstUnreadable;
        private long moduleAuxRefused;
        private String firstModule;
        private boolean sourceIsValkey;
        private long functionsLost;
        /** The key being copied: AS_IS (its bytes stream to the output), REENCODE, or null (left out). */
        private Reencoder.Form form;

        Visitor(OutputStream os) {
            this.out = new RdbOut(os);
        }

        String problem() {
            if (unreadable > 0) {
                return unreadable + " key(s) are of a type " + target.label() + " cannot read, e.g. " + firstUnreadable;
            }
            if (moduleAuxRefused > 0) {
                return "the source holds " + moduleAuxRefused + " module aux record(s) (" + firstModule + "), which "
                        + target.label() + " may not read: a module's own data is copied as it is only into a release "
                        + "of the source's family (" + (sourceValkey() ? "valkey" : "redis") + ") that reads RDB "
                        + "version " + MODULE_AUX_SINCE + "+";
            }
            if (functionsLost > 0) {
                return "the source holds " + functionsLost + " function librar(ies), which " + target.label()
                        + " cannot load";
            }
            if (lossy == Lossy.FAIL && lossyCount > 0) {
                return lossyCount + " key(s) can only go into " + target.label() + " with something lost ("
                        + Lossy.REASON + "), e.g. " + String.join(", ", lossyKeys) + "; nothing was written (--lossy "
                        + "skip-key leaves them out, --lossy drop-field-ttl writes them without the field TTLs)";
            }
            return null;
        }

        void finish() {
            out.finish();
        }

        @Override
        public void header(RdbHeader h) {
            source = h;
            out.header(target.fileVersion());
        }

        @Override
        public void aux(byte[] key, byte[] v) {
            sourceIsValkey |= "valkey-ver".equals(new String(key, StandardCharsets.US_ASCII));
            out.aux(key, v);
        }

        /**
         * A module aux record is the module's own bytes: copied as they are when the target is of
         * the source's family (the same module reads them), refused otherwise.
         */
        @Override
        public RawValueSink moduleAuxBytes() {
            if (!sourceValkey() == !target.valkey() && target.fileVersion() >= MODULE_AUX_SINCE) {
                out.raw(new byte[] {(byte) OPCODE_MODULE_AUX}, 0, 1);
                return out::raw;
            }
            return null;
        }

        @Override
        public void moduleAux(String module, int encodingVersion, int when) {
            if (!(!sourceValkey() == !target.valkey() && target.fileVersion() >= MODULE_AUX_SINCE)) {
                if (moduleAuxRefused++ == 0) {
                    firstModule = module;
                }
            }
        }

        /** Whether the source was written by Valkey (its magic, or a valkey-ver aux field). */
        private boolean sourceValkey() {
            return sourceIsValkey || (source != null && source.isValkey());
        }

        @Override
        public void function(byte[] code) {
            if (target.fileVersion() < 10) {
                functionsLost++;
                return;
            }
            out.function(code);
        }

        @Override
        public void selectDb(int db) {
            out.selectDb(db);
        }

        @Override
        public void resizeDb(long keyCount, long expires) {
            out.resizeDb(keyCount, expires);
        }

        @Override
        public void slotInfo(long slot, long keyCount, long expires) {
            if (target.fileVersion() >= 12) { // older releases do not know the opcode; it is only a sizing hint
                out.slotInfo(slot, keyCount, expires);
            }
        }

        @Override
        public void startKey(RdbKey key) {
            keys++;
            form = Reencoder.form(key.type(), target);
            switch (form) {
                case AS_IS -> {
                    asIs++;
                    prefix(key, key.type().code());
                }
                case REENCODE -> reencoder.start(key.type());
                case LOSSY -> reencoder.start(key.type()); // lossy or not is in the value: decided at its end
                default -> {
                    if (unreadable++ == 0) {
                        firstUnreadable = key.printableName() + " (" + key.type().dataType() + " encoded as "
                                + key.type().encoding() + ")";
                    }
                    form = null;
                }
            }
        }

        private void prefix(RdbKey key, int type) {
            out.keyPrefix(key.name(), key.hasExpiry(), key.expireAtMs(), key.lfuFreq(), key.idleSeconds(), type);
        }

        @Override
        public RawValueSink rawValue(RdbKey key) {
            if (form == Reencoder.Form.AS_IS) {
                return out::raw;
            }
            return form != null && reencoder.wantsRaw() ? reencoder::raw : null;
        }

        @Override
        public void element(Element element) {
            if (form != null && form != Reencoder.Form.AS_IS) {
                reencoder.element(element);
            }
        }

        @Override
        public void endKey(RdbKey key, long elements, long valueBytes) {
            if (form == null || form == Reencoder.Form.AS_IS) {
                return;
            }
            if (form == Reencoder.Form.LOSSY && reencoder.droppedLiveTtls()) {
                lossyCount++;
                if (lossyKeys.size() < 5) {
                    lossyKeys.add(key.printableName());
                }
                if (lossy != Lossy.DROP_FIELD_TTL) {
                    skipped++;
                    return;
                }
            }
            value.reset();
            int type = reencoder.finish(value);
            expiredFields += reencoder.expiredFields();
            if (type < 0) {
                skipped++; // every field had expired: an empty hash is no key
                return;
            }
            reencoded++;
            changes.merge(reencoder.change(key.type()), 1L, Long::sum);
            prefix(key, type);
            out.raw(value);
        }
    }
}
