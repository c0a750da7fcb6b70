package io.redback.agent;

import io.redback.files.NewFile;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * When each job of each source last succeeded ({@code state.json} in the state directory), so
 * that a schedule missed while the agent was down runs once at start-up and no more. Written
 * to a new file with a random name and renamed into place.
 */
final class AgentState {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Path file;
    private final Map<String, Map<String, String>> runs;

    private AgentState(Path file, Map<String, Map<String, String>> runs) {
        this.file = file;
        this.runs = runs;
    }

    static AgentState open(Path dir) throws IOException {
        Files.createDirectories(dir);
        Path file = dir.resolve("state.json");
        Map<String, Map<String, String>> runs = new HashMap<>();
        if (Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            try {
                runs = JSON.readValue(file.toFile(), new TypeReference<Map<String, Map<String, String>>>() { });
            } catch (IOException e) {
                throw new IOException(file + " is not the agent's state (" + e.getMessage() + "): remove it, and "
                        + "every job runs once at start-up", e);
            }
        }
        return new AgentState(file, runs);
    }

    synchronized Instant last(String source, String job) {
        String t = runs.getOrDefault(source, Map.of()).get(job);
        return t == null ? null : Instant.parse(t);
    }

    /** A per-source count the agent keeps between runs (e.g. which share a rotating check reads next); 0 at first. */
    synchronized long count(String source, String name) {
        String n = runs.getOrDefault(source, Map.of()).get(name);
        return n == null ? 0 : Long.parseLong(n);
    }

    synchronized void count(String source, String name, long value) throws IOException {
        runs.computeIfAbsent(source, s -> new HashMap<>()).put(name, Long.toString(value));
        NewFile.write(file, JSON.writeValueAsBytes(runs), NewFile.Mode.PRIVATE);
    }

    synchronized void ran(String source, String job, Instant at) throws IOException {
        runs.computeIfAbsent(source, s -> new HashMap<>()).put(job, at.toString());
        NewFile.write(file, JSON.writeValueAsBytes(runs), NewFile.Mode.PRIVATE);
    }
}
