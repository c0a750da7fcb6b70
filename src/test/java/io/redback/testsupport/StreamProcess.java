package io.redback.testsupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code redback stream} as an operator runs it: a JVM of its own (this test run's classpath,
 * {@code io.redback.cli.Main}), with the given options and {@code --json}, its stdout and stderr
 * kept in files. {@link #start} returns once the timeline has started (the base snapshot is
 * stored); {@link #stop()} sends SIGTERM, as a service manager would, and waits for the stream
 * to spool and ship what it holds and exit; {@link #close()} kills it if it still runs, so that
 * no process outlives a test. Start it in try-with-resources. A JVM of its own because the
 * command runs until a signal arrives and takes over SIGINT and SIGTERM for its whole process.
 *
 * <pre>{@code
 * try (StreamProcess stream = StreamProcess.start(dir, Map.of(), "--redis", uri, "--repo", repo)) {
 *     ... write to the source, restore from repo ...
 *     assertThat(stream.stop()).isZero();
 * }
 * }</pre>
 */
public final class StreamProcess implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    // Generous: the JVM starts and a full sync runs on a machine that may be busy with other builds.
    private static final Duration START_WAIT = Duration.ofSeconds(90);
    private static final Duration STOP_WAIT = Duration.ofSeconds(60);

    private final Process process;
    private final Path out;
    private final Path err;

    private StreamProcess(Process process, Path out, Path err) {
        this.process = process;
        this.out = out;
        this.err = err;
    }

    /**
     * Starts {@code redback stream --json OPTIONS} with {@code env} on top of this process's
     * environment, its output in {@code dir}, and waits for its {@code timeline-started} event.
     */
    public static StreamProcess start(Path dir, Map<String, String> env, String... options)
            throws IOException, InterruptedException {
        StreamProcess stream = launch(dir, env, options);
        try {
            stream.awaitEvent("timeline-started", START_WAIT);
        } catch (IOException | InterruptedException | RuntimeException e) {
            stream.close();
            throw e;
        }
        return stream;
    }

    /** Starts {@code redback stream --json OPTIONS} like {@link #start} but returns at once (its source may be down). */
    public static StreamProcess launch(Path dir, Map<String, String> env, String... options) throws IOException {
        Files.createDirectories(dir);
        Path out = dir.resolve("stream.out");
        Path err = dir.resolve("stream.err");
        List<String> command = new ArrayList<>(List.of(java(), "-cp", System.getProperty("java.class.path"),
                "io.redback.cli.Main", "stream", "--json"));
        command.addAll(List.of(options));
        ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
        builder.environment().putAll(env);
        return new StreamProcess(builder.start(), out, err);
    }

    /** SIGKILL, as a power loss would stop it: nothing runs after this, no flush, no drain. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(STOP_WAIT.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The events printed so far, one JSON object a line ({@code event}, {@code time}, ...); JSON Lines or it fails. */
    public List<JsonNode> events() throws IOException {
        List<JsonNode> events = new ArrayList<>();
        String printed = Files.readString(out, StandardCharsets.UTF_8);
        int complete = printed.lastIndexOf('\n') + 1; // the last line may still be being written
        for (String line : printed.substring(0, complete).split("\n")) {
            if (line.isEmpty()) {
                continue;
            }
            JsonNode event = JSON.readTree(line);
            if (!event.isObject() || !event.has("event")) {
                throw new IOException("redback stream --json printed a line that is not one event object: " + line);
            }
            events.add(event);
        }
        return events;
    }

    /** What it printed on stderr so far (warnings, or why it could not start). */
    public String errors() throws IOException {
        return Files.readString(err, StandardCharsets.UTF_8);
    }

    /** Sends SIGTERM and waits for the clean stop; returns the exit code (0: stopped cleanly). */
    public int stop() throws IOException, InterruptedException {
        process.destroy();
        if (!process.waitFor(STOP_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
            close();
            throw new IOException("redback stream did not stop within " + STOP_WAIT.toSeconds() + " s of SIGTERM; "
                    + "stderr: " + errors());
        }
        return process.exitValue();
    }

    /** Waits until it printed an event of this kind; fails if it exits first or the wait is over. */
    public void awaitEvent(String event, Duration wait) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        while (events().stream().noneMatch(e -> event.equals(e.path("event").asText()))) {
            if (!process.isAlive()) {
                throw new IOException("redback stream exited with " + process.exitValue() + " before its " + event
                        + " event; stdout: " + Files.readString(out) + " stderr: " + errors());
            }
            if (System.nanoTime() > deadline) {
                throw new IOException("waited " + wait.toSeconds() + " s for the " + event
                        + " event of redback stream; stdout: " + Files.readString(out) + " stderr: " + errors());
            }
            Thread.sleep(50);
        }
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** Kills the process (and anything it started) if it still runs. Safe to call more than once. */
    @Override
    public void close() throws InterruptedException {
        if (!process.isAlive()) {
            return;
        }
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        process.waitFor(STOP_WAIT.toMillis(), TimeUnit.MILLISECONDS);
    }
}
