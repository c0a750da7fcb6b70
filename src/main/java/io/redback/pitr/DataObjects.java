package io.redback.pitr;

import io.redback.log.Damage;
import io.redback.log.StoredObjects;
import io.redback.storage.Storage;
import io.redback.repo.VerifiedObject;
import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Restore's view of {@link StoredObjects}: a missing or damaged data object is a
 * {@link RestoreException} naming it.
 */
public final class DataObjects {
    private DataObjects() {
    }

    /** Opens the object; a missing one is damage (its manifest promises it). */
    static VerifiedObject open(Storage storage, VerifiedObject.Expected expected) throws IOException, RestoreException {
        try {
            return StoredObjects.open(storage, expected);
        } catch (Damage e) {
            throw damaged(e);
        }
    }

    /** Reads the rest of the object and throws DAMAGED, naming it, when it is not what its manifest says. */
    static void verify(VerifiedObject object) throws IOException, RestoreException {
        try {
            StoredObjects.verify(object, null);
        } catch (Damage e) {
            throw damaged(e);
        }
    }

    /**
     * {@link StoredObjects#fetch}, a problem being DAMAGED.
     *
     * @param rawBytes advanced as raw bytes are written (for a progress bar)
     * @throws RestoreException DAMAGED when the object is missing or not what its manifest says
     * @throws IOException when the storage cannot be read or out cannot be written
     */
    public static void fetch(Storage storage, VerifiedObject.Expected expected, OutputStream out, AtomicLong rawBytes)
            throws IOException, RestoreException {
        try {
            StoredObjects.fetch(storage, expected, out, rawBytes);
        } catch (Damage e) {
            throw damaged(e);
        }
    }

    /** Damage a segment's reader or a data object's check found, as restore reports it. */
    static RestoreException damaged(Damage e) {
        return new RestoreException(RestoreException.Kind.DAMAGED, e.getMessage());
    }
}
