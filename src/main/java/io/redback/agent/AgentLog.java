package io.redback.agent;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The agent's log: one line per event, as text for people ({@code 2026-01-02T03:04:05Z
 * cache-1 snapshot ok: ...}) or as a JSON object for log shippers. Control characters of
 * messages written by others (server replies) are escaped in text lines.
 */
final class AgentLog {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final PrintWriter out;
    private final boolean json;
    private final Clock clock;

    AgentLog(PrintWriter out, boolean json, Clock clock) {
        this.out = out;
        this.json = json;
        this.clock = clock;
    }

    /** Logs event of source (null for the agent itself) with its fields and a sentence for people. */
    void event(String source, String event, String text, Map<String, ?> fields) {
        String time = clock.instant().toString();
        String line;
        if (json) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("time", time);
            o.put("source", source);
            o.put("event", event);
            o.putAll(fields);
            o.put("message", text);
            try {
                line = JSON.writeValueAsString(o);
            } catch (JsonProcessingException e) {
                line = "{\"event\":\"log-failed\"}";
            }
        } else {
            line = time.replaceFirst("\\.\\d+Z$", "Z") + " " + (source == null ? "agent" : source) + " " + event
                    + ": " + safe(text);
        }
        synchronized (out) {
            out.println(line);
            out.flush();
        }
    }

    void event(String source, String event, String text) {
        event(source, event, text, Map.of());
    }

    private static String safe(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            b.append(c < 0x20 || c == 0x7f ? String.format("\\x%02x", (int) c) : String.valueOf(c));
        }
        return b.toString();
    }
}
