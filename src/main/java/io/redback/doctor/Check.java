package io.redback.doctor;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One finding of {@code redback doctor}: a stable id ({@code config.persistence},
 * {@code info.last-bgsave}, ...), a status, one line saying what was found (for a skip, why it
 * could not be checked), the evidence (the values read, in the order they were read) and the
 * exact fix (a command or a config line; null when there is nothing to do).
 */
public record Check(String id, Status status, String message, Map<String, Object> evidence, String fix) {
    /** How a check came out; the order is the order of severity. */
    public enum Status {
        OK("ok"),
        SKIP("skip"),
        WARN("warn"),
        FAIL("fail");

        private final String label;

        Status(String label) {
            this.label = label;
        }

        /** The name used in JSON and text output. */
        public String label() {
            return label;
        }
    }

    public Check {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(message, "message");
        evidence = Collections.unmodifiableMap(new LinkedHashMap<>(evidence));
    }

    static Check ok(String id, String message, Map<String, Object> evidence) {
        return new Check(id, Status.OK, message, evidence, null);
    }

    static Check warn(String id, String message, Map<String, Object> evidence, String fix) {
        return new Check(id, Status.WARN, message, evidence, fix);
    }

    static Check fail(String id, String message, Map<String, Object> evidence, String fix) {
        return new Check(id, Status.FAIL, message, evidence, fix);
    }

    static Check skip(String id, String reason) {
        return new Check(id, Status.SKIP, reason, Map.of(), null);
    }

    /** A check that is a warning or a failure as the profile says. */
    static Check problem(boolean fail, String id, String message, Map<String, Object> evidence, String fix) {
        return fail ? fail(id, message, evidence, fix) : warn(id, message, evidence, fix);
    }

    /** An ordered evidence map from name, value pairs (null values left out). */
    static Map<String, Object> evidence(Object... nameValue) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i + 1 < nameValue.length; i += 2) {
            if (nameValue[i + 1] != null) {
                m.put(String.valueOf(nameValue[i]), nameValue[i + 1]);
            }
        }
        return m;
    }
}
