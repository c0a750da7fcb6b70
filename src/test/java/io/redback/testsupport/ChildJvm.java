package io.redback.testsupport;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A JVM of its own for one run, for tests that need a small heap (`-Xmx64m`, as an operator's
 * container would give redback) or a process that may die: its output goes to files under a
 * test's temp dir, it gets at most 120 s, and it never outlives the test.
 */
public final class ChildJvm {
    /** How the child ended and what it printed. */
    public record Result(int exit, String stdout, String stderr) {
    }

    private ChildJvm() {}

    /** target/classes and the test JVM's classpath (test classes and every dependency). */
    public static String classpath() {
        return Path.of("target", "classes").toAbsolutePath() + File.pathSeparator + System.getProperty("java.class.path");
    }

    /** {@code redback ARGS} in a JVM with a heap of {@code heap} (e.g. "-Xmx64m"). */
    public static Result redback(Path dir, String heap, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(heap, "-cp", classpath(), "io.redback.cli.Main"));
        cmd.addAll(List.of(args));
        return java(dir, cmd);
    }

    /** Runs a JVM with these arguments, its output in files under dir, for at most 120 s. */
    public static Result java(Path dir, List<String> args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(args);
        Path out = Files.createTempFile(dir, "child", ".out");
        Path err = Files.createTempFile(dir, "child", ".err");
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        try {
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                fail("child JVM did not finish within 120 s: " + cmd);
            }
        } finally {
            if (p.isAlive()) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
        return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }
}
