package io.redback.repo;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import io.redback.storage.Storage;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * Reads and writes the repository's JSON documents (config.json, manifests). Times are ISO-8601
 * UTC text; every field of a record must be present (null where allowed), and unknown fields
 * are ignored so that a release can read what a later release of the same format version adds.
 */
final class RepoJson {
    /** Repository documents are small; anything bigger is not one of ours. */
    static final int MAX_DOCUMENT = 1 << 20;

    private static final ObjectMapper MAPPER = new ObjectMapper()
            .registerModule(new SimpleModule("instants")
                    .addSerializer(Instant.class, new InstantSerializer())
                    .addDeserializer(Instant.class, new InstantDeserializer()))
            .enable(SerializationFeature.INDENT_OUTPUT)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

    private RepoJson() {
    }

    static byte[] write(Object value) {
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot render " + value.getClass().getSimpleName() + " as JSON", e);
        }
    }

    /**
     * Reads the document stored under key in storage as type, refusing one whose formatVersion
     * is newer than supported. Throws NoSuchFileException when key does not exist.
     */
    static <T> T read(Storage storage, String key, Class<T> type, int supported) throws IOException {
        return read(storage, key, type, supported, java.util.Set.of());
    }

    /** As {@link #read(Storage, String, Class, int)}, with these fields null where the document lacks them (added later). */
    static <T> T read(Storage storage, String key, Class<T> type, int supported, java.util.Set<String> addedFields)
            throws IOException {
        byte[] bytes;
        try (InputStream in = storage.get(key)) {
            bytes = in.readNBytes(MAX_DOCUMENT + 1);
        }
        String where = key + " in " + storage.describe();
        if (bytes.length > MAX_DOCUMENT) {
            throw new RepositoryException(where + " is larger than " + MAX_DOCUMENT + " bytes: not a redback document");
        }
        JsonNode tree;
        try {
            tree = MAPPER.readTree(bytes);
        } catch (JsonProcessingException e) {
            throw new RepositoryException(where + " is not valid JSON (" + e.getOriginalMessage()
                    + "): the object is damaged; restore it from a copy or remove it", e);
        }
        JsonNode version = tree == null ? null : tree.get("formatVersion");
        if (version == null || !version.canConvertToInt() || version.intValue() < 1) {
            throw new RepositoryException(where + " has no valid formatVersion: it is not a redback document");
        }
        if (version.intValue() > supported) {
            throw new RepositoryException(where + " has format version " + version.intValue()
                    + " but this redback reads versions up to " + supported + ": upgrade redback");
        }
        if (tree instanceof com.fasterxml.jackson.databind.node.ObjectNode o) {
            addedFields.stream().filter(f -> !o.has(f)).forEach(o::putNull);
        }
        try {
            return MAPPER.treeToValue(tree, type);
        } catch (JsonProcessingException e) {
            Throwable root = e.getCause() instanceof IllegalArgumentException iae ? iae : e;
            String detail = root instanceof JsonProcessingException j ? j.getOriginalMessage() : root.getMessage();
            throw new RepositoryException(where + " is not a valid " + type.getSimpleName() + ": " + detail, e);
        }
    }

    private static final class InstantSerializer extends StdSerializer<Instant> {
        private static final long serialVersionUID = 1L;

        InstantSerializer() {
            super(Instant.class);
        }

        @Override
        public void serialize(Instant value, JsonGenerator gen, SerializerProvider provider) throws IOException {
            gen.writeString(value.toString());
        }
    }

    private static final class InstantDeserializer extends StdDeserializer<Instant> {
        private static final long serialVersionUID = 1L;

        InstantDeserializer() {
            super(Instant.class);
        }

        @Override
        public Instant deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            String text = p.getValueAsString();
            try {
                return Instant.parse(text);
            } catch (DateTimeParseException | NullPointerException e) {
                return (Instant) ctxt.handleWeirdStringValue(Instant.class, text,
                        "not an ISO-8601 UTC time like 2026-11-22T03:15:00Z");
            }
        }
    }
}
