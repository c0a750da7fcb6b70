package io.redback.cli;

import io.redback.repo.Repository;
import io.redback.repo.RepositoryConfig;
import io.redback.repo.RepositoryException;
import io.redback.storage.Storage;
import io.redback.storage.crypt.EncryptedStorage;
import java.io.Console;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * Where an encrypted repository's password comes from: {@code REDBACK_REPO_PASSWORD},
 * {@code --repo-password-file PATH} (its first line), {@code --repo-password-command CMD} (the
 * first line it prints; run without a shell, its words split at spaces, so the password is never
 * in any child's arguments), else a prompt when there is a terminal to ask on. Without any, an
 * encrypted repository is refused in one line (exit 2).
 */
final class RepoPasswordOptions {
    static final String ENV = "REDBACK_REPO_PASSWORD";

    @Option(names = "--repo-password-file", paramLabel = "PATH",
            description = "An encrypted repository's password: the first line of PATH (else $REDBACK_REPO_PASSWORD).")
    Path file;

    @Option(names = "--repo-password-command", paramLabel = "CMD",
            description = "An encrypted repository's password: the first line CMD prints (run without a shell, "
                    + "split at spaces; e.g. 'pass show redback').")
    String command;

    /**
     * storage as commands use it (closed when this fails): as it is for a plain repository (or none), the decrypting
     * storage for an encrypted one once its password opens a key slot.
     */
    Storage unlock(Storage storage, Map<String, String> env) throws IOException {
        try {
            Optional<RepositoryConfig> config = Repository.readConfig(storage);
            if (config.isEmpty() || !config.get().encrypted()) {
                return storage;
            }
            char[] password = password(env, storage.describe(), false);
            try {
                return EncryptedStorage.unlock(storage, config.get().id(), password);
            } finally {
                Arrays.fill(password, '\0');
            }
        } catch (IOException | RuntimeException e) {
            storage.close();
            throw e;
        }
    }

    /** Whether a password is given (a file, a command or the variable), without reading it. */
    boolean given(Map<String, String> env) {
        return file != null || command != null || env.get(ENV) != null;
    }

    /** The password, from the first source given; confirm asks twice at a prompt (a new password). */
    char[] password(Map<String, String> env, String where, boolean confirm) throws IOException {
        if (file != null) {
            String text;
            try {
                text = Files.readString(file, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new RepositoryException("cannot read --repo-password-file " + file + ": " + Text.message(e));
            }
            return nonEmpty(firstLine(text), "--repo-password-file " + file);
        }
        if (command != null) {
            return nonEmpty(new String(run(command)), "--repo-password-command");
        }
        String fromEnv = env.get(ENV);
        if (fromEnv != null) {
            return nonEmpty(fromEnv, ENV);
        }
        Console console = System.console();
        if (console == null) {
            throw new RepositoryException("the repository at " + where + " is encrypted: give its password in "
                    + ENV + ", --repo-password-file PATH or --repo-password-command CMD");
        }
        char[] first = console.readPassword("password for the repository at %s: ", where);
        if (first == null || first.length == 0) {
            throw new RepositoryException("no password given");
        }
        if (confirm) {
            char[] again = console.readPassword("the same password again: ");
            if (again == null || !Arrays.equals(first, again)) {
                throw new RepositoryException("the two passwords differ");
            }
        }
        return first;
    }

    private static char[] run(String command) throws IOException {
        List<String> words = Arrays.stream(command.strip().split("\\s+")).filter(w -> !w.isEmpty()).toList();
        if (words.isEmpty()) {
            throw new RepositoryException("--repo-password-command is empty");
        }
        Process p;
        try {
            p = new ProcessBuilder(words).redirectError(ProcessBuilder.Redirect.INHERIT)
                    .redirectInput(ProcessBuilder.Redirect.INHERIT).start();
        } catch (IOException e) {
            throw new RepositoryException("--repo-password-command could not start " + words.get(0) + ": " + Text.message(e));
        }
        byte[] out;
        try (InputStream in = p.getInputStream()) {
            out = in.readNBytes(64 * 1024);
            in.transferTo(java.io.OutputStream.nullOutputStream());
        }
        try {
            int code = p.waitFor();
            if (code != 0) {
                throw new RepositoryException("--repo-password-command " + words.get(0) + " exited with " + code);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroy();
            throw new RepositoryException("interrupted while --repo-password-command ran");
        }
        return firstLine(new String(out, StandardCharsets.UTF_8)).toCharArray();
    }

    private static String firstLine(String text) {
        int nl = text.indexOf('\n');
        String line = nl < 0 ? text : text.substring(0, nl);
        return line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
    }

    private static char[] nonEmpty(String password, String from) throws RepositoryException {
        if (password.isEmpty()) {
            throw new RepositoryException("the password from " + from + " is empty");
        }
        return password.toCharArray();
    }
}
