package io.redback.cli;

import io.redback.repo.Repository;
import io.redback.storage.RepositoryUrl;
import io.redback.storage.Storage;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Clock;
import java.util.Map;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** The repository option every backup command shares: {@code --repo URL}, or REDBACK_REPO. */
final class RepoOptions {
    @Option(names = "--repo", paramLabel = "URL", defaultValue = "${env:REDBACK_REPO:-./redback-repo}",
            description = "The repository: a path, file:///abs/path or s3://bucket/prefix[?endpoint=...&region=...] "
                    + "(default: $REDBACK_REPO, else ./redback-repo). S3 keys come from AWS_ACCESS_KEY_ID/"
                    + "AWS_SECRET_ACCESS_KEY or the AWS credential chain.")
    String repo;

    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    @Mixin
    RepoPasswordOptions password = new RepoPasswordOptions();

    /** The environment repository URLs read their S3 settings and keys from. */
    Map<String, String> env() {
        return Main.env(command);
    }

    /** The parsed URL; IllegalArgumentException with a message fit for the user. */
    RepositoryUrl url() {
        return RepositoryUrl.parse(repo, env());
    }

    /**
     * Opens the storage; the caller closes it. An encrypted repository's storage comes unlocked
     * with its password ({@link RepoPasswordOptions}), or the open fails in one line.
     */
    Storage openStorage() throws IOException {
        return password.unlock(url().open(), env());
    }

    /** Opens the storage as it is stored, without decrypting anything (for init). */
    Storage openRawStorage() throws IOException {
        return url().open();
    }

    /**
     * Opens the repository on storage; a document its readers skip (see
     * {@link io.redback.repo.SkippedDocument}) is told once on the command's stderr, as
     * {@code redback list: warning: skipped <key>: <what is wrong>}, and the command works on the rest.
     */
    Repository open(Storage storage) throws IOException {
        return warning(Repository.open(storage));
    }

    /**
     * Opens the repository on storage, creating it when there is none; the notice that says so goes
     * to the command's stderr, as {@code redback backup: created repository ...}. Skipped
     * documents are told as by {@link #open}. With a repository password given there must be a
     * repository already: a first backup never creates an unencrypted one for a user who meant
     * to encrypt (nor guesses that they did): {@code init --encrypt} creates it.
     */
    Repository openOrInit(Storage storage, Clock clock) throws IOException {
        if (password.given(env()) && Repository.readConfig(storage).isEmpty()) {
            throw new io.redback.repo.RepositoryException("no repository at " + storage.describe() + ", and a "
                    + "repository password is given: create the encrypted repository first with `redback init --encrypt`");
        }
        PrintWriter err = Terminal.err(command);
        return warning(Repository.openOrInit(storage, clock, notice -> {
            err.println(command.qualifiedName() + ": " + notice);
            err.flush();
        }));
    }

    private Repository warning(Repository repository) {
        PrintWriter err = Terminal.err(command);
        repository.onSkipped(d -> {
            synchronized (err) {
                err.println(command.qualifiedName() + ": warning: skipped " + Terminal.safe(d.key()) + ": "
                        + Terminal.safe(d.problem()));
                err.flush();
            }
        });
        return repository;
    }

}
