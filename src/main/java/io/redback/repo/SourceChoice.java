package io.redback.repo;

import java.util.List;

/**
 * "The only source": which source a command works on when it was not named. Every command that
 * needs exactly one source picks it here, so that they agree on what counts and say the same
 * thing when there is none or several.
 */
final class SourceChoice {
    private SourceChoice() {
    }

    /**
     * name when given (checked), else the only one of candidates (the sources that hold what the
     * command reads, sorted); {@link NoSingleSourceException} when there is none or several.
     */
    static String only(String name, List<String> candidates, Repository.Holding holding, String where)
            throws NoSingleSourceException {
        if (name != null) {
            return Layout.requireSourceName(name);
        }
        if (candidates.size() == 1) {
            return candidates.get(0);
        }
        if (candidates.isEmpty()) {
            throw new NoSingleSourceException(switch (holding) {
                case SNAPSHOTS -> "the repository has no snapshots yet: take one with `redback backup`";
                case LOG -> "no source in " + where + " has a shipped log yet: `redback stream` ships one";
                case ANYTHING -> "no source in " + where;
            }, candidates);
        }
        throw new NoSingleSourceException("the repository holds " + (holding == Repository.Holding.LOG
                ? "the logs of " : "") + "several sources (" + String.join(", ", candidates) + "): say which with --name",
                candidates);
    }
}
