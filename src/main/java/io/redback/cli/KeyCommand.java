package io.redback.cli;

import io.redback.repo.Repository;
import io.redback.repo.RepositoryConfig;
import io.redback.repo.RepositoryException;
import io.redback.repo.RepositoryLock;
import io.redback.storage.Storage;
import io.redback.storage.crypt.EncryptedStorage;
import io.redback.storage.crypt.KeySlots;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code redback key list|add|passwd|remove}: the key slots of an encrypted repository, one per
 * password, each holding the master key wrapped by that password (docs/repository-format.md).
 * Changing slots never re-encrypts data: the master key stays the same. {@code key rotate} adds a
 * master key generation that seals new objects; older objects keep theirs.
 */
@Command(name = "key", mixinStandardHelpOptions = true,
        description = {"Manage the passwords of an encrypted repository (see `redback init --encrypt`): one key slot "
                + "per password. A slot can be added or removed with any password that opens the repository; the last "
                + "slot is never removed."},
        subcommands = {KeyCommand.ListSlots.class, KeyCommand.Add.class, KeyCommand.Passwd.class, KeyCommand.Remove.class,
            KeyCommand.Rotate.class},
        footerHeading = "%nExamples:%n",
        footer = {"  redback key list --repo /backups/redis",
                "  REDBACK_REPO_PASSWORD=old REDBACK_NEW_REPO_PASSWORD=new redback key passwd --repo /backups/redis",
                "",
                "Exit codes: 0 done, 2 a usage error, a missing or wrong password, or the last slot."})
public final class KeyCommand implements Runnable {
    /** Where a new password comes from when no file is given. */
    static final String NEW_ENV = "REDBACK_NEW_REPO_PASSWORD";

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** What every key subcommand does first: the raw storage and the encrypted repository's config. */
    abstract static class Base implements Callable<Integer> {
        @Mixin
        RepoOptions repo;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = Terminal.out(spec);
            PrintWriter err = Terminal.err(spec);
            try (Storage storage = repo.openRawStorage()) {
                RepositoryConfig config = Repository.readConfig(storage).orElseThrow(() -> new RepositoryException(
                        "no redback repository at " + storage.describe() + " (no config.json)"));
                if (!config.encrypted()) {
                    throw new RepositoryException("the repository at " + storage.describe()
                            + " is not encrypted: it has no keys (create one with `redback init --encrypt`)");
                }
                run(storage, config, out);
                out.flush();
                return Main.OK;
            } catch (IOException | RuntimeException e) {
                err.println(spec.qualifiedName() + ": " + Text.message(e));
                return Main.USAGE;
            }
        }

        abstract void run(Storage storage, RepositoryConfig config, PrintWriter out) throws IOException;

        /** A change of the key slots that returns a value. */
        interface Change<T> {
            T apply() throws IOException;
        }

        /**
         * Runs change under the repository's exclusive lock (as prune and compact take it): two key
         * commands never interleave, so a rotate neither misses a slot added meanwhile nor writes
         * back one removed meanwhile. The lock is a sealed object: it needs the master key.
         */
        <T> T locked(Storage storage, RepositoryConfig config, KeySlots.Unlocked unlocked, Change<T> change)
                throws IOException {
            Repository repository = Repository.open(new EncryptedStorage(storage, unlocked.key(), config.id()));
            PrintWriter err = Terminal.err(spec);
            try (RepositoryLock lock = repository.lockExclusive("key", Clock.systemUTC(), err::println)) {
                return change.apply();
            }
        }

