package io.redback.cli;

import picocli.CommandLine.Option;

/** {@code --json} of the commands that print one line per command listed: JSON Lines instead of text. */
final class JsonLinesOption {
    @Option(names = "--json", description = "One JSON object per command and line (JSON Lines), nothing else on "
            + "stdout.")
    boolean json;
}
