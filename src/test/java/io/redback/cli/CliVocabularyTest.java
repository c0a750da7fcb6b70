package io.redback.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/** One word, one meaning: the options several commands share are spelled, described and read the same way. */
@io.redback.testsupport.Fast
class CliVocabularyTest {
    private static List<CommandLine> commands() {
        List<CommandLine> all = new ArrayList<>();
        collect(Main.commandLine(Map.of()), all);
        return all;
    }

    private static void collect(CommandLine cl, List<CommandLine> all) {
        all.add(cl);
        cl.getSubcommands().values().forEach(sub -> collect(sub, all));
    }

    @Test
    void everyNameIsTheSameOption() {
        List<String> descriptions = new ArrayList<>();
        for (CommandLine c : commands()) {
            OptionSpec name = c.getCommandSpec().findOption("--name");
            if (name != null) {
                assertThat(name.paramLabel()).as(c.getCommandName()).isEqualTo("NAME");
                descriptions.add(String.join(" ", name.description()));
            }
        }
        assertThat(descriptions).hasSizeGreaterThanOrEqualTo(12);
        assertThat(descriptions).containsOnly(descriptions.get(0));
    }

    @Test
    void everyDryRunIsAlsoDashN() {
        int seen = 0;
        for (CommandLine c : commands()) {
            OptionSpec dryRun = c.getCommandSpec().findOption("--dry-run");
            if (dryRun != null) {
                seen++;
                assertThat(dryRun.names()).as(c.getCommandSpec().qualifiedName()).containsExactly("-n", "--dry-run");
            }
        }
        assertThat(seen).isEqualTo(4); // restore, prune, compact, aof cut
    }

    @Test
    void everyOptionThatTakesATimeReadsItWithTheOneGrammar() {
        int seen = 0;
        for (CommandLine c : commands()) {
            for (OptionSpec o : c.getCommandSpec().options()) {
                if ("TIME".equals(o.paramLabel())) {
                    seen++;
                    assertThat(o.converters()).as(c.getCommandSpec().qualifiedName() + " " + o.longestName())
                            .hasOnlyElementsOfType(TimeConverter.class).hasSize(1);
                }
            }
        }
        assertThat(seen).isGreaterThanOrEqualTo(11);
    }

    @Test
    void timeRangesAreSinceAndUntilWithTheOldNamesHidden() {
        for (String cmd : List.of("log", "aof log")) {
            CommandLine c = Main.commandLine(Map.of());
            for (String word : cmd.split(" ")) {
                c = c.getSubcommands().get(word);
            }
            assertThat(c.getCommandSpec().findOption("--since").hidden()).isFalse();
            assertThat(c.getCommandSpec().findOption("--until").hidden()).isFalse();
            assertThat(c.getCommandSpec().findOption("--from").hidden()).isTrue();
            assertThat(c.getCommandSpec().findOption("--to").hidden()).isTrue();
        }
    }
}
