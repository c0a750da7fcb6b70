package io.redback.cli;

import java.nio.file.Files;
import java.nio.file.Path;

/** Facts about where output goes, so progress bars appear only for a person watching. */
final class Terminal {
    private Terminal() {
    }

    /** Whether standard error is a terminal (Linux: /proc/self/fd/2 is a tty device). */
    static boolean stderrIsTerminal() {
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
        } catch (Exception e) {
            return System.console() != null;
        }
    }
}
