package io.redback.cli;

import io.redback.repo.Repository;
import io.redback.storage.Storage;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Clock;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code redback init}: creates an empty repository. */
@Command(name = "init", mixinStandardHelpOptions = true,
        description = {"Create a repository (a local folder or an S3 bucket prefix) for snapshots.",
                "",
                "A first `redback backup` creates one too; init makes a typo in the URL show up early."},
        footerHeading = "%nExamples:%n",
        footer = {"  redback init --repo /backups/redis",
                "  REDBACK_REPO_PASSWORD=... redback init --encrypt --repo /backups/redis",
                "  redback init --repo 's3://my-bucket/redis?region=eu-west-1'",
                "",
                "Exit codes: 0 created, 2 a repository (or other files) is already there, or it could not be created."})
public final class InitCommand implements Callable<Integer> {
    @Mixin
    RepoOptions repo;

    @CommandLine.Option(names = "--encrypt", description = "Encrypt every object on this host before it is stored "
            + "(AES-256-GCM; config.json and the key slots stay readable). The password comes from "
            + "$REDBACK_REPO_PASSWORD, --repo-password-file or --repo-password-command, else a prompt; without it "
            + "the repository cannot be read, so keep it safe.")
    boolean encrypt;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = Terminal.out(spec);
        PrintWriter err = Terminal.err(spec);
        try (Storage storage = repo.openRawStorage()) {
            Repository r;
            if (encrypt) {
                char[] password = repo.password.password(repo.env(), storage.describe(), true);
                try {
                    r = Repository.initEncrypted(storage, Clock.systemUTC(), password);
                } finally {
                    java.util.Arrays.fill(password, '\0');
                }
            } else {
                r = Repository.init(storage, Clock.systemUTC());
            }
            out.println("created " + (encrypt ? "encrypted " : "") + "repository " + r.describe() + " (id "
                    + r.config().id() + ", format " + r.config().formatVersion() + ")");
            return Main.OK;
        } catch (IOException | RuntimeException e) {
            err.println("redback init: " + Text.message(e));
            return Main.USAGE;
        }
    }
}