        /** The master key, opened with the repository's password. */
        KeySlots.Unlocked unlock(Storage storage, RepositoryConfig config) throws IOException {
            char[] password = repo.password.password(repo.env(), storage.describe(), false);
            try {
                return KeySlots.unlock(storage, config.id(), password);
            } finally {
                Arrays.fill(password, '\0');
            }
        }
    }

    /** A new password: --new-password-file, else REDBACK_NEW_REPO_PASSWORD, else a prompt (twice). */
    abstract static class WithNewPassword extends Base {
        @Option(names = "--new-password-file", paramLabel = "PATH",
                description = "The new password: the first line of PATH (else $REDBACK_NEW_REPO_PASSWORD, else a prompt).")
        Path newPasswordFile;

        char[] newPassword() throws IOException {
            String text;
            if (newPasswordFile != null) {
                String all = Files.readString(newPasswordFile);
                int nl = all.indexOf('\n');
                text = (nl < 0 ? all : all.substring(0, nl)).replaceAll("\r$", "");
            } else if (repo.env().get(NEW_ENV) != null) {
                text = repo.env().get(NEW_ENV);
            } else if (System.console() != null) {
                char[] first = System.console().readPassword("new password: ");
                char[] again = System.console().readPassword("the same new password again: ");
                if (first == null || !Arrays.equals(first, again)) {
                    throw new RepositoryException("the two new passwords differ");
                }
                text = new String(first);
            } else {
                throw new RepositoryException("give the new password in " + NEW_ENV + " or --new-password-file PATH");
            }
            if (text.isEmpty()) {
                throw new RepositoryException("the new password is empty");
            }
            return text.toCharArray();
        }

        /** A new key slot for the master key unlocked, under the new password (wiped after use). */
        KeySlots.Slot addSlot(Storage storage, RepositoryConfig config, KeySlots.Unlocked unlocked) throws IOException {
            char[] password = newPassword();
            try {
                return KeySlots.add(storage, config.id(), unlocked.key(), password, Instant.now(),
                        KeySlots.Scrypt.DEFAULT);
            } finally {
                Arrays.fill(password, '\0');
            }
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "List the key slots (no password needed: a slot holds only a wrapped key); --json: id, "
                    + "created, kdf, n, r, p, masterKeys per slot.")
    static final class ListSlots extends Base {
        @Mixin
        JsonOption output;

        /** One slot in {@code --json}: what it is, never the key material it wraps. */
        record SlotJson(String id, String created, String kdf, int n, int r, int p, int masterKeys) {
        }

        @Override
        void run(Storage storage, RepositoryConfig config, PrintWriter out) throws IOException {
            if (output.json) {
                out.println(Json.write(KeySlots.list(storage).stream().map(s -> new SlotJson(s.id(), s.created(),
                        s.kdf(), s.n(), s.r(), s.p(), s.generations())).toList()));
                return;
            }
            String format = "%-8s  %-20s  %-24s  %s%n";
            out.printf(Locale.ROOT, format, "ID", "CREATED (UTC)", "KDF", "MASTER KEYS");
            for (KeySlots.Slot s : KeySlots.list(storage)) {
                out.printf(Locale.ROOT, format, s.id(), s.created(), s.kdf() + " N=" + s.n() + " r=" + s.r() + " p=" + s.p(),
                        s.generations());
            }
        }
    }

    @Command(name = "add", mixinStandardHelpOptions = true,
            description = "Add a slot for a new password; the repository's password opens the master key.")
    static final class Add extends WithNewPassword {
        @Override
        void run(Storage storage, RepositoryConfig config, PrintWriter out) throws IOException {
            KeySlots.Unlocked unlocked = unlock(storage, config);
            out.println("added key slot " + locked(storage, config, unlocked, () -> addSlot(storage, config, unlocked)).id());
        }
    }

    @Command(name = "passwd", mixinStandardHelpOptions = true,
            description = "Change the password of the slot the repository's password opens: a new slot, then the old one removed.")
    static final class Passwd extends WithNewPassword {
        @Override
        void run(Storage storage, RepositoryConfig config, PrintWriter out) throws IOException {
            KeySlots.Unlocked unlocked = unlock(storage, config);
            KeySlots.Slot s = locked(storage, config, unlocked, () -> {
                KeySlots.Slot added = addSlot(storage, config, unlocked);
                KeySlots.remove(storage, unlocked.slotId());
                return added;
            });
            out.println("changed the password: key slot " + s.id() + " replaces " + unlocked.slotId());
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true,
            description = "Remove a key slot (its password no longer opens the repository); never the last one.")
    static final class Remove extends Base {
        @Parameters(paramLabel = "ID", description = "The slot's id, as `redback key list` shows it.")
        String id;

        @Override
        void run(Storage storage, RepositoryConfig config, PrintWriter out) throws IOException {
            locked(storage, config, unlock(storage, config), () -> {
                KeySlots.remove(storage, id);
                return id;
            });
            out.println("removed key slot " + id);
        }
    }

    @Command(name = "rotate", mixinStandardHelpOptions = true,
            description = {"Add a new master key: every object written from now on is sealed with it; objects already "
                    + "stored keep the key they were sealed with (nothing is re-encrypted). Every key slot is re-wrapped "
                    + "with the new key, so the repository's password must open every slot. Protects new data from a "
                    + "master key that leaked (e.g. with a removed password's slot), not data already stored."})
    static final class Rotate extends Base {
        @Override
        void run(Storage storage, RepositoryConfig config, PrintWriter out) throws IOException {
            char[] password = repo.password.password(repo.env(), storage.describe(), false);
            try {
                KeySlots.Unlocked unlocked = KeySlots.unlock(storage, config.id(), password);
                int generations = locked(storage, config, unlocked,
                        () -> KeySlots.rotate(storage, config.id(), password, Instant.now())).generations();
                out.println("rotated the master key: new objects are sealed with master key " + (generations - 1)
                        + "; " + generations + " master key(s) in every slot");
            } finally {
                Arrays.fill(password, '\0');
            }
        }
    }
}
