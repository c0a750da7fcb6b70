package io.redback.cli;

import io.redback.restore.Lossy;
import picocli.CommandLine.Option;

/** {@code --lossy}: what a restore into a running server does with keys its release can only hold with a loss. */
final class LossyOption {
    @Option(names = "--lossy", paramLabel = "fail|skip-key|drop-field-ttl", defaultValue = "fail", description = "With "
            + "--into, a key the target release can only hold with something lost (a hash whose fields have their own "
            + "TTL, Redis 7.4+, into a release without field TTLs): fail (the default: the pre-scan finds them, names "
            + "the first and nothing is written), skip-key (leave them out) or drop-field-ttl (write them without the "
            + "field TTLs; fields already expired are left out). Values in encodings the target is too old for are "
            + "re-encoded to ones it reads, which loses nothing.")
    String lossy;

    /** Whether the default was changed. */
    boolean given() {
        return !"fail".equals(lossy);
    }

    /** The policy; IllegalArgumentException names the choices. */
    Lossy policy() {
        return Lossy.parse(lossy);
    }
}
