package io.redback.storage.crypt;

import java.io.IOException;

/** No key slot of the repository opens with the password given. */
public final class WrongPasswordException extends IOException {
    private static final long serialVersionUID = 1L;

    WrongPasswordException(String message) {
        super(message);
    }
}
