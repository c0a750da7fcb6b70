package io.redback.cli;

import picocli.CommandLine.Command;

/** Placeholder, replaced by the demo implementation. */
@Command(name = "demo", description = "Run an end-to-end demo against a throwaway local redis-server.")
final class DemoCommand implements Runnable {
    @Override
    public void run() {
    }
}
