package io.redback.cli;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.redback.rdb.RdbException;
import java.util.Map;

/** One place that turns report records into the JSON every {@code --json} prints. */
final class Json {
    // Report records print their fields in declaration order: that order is part of the output.
    private static final ObjectMapper MAPPER = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT)
            .disable(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY).build();
    /** JSON Lines (stream events, log entries): one object per line, for readers that go line by line. */
    private static final ObjectMapper LINES = JsonMapper.builder()
            .disable(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY).build();

    private Json() {
    }

    /** The {@code error} object of every report about a damaged file. */
    static RdbError error(RdbException e) {
        return new RdbError(e.kind().name().toLowerCase().replace('_', '-'), e.offset(), e.db() < 0 ? null : e.db(),
                e.key(), e.getMessage(), e.detail(), e.advice());
    }

    /** Where an RDB is damaged (byte offset, database, key), what was wrong and what to do; null where unknown. */
    record RdbError(String kind, long offset, Integer db, String key, String message, String detail, String advice) {
    }

    /**
     * A map written as its entries alone: a report that embeds another report's fields in its own
     * ({@code @JsonUnwrapped}, which Jackson does not apply to a plain map).
     */
    record Fields(@JsonAnyGetter Map<String, ?> fields) {
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
