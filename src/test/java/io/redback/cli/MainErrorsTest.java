package io.redback.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Whatever a command throws, the user gets one line and a usage/environment exit code: the message of
 * an error they can act on, "internal error" for a defect; the stack trace only with REDBACK_DEBUG=1.
 */
@io.redback.testsupport.Fast
class MainErrorsTest {
    @Command(name = "boom")
    static final class Boom implements Callable<Integer> {
        private final Throwable thrown;

        Boom(Throwable thrown) {
            this.thrown = thrown;
        }

        @Override
        public Integer call() throws Exception {
            if (thrown instanceof Error e) {
                throw e;
            }
            throw (Exception) thrown;
        }
    }

    private static String[] run(Throwable error) {
        return run(Map.of(), error);
    }

    private static String[] run(Map<String, String> env, Throwable error) {
        CommandLine cl = Main.commandLine(env);
        cl.addSubcommand("boom", new Boom(error));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int exit = cl.execute("boom");
        return new String[] {Integer.toString(exit), err.toString()};
    }

    @Test
    void outOfMemoryIsOneLineWithExitTwo() {
        String[] r = run(new OutOfMemoryError("Java heap space"));
        assertThat(r[0]).isEqualTo("2");
        assertThat(r[1]).startsWith("redback: out of memory (Java heap space)").doesNotContain("\tat ");
        assertThat(r[1].strip().lines()).hasSize(1);
    }

    @Test
    void stackOverflowIsOneLineWithExitTwo() {
        String[] r = run(new StackOverflowError());
        assertThat(r[0]).isEqualTo("2");
        assertThat(r[1]).contains("nests too deeply").doesNotContain("\tat ");
        assertThat(r[1].strip().lines()).hasSize(1);
    }

    @Test
    void anyOtherErrorIsOneLineToo() {
        String[] r = run(new AssertionError("a defect\u001b[2J"));
        assertThat(r[0]).isEqualTo("2");
        assertThat(r[1]).contains("internal error", "a defect\\x1b[2J").doesNotContain("\tat ", "\u001b");
        assertThat(r[1].strip().lines()).hasSize(1);
    }

    @Test
    void aDefectIsAnInternalErrorOnOneLineThatSaysHowToSeeMore() {
        String[] r = run(new NullPointerException("Cannot invoke \"String.length()\" because \"s\" is null"));
        assertThat(r[0]).isEqualTo("2");
        assertThat(r[1]).startsWith("redback: internal error: java.lang.NullPointerException: Cannot invoke")
                .contains("REDBACK_DEBUG=1").doesNotContain("\tat ");
        assertThat(r[1].strip().lines()).hasSize(1);
        assertThat(run(new IndexOutOfBoundsException("Index 3 out of bounds for length 3"))[1])
                .startsWith("redback: internal error: java.lang.IndexOutOfBoundsException: Index 3");
        assertThat(run(new NullPointerException())[1]).startsWith("redback: internal error: java.lang.NullPointerException");
    }

    @Test
    void withRedbackDebugTheStackTraceFollowsTheLine() {
        String[] r = run(Map.of("REDBACK_DEBUG", "1"), new NullPointerException("no value\u001b[2J"));
        assertThat(r[0]).isEqualTo("2");
        assertThat(r[1].lines().findFirst().orElseThrow())
                .isEqualTo("redback: internal error: java.lang.NullPointerException: no value\\x1b[2J (please report it)");
        assertThat(r[1]).contains("\tat " + MainErrorsTest.class.getName() + ".").doesNotContain("\u001b");
        String[] oom = run(Map.of("REDBACK_DEBUG", "1"), new OutOfMemoryError("Java heap space"));
        assertThat(oom[1]).startsWith("redback: out of memory").contains("\tat ");
        String[] known = run(Map.of("REDBACK_DEBUG", "1"), new IOException("disk full"));
        assertThat(known[1]).startsWith("redback: disk full" + System.lineSeparator()).contains("\tat ");
        assertThat(run(Map.of("REDBACK_DEBUG", "0"), new IOException("disk full"))[1]).doesNotContain("\tat ");
    }

    @Test
    void errorsTheUserCanActOnKeepTheirMessage() {
        for (Exception e : new Exception[] {new IOException("cannot read /x: no such file"),
                new UncheckedIOException("cannot read /x: no such file", new IOException("ENOENT")),
                new IllegalArgumentException("cannot read /x: no such file"),
                new IllegalStateException("cannot read /x: no such file")}) {
            String[] r = run(e);
            assertThat(r[0]).isEqualTo("2");
            assertThat(r[1]).isEqualTo("redback: cannot read /x: no such file" + System.lineSeparator());
        }
    }

    @Test
    void aCommandsOwnErrorLineNamesADefectAsOne() {
        assertThat(Text.message(new NullPointerException("x is null")))
                .isEqualTo("internal error: java.lang.NullPointerException: x is null (please report it)");
        assertThat(Text.message(new IllegalArgumentException("bad --rate"))).isEqualTo("bad --rate");
        assertThat(Text.message(new IOException())).isEqualTo("java.io.IOException");
    }
}
