package io.redback.cli;

import picocli.CommandLine.Option;

/**
 * {@code -n, --dry-run}: work out and print what the command would do, change nothing. What the
 * plan shows is the command's to say (its description).
 */
final class DryRunOption {
    @Option(names = {"-n", "--dry-run"}, description = "Change nothing: print what would be done.")
    boolean dryRun;
}
