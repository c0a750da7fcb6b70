package io.redback.cli;

import picocli.CommandLine.Command;

/** Placeholder, replaced by the inspect implementation. */
@Command(name = "inspect", description = "Report the biggest keys, type and prefix breakdowns and expiries of an RDB file.")
final class InspectCommand implements Runnable {
    @Override
    public void run() {
    }
}
