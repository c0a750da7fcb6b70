package io.redback.agent;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.redback.stream.StreamEvents;
import java.io.PrintWriter;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

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

    /**
     * Logs event of source (null for the agent itself) with its fields (a record, written between
     * the event and the message; null for none) and a sentence for people.
     */
    void event(String source, String event, String text, Object fields) {
        String time = clock.instant().toString();
        String line;
        if (json) {
            try {
                line = JSON.writeValueAsString(new Line(time, source, event, fields, text));
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
        event(source, event, text, (Object) null);
    }

    /**
     * Logs event of source with fields by name, in order (a stream event's, as {@code redback
     * stream} prints them); a field the line itself has ({@code source}, say) is left to the line.
     */
    void event(String source, String event, String text, Map<String, ?> fields) {
        Map<String, Object> own = new LinkedHashMap<>(fields);
        own.keySet().removeAll(LINE_FIELDS);
        event(source, event, text, new Fields(own));
    }

    /**
     * Logs a stream's event of source under the agent's name for it, in the stream's words and
     * fields; a message of several lines (a cluster's topology) on one, its lines joined by "; ".
     */
    void event(String source, String event, StreamEvents.Words words) {
        event(source, event, words.message().replaceAll("\\R\\s*", "; "), words.fields());
    }

    /** The fields every JSON line has of its own. */
    private static final Set<String> LINE_FIELDS = Set.of("time", "source", "event", "message");

    /** Fields by name written as the line's own ({@code @JsonUnwrapped} does not unwrap a plain map). */
    record Fields(@JsonAnyGetter Map<String, ?> fields) {
    }

    /** One JSON line: when, which source (null for the agent), the event, its own fields, the sentence. */
    record Line(String time, String source, String event, @JsonUnwrapped Object fields, String message) {
    }

    /** The fields of a job that succeeded. */
    record JobDone(String result, double seconds) {
    }

    /** The fields of a job that failed. */
    record JobFailed(String result, long retryInSeconds) {
    }

    /** The fields of a stream that failed and restarts. */
    record Restart(long retryInSeconds) {
    }

    /** The fields of the agent's start: the repository and the port it serves on. */
    record Started(String repository, int port) {
    }

    private static String safe(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            b.append(c < 0x20 || c == 0x7f ? String.format("\\x%02x", (int) c) : String.valueOf(c));
        }
        return b.toString();
    }
}
