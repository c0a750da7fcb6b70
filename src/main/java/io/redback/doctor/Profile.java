package io.redback.doctor;

/**
 * What the server is for, which decides how strict doctor is: a {@code store} holds data that
 * exists nowhere else (no persistence, eviction or unsaved changes are failures); a {@code cache}
 * can be refilled (no persistence is fine, eviction is expected).
 */
public enum Profile {
    STORE,
    CACHE
}
