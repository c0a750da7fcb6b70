package io.redback.cli;

import io.redback.repo.LockHolder;
import io.redback.repo.Repository;
import io.redback.repo.RepositoryLock;
import io.redback.repo.Storage;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code redback unlock}: removes the locks that prune and compact left behind when their
 * process was killed: stale ones, or with {@code --all} every one.
 */
@Command(name = "unlock", mixinStandardHelpOptions = true,
        description = {"Remove stale repository locks (or, with --all, every lock).",
                "",
                "prune and compact take the repository's lock (an object under locks/) while they run and remove "
                + "it when they end, also when they fail. A process that was killed, or a host that died, leaves "
                + "its lock behind: it is no longer refreshed, and after 30 minutes it is stale. prune and compact "
                + "ignore stale locks (and say so); unlock removes them and says what it removed.",
                "",
                "--all also removes locks that are not stale: only when you know their prune or compact is no "
                + "longer running (check the host and pid unlock prints; `redback check --repo` lists the locks)."},
        footerHeading = "%nExamples:%n",
        footer = {"  redback unlock --repo s3://backups/redis",
                "  redback unlock --all --repo /backups/redis      (the holder is known to be gone)",
                "",
                "Exit codes: 0 done (also when there was nothing to remove), 2 the repository could not be read or "
                + "changed."})
public final class UnlockCommand implements Callable<Integer> {
    @Mixin
    RepoOptions repo;

    @Option(names = "--all", description = "Remove every lock, not only stale ones.")
    boolean all;

    @Mixin
    JsonOption output;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = Terminal.out(spec);
        PrintWriter err = Terminal.err(spec);
        Clock clock = Clock.systemUTC();
        RepositoryLock.Unlocked result;
        String where;
        try (Storage storage = repo.openStorage()) {
            Repository repository = repo.open(storage);
            where = repository.describe();
            result = repository.unlock(clock, all);
        } catch (IOException | RuntimeException e) {
            err.println("redback unlock: " + BackupCli.message(e));
            return Main.USAGE;
        }
        Instant now = clock.instant();
        if (output.json) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("repository", where);
            o.put("removed", toJson(result.removed(), now));
            o.put("kept", toJson(result.kept(), now));
            out.println(Json.write(o));
        } else {
            printHuman(out, result, where, now);
        }
        out.flush();
        return Main.OK;
    }

    private void printHuman(PrintWriter out, RepositoryLock.Unlocked result, String where, Instant now) {
        if (result.removed().isEmpty() && result.kept().isEmpty()) {
            out.println("no locks in " + where);
            return;
        }
        for (LockHolder h : result.removed()) {
            out.println("removed " + (h.isStale(now) ? "stale " : "") + "lock of " + LockText.line(h, now));
        }
        for (LockHolder h : result.kept()) {
            out.println("kept    lock of " + LockText.line(h, now) + ": not stale, its process may still run "
                    + "(--all removes it)");
        }
        out.println(result.removed().size() + " lock(s) removed, " + result.kept().size() + " kept in " + where);
    }

    private static List<LockText.LockJson> toJson(List<LockHolder> locks, Instant now) {
        return locks.stream().map(h -> LockText.json(h, now)).toList();
    }
}
