package io.redback.cli;

import picocli.CommandLine.Option;

/**
 * {@code --json}: one JSON document on stdout instead of text. What the document holds is the
 * command's to say (its description), not this option's.
 */
final class JsonOption {
    @Option(names = "--json", description = "Print one JSON document instead of text.")
    boolean json;
}
