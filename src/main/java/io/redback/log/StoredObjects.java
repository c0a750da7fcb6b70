package io.redback.log;

import io.redback.storage.Storage;
import io.redback.repo.VerifiedObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.NoSuchFileException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@link VerifiedObject} for the readers that trust only what a manifest promises: a missing or
 * damaged data object is a {@link Damage} naming it. {@link #fetch} brings a data object's raw
 * bytes out of the repository into a file, verified, so that its reader never holds it in
 * memory (restores do so for snapshots and segments, the log listing for the segments it lists).
 */
public final class StoredObjects {
    private StoredObjects() {
    }

    /** Opens the object; a missing one is damage (its manifest promises it). */
    public static VerifiedObject open(Storage storage, VerifiedObject.Expected expected) throws IOException, Damage {
        try {
            return VerifiedObject.open(storage, expected);
        } catch (NoSuchFileException e) {
            String reason = e.getReason() == null || e.getReason().equals("no such object") ? "missing from "
                    + storage.describe() : "in " + storage.describe() + " " + e.getReason();
            throw new Damage(expected.key(), "the data object " + expected.key() + " is "
                    + reason + " although its manifest names it; the repository lost it (restore it from a copy of "
                    + "the repository, or choose another point)");
        }
    }

    /** Reads the rest of the object (stored under key, null if unknown) and throws when it is not what its manifest says. */
    public static void verify(VerifiedObject object, String key) throws IOException, Damage {
        String problem = object.problem();
        if (problem != null) {
            throw new Damage(key, problem);
        }
    }

    /**
     * Writes the object's raw bytes to out (never more than one byte beyond its manifest's
     * {@code rawSize}), then verifies it; the caller trusts what out received only when this returns.
     *
     * @param rawBytes advanced as raw bytes are written (for a progress bar)
     * @throws Damage when the object is missing or not what its manifest says
     * @throws IOException when the storage cannot be read or out cannot be written
     */
    public static void fetch(Storage storage, VerifiedObject.Expected expected, OutputStream out, AtomicLong rawBytes)
            throws IOException, Damage {
        try (VerifiedObject object = open(storage, expected)) {
            InputStream raw = object.raw();
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = raw.read(buf)) >= 0) {
                out.write(buf, 0, n);
                rawBytes.addAndGet(n);
            }
            out.flush();
            verify(object, expected.key());
        }
    }
}
