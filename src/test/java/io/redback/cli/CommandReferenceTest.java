package io.redback.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.redback.files.NewFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * docs/commands.md is what {@link CommandReference} makes of the commands as they are: a
 * renamed option or a changed help text fails this test until the page is regenerated.
 */
@io.redback.testsupport.Fast
class CommandReferenceTest {
    private static final Path PAGE = Path.of(CommandReference.PATH);

    @Test
    void theCommandReferenceIsUpToDate() throws Exception {
        String generated = CommandReference.markdown();
        if (Boolean.getBoolean("redback.updateDocs")) {
            NewFile.write(PAGE, generated.getBytes(StandardCharsets.UTF_8), NewFile.Mode.DEFAULT);
        }
        String onDisk = Files.exists(PAGE) ? Files.readString(PAGE, StandardCharsets.UTF_8) : "";
        assertThat(onDisk)
                .as("%s is stale: the commands changed since it was generated. Regenerate it with%n  %s%n"
                        + "and commit the result", CommandReference.PATH, CommandReference.REGENERATE)
                .isEqualTo(generated);
    }

    @Test
    void everyCommandIsInTheReference() {
        String page = CommandReference.markdown();
        for (String command : new String[] {"redback check", "redback aof cut", "redback aof log", "redback restore",
                "redback undo", "redback stream", "redback agent", "redback doctor", "redback recover"}) {
            assertThat(page).contains("\n## " + command + "\n");
        }
        assertThat(page).contains("| `--repo URL` | `$REDBACK_REPO, else ./redback-repo` |");
    }
}
