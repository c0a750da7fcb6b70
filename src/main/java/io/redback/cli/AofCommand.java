package io.redback.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code redback aof ...}: working with AOF command logs (cutting them, listing their commands). */
@Command(name = "aof",
        description = {"Work with Redis append-only files: a single AOF (with or without RDB preamble), a Redis 7 "
                + "multi-part manifest, or an appendonlydir. The source is only ever read."},
        mixinStandardHelpOptions = true,
        subcommands = {AofCutCommand.class, AofLogCommand.class},
        footerHeading = "%nExamples:%n",
        footer = {"  redback aof log --grep FLUSHALL /var/lib/redis/appendonlydir",
                "  redback aof cut --before FLUSHALL --out /restore/appendonlydir \\",
                "      /var/lib/redis/appendonlydir"})
public final class AofCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
