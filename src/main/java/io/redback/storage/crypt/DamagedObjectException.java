package io.redback.storage.crypt;

import java.io.IOException;

/**
 * An encrypted object that does not authenticate: changed, cut, extended, with chunks reordered,
 * stored under another name or from another repository. The message names the object.
 */
public final class DamagedObjectException extends IOException {
    private static final long serialVersionUID = 1L;
    private final String objectKey;

    DamagedObjectException(String objectKey, String why) {
        super(objectKey + " is damaged: " + why);
        this.objectKey = objectKey;
    }

    /** The object's key in the repository. */
    public String objectKey() {
        return objectKey;
    }
}
