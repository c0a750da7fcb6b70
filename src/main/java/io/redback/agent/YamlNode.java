package io.redback.agent;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.Reader;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A YAML value with the line it starts on, so that every configuration error can name its line
 * (Jackson's tree model drops locations). Scalars keep their text; maps keep their key order and
 * refuse duplicate keys.
 */
record YamlNode(Object value, int line) {
    /** Reads one document; ConfigException (with the line) when it is not YAML. */
    static YamlNode read(Reader in) throws IOException {
        try (JsonParser p = new YAMLFactory().createParser(in)) {
            JsonToken t = p.nextToken();
            if (t == null) {
                throw new ConfigException(1, "the configuration is empty");
            }
            return node(p);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            int line = e.getLocation() == null ? 1 : e.getLocation().getLineNr();
            // SnakeYAML's message quotes the text with a caret over several lines: keep its sentences only.
            String why = String.join(" ", e.getOriginalMessage().lines().filter(l -> !l.isBlank()
                    && !Character.isWhitespace(l.charAt(0))).toList());
            throw new ConfigException(line, "not valid YAML: " + why);
        }
    }

    private static YamlNode node(JsonParser p) throws IOException {
        int line = p.currentTokenLocation().getLineNr();
        JsonToken t = p.currentToken();
        if (t == JsonToken.START_OBJECT) {
            Map<String, YamlNode> map = new LinkedHashMap<>();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String key = p.currentName();
                int keyLine = p.currentTokenLocation().getLineNr();
                p.nextToken();
                if (map.put(key, node(p)) != null) {
                    throw new ConfigException(keyLine, "'" + key + "' is given twice");
                }
            }
            return new YamlNode(map, line);
        }
        if (t == JsonToken.START_ARRAY) {
            List<YamlNode> list = new ArrayList<>();
            while (p.nextToken() != JsonToken.END_ARRAY) {
                list.add(node(p));
            }
            return new YamlNode(list, line);
        }
        return new YamlNode(t == JsonToken.VALUE_NULL ? null : p.getText(), line);
    }

    /** The map this node holds; ConfigException naming what was expected. */
    @SuppressWarnings("unchecked")
    Map<String, YamlNode> map(String what) {
        if (value instanceof Map<?, ?> m) {
            return (Map<String, YamlNode>) m;
        }
        throw new ConfigException(line, what + " must be a map of keys (key: value)");
    }

    @SuppressWarnings("unchecked")
    List<YamlNode> list(String what) {
        if (value instanceof List<?> l) {
            return (List<YamlNode>) l;
        }
        throw new ConfigException(line, what + " must be a list (- item)");
    }

    String text(String what) {
        if (value instanceof String s) {
            return s;
        }
        throw new ConfigException(line, what + " must be a single value");
    }
}
