package io.redback.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.redback.rdb.RdbException;
import java.util.LinkedHashMap;
import java.util.Map;

/** One place that turns report maps into the JSON every {@code --json} prints. */
final class Json {
    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Json() {
    }

    /** The {@code error} object of every report about a damaged file. */
    static Map<String, Object> error(RdbException e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("kind", e.kind().name().toLowerCase().replace('_', '-'));
        m.put("offset", e.offset());
        m.put("db", e.db() < 0 ? null : e.db());
        m.put("key", e.key());
        m.put("message", e.getMessage());
        m.put("detail", e.detail());
        m.put("advice", e.advice());
        return m;
    }

    static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot render JSON: " + e.getMessage(), e);
        }
    }
}
