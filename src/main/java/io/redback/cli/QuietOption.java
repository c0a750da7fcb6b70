package io.redback.cli;

import picocli.CommandLine.Option;

/** {@code -q, --quiet} of the commands whose only extra output is a progress bar. */
final class QuietOption {
    @Option(names = {"-q", "--quiet"}, description = "No progress bar.")
    boolean quiet;
}
