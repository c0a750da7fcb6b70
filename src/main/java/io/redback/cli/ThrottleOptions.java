package io.redback.cli;

import io.redback.restore.Throttle;
import java.time.Duration;
import picocli.CommandLine.Option;

/** How gently {@code restore --into} and {@code undo --apply} write into a live server. */
final class ThrottleOptions {
    @Option(names = "--rate", paramLabel = "KEYS/S", defaultValue = "0", description = "At most this many keys a "
            + "second (default: no limit).")
    double rate;

    @Option(names = "--max-bandwidth", paramLabel = "MB/S", defaultValue = "0", description = "At most this many MB "
            + "(10^6 bytes) of commands a second (default: no limit).")
    double maxBandwidth;

    @Option(names = "--max-memory", paramLabel = "PCT", defaultValue = "90", description = "Pause while the target's "
            + "used_memory is above PCT%% of its maxmemory (checked before a quarter of the headroom can be used), and "
            + "stop if it stays there for --max-memory-wait, or if the target evicts a key: a restore must not make "
            + "a live server evict (default: 90; 0: no check).")
    int maxMemory;

    @Option(names = "--max-memory-wait", paramLabel = "SECONDS", defaultValue = "60", description = "How long to "
            + "pause for memory before stopping (default: 60).")
    int maxMemoryWait;

    @Option(names = "--retry-for", paramLabel = "SECONDS", defaultValue = "60", description = "After a lost "
            + "connection (the target restarting, loading, failing over), keep trying to reopen it this long, then "
            + "send again what was in flight; LOADING, BUSY and TRYAGAIN replies are retried too (default: 60).")
    int retryFor;

    Throttle throttle() {
        return new Throttle(rate, maxBandwidth * 1_000_000, maxMemory, Duration.ofSeconds(maxMemoryWait),
                Duration.ofSeconds(retryFor));
    }
}
