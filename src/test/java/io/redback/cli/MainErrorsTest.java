package io.redback.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Whatever a command throws, the user gets one line and a usage/environment exit code, never a stack trace. */
@io.redback.testsupport.Fast
class MainErrorsTest {
    @Command(name = "boom")
    static final class Boom implements Callable<Integer> {
        private final Error error;

        Boom(Error error) {
            this.error = error;
        }

        @Override
        public Integer call() {
            throw error;
        }
    }

    private static String[] run(Error error) {
        CommandLine cl = Main.commandLine(Map.of());
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
}
