package io.redback.pitr;

import io.redback.storage.Storage;
import io.redback.repo.VerifiedObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.NoSuchFileException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Restore's view of {@link VerifiedObject}: a missing or damaged data object is a
 * {@link RestoreException} naming it. {@link #fetch} brings a data object's raw bytes out of the
 * repository into a file, verified, so that its reader never holds it in memory (restore does so
 * for snapshots and segments, {@code redback log} for the segments it lists).
 */
public final class DataObjects {
    private DataObjects() {
    }

    /** Opens the object; a missing one is damage (its manifest promises it). */
    static VerifiedObject open(Storage storage, VerifiedObject.Expected expected) throws IOException, RestoreException {
        try {
            return VerifiedObject.open(storage, expected);
        } catch (NoSuchFileException e) {
            String reason = e.getReason() == null || e.getReason().equals("no such object") ? "missing from "
                    + storage.describe() : "in " + storage.describe() + " " + e.getReason();
            throw new RestoreException(RestoreException.Kind.DAMAGED, "the data object " + expected.key() + " is "
                    + reason + " although its manifest names it; the repository lost it (restore it from a copy of "
                    + "the repository, or choose another point)");
        }
    }

    /** Reads the rest of the object and throws DAMAGED, naming it, when it is not what its manifest says. */
    static void verify(VerifiedObject object) throws IOException, RestoreException {
        String problem = object.problem();
        if (problem != null) {
            throw new RestoreException(RestoreException.Kind.DAMAGED, problem);
        }
    }

    /**
     * Writes the object's raw bytes to out (never more than one byte beyond its manifest's
     * {@code rawSize}), then verifies it; the caller trusts what out received only when this returns.
     *
     * @param rawBytes advanced as raw bytes are written (for a progress bar)
     * @throws RestoreException DAMAGED when the object is missing or not what its manifest says
     * @throws IOException when the storage cannot be read or out cannot be written
     */
    public static void fetch(Storage storage, VerifiedObject.Expected expected, OutputStream out, AtomicLong rawBytes)
            throws IOException, RestoreException {
        try (VerifiedObject object = open(storage, expected)) {
            InputStream raw = object.raw();
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = raw.read(buf)) >= 0) {
                out.write(buf, 0, n);
                rawBytes.addAndGet(n);
            }
            out.flush();
            verify(object);
        }
    }
}
