package io.redback.pitr;

import io.redback.repo.Storage;
import io.redback.repo.VerifiedObject;
import java.io.IOException;
import java.nio.file.NoSuchFileException;

/** Restore's view of {@link VerifiedObject}: a missing or damaged data object is a {@link RestoreException}. */
final class DataObjects {
    private DataObjects() {
    }

    /** Opens the object; a missing one is damage (its manifest promises it). */
    static VerifiedObject open(Storage storage, VerifiedObject.Expected expected) throws IOException, RestoreException {
        try {
            return VerifiedObject.open(storage, expected);
        } catch (NoSuchFileException e) {
            throw new RestoreException(RestoreException.Kind.DAMAGED, "the data object " + expected.key()
                    + " is missing from " + storage.describe() + " although its manifest names it; the repository "
                    + "lost it (restore it from a copy of the repository, or choose another point)");
        }
    }

    /** Reads the rest of the object and throws DAMAGED, naming it, when it is not what its manifest says. */
    static void verify(VerifiedObject object) throws IOException, RestoreException {
        String problem = object.problem();
        if (problem != null) {
            throw new RestoreException(RestoreException.Kind.DAMAGED, problem);
        }
    }
}
