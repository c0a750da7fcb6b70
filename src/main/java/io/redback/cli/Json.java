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
    /** JSON Lines (stream events, log entries): one object per line, for readers that go line by line. */
    private static final ObjectMapper LINES = new ObjectMapper();

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

    /** An indented document: the report of a one-shot command. */
    static String write(Object value) {
        return render(MAPPER, value);
    }

    /** One line: an entry of a JSON Lines output. */
    static String line(Object value) {
        return render(LINES, value);
    }

    private static String render(ObjectMapper mapper, Object value) {
        try {
            return mapper.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot render JSON: " + e.getMessage(), e);
        }
    }
}
