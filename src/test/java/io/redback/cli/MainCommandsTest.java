package io.redback.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** A run builds only the command its first word names; help and a misspelt name still see them all. */
@io.redback.testsupport.Fast
class MainCommandsTest {
    @Test
    void aNamedCommandIsTheOnlyOneBuilt() {
        CommandLine cl = Main.commandLine(Map.of(), "restore");
        assertThat(cl.getSubcommands().keySet()).containsExactly("restore");
        assertThat(cl.parseArgs("restore", "--from-rdb", "x.rdb", "--into", "redis://127.0.0.1:1").subcommand()
                .commandSpec().name()).isEqualTo("restore");
    }

    @Test
    void helpAndUnknownWordsSeeEveryCommand() {
        int all = Main.COMMANDS.size();
        assertThat(Main.commandLine(Map.of()).getSubcommands()).hasSize(all);
        assertThat(Main.commandLine(Map.of(), "restor").getSubcommands()).hasSize(all);
        assertThat(Main.commandLine(Map.of(), "--help").getSubcommands()).hasSize(all);

        StringWriter out = new StringWriter();
        CommandLine help = Main.commandLine(Map.of(), "help");
        help.setOut(new PrintWriter(out));
        assertThat(help.execute("help", "restore")).isZero();
        assertThat(out.toString()).startsWith("Usage: redback restore");
    }
}
