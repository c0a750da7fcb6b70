package io.redback.restore;

import java.util.Locale;

/**
 * What to do with a key the target can only hold with something lost (today: a hash with a field
 * whose own TTL has not passed, into a release without field TTLs; decided by the value, not its
 * encoding: a field-TTL hash with no such field loses nothing and is no lossy key): {@code FAIL} refuses before anything is
 * written and names the keys, {@code SKIP_KEY} leaves such keys out, {@code DROP_FIELD_TTL} writes
 * them without the field TTLs (fields already expired are left out).
 */
public enum Lossy {
    FAIL, SKIP_KEY, DROP_FIELD_TTL;

    /** What such a key holds that the target cannot keep, for messages. */
    static final String REASON = "hash fields with their own TTL, which the target does not keep";

    /** Parses {@code fail|skip-key|drop-field-ttl}; IllegalArgumentException with the choices otherwise. */
    public static Lossy parse(String text) {
        try {
            return valueOf(text.strip().toUpperCase(Locale.ROOT).replace('-', '_'));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--lossy " + text + ": expected fail (refuse, naming the keys), skip-key "
                    + "(leave them out) or drop-field-ttl (write them without the field TTLs)");
        }
    }

    /** The option value as typed. */
    public String option() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
