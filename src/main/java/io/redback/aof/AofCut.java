package io.redback.aof;

import java.nio.file.Path;

/**
 * Where {@code check --fix} would truncate a file and what that would drop: the file keeps
 * {@code [0, truncateTo)}, which ends after the last complete command outside an open MULTI
 * (where Redis's own {@code aof-load-truncated} cuts). {@code droppedCommands} counts the
 * complete commands after the cut (those of an unfinished transaction), {@code droppedIncomplete}
 * says whether a partial command goes too, and the times are the {@code #TS} range of what
 * goes (null when unknown). {@code refusal} is null when the cut may be made (with
 * {@code --force} if {@code needsForce}), else why not and what to do instead.
 */
public record AofCut(
        String file,
        Path path,
        long size,
        long truncateTo,
        long droppedCommands,
        boolean droppedIncomplete,
        Long droppedFromTime,
        Long droppedToTime,
        boolean needsForce,
        String refusal) {

    public long droppedBytes() {
        return size - truncateTo;
    }

    public boolean allowed() {
        return refusal == null;
    }
}
