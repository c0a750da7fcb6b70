package io.redback.cli;

import java.io.PrintWriter;
import java.io.UncheckedIOException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code redback} command line: one subcommand class per command. Exit codes are the same
 * everywhere: 0 ok, 1 a problem was found (e.g. a damaged file), 2 usage or environment error.
 * Whatever a command throws ends as one line on stderr and exit 2: its message when it is an error
 * the user can act on (I/O, a bad value, a refusal), "internal error: ..." when it is a defect in
 * redback; with {@code REDBACK_DEBUG=1} the stack trace follows.
 */
@Command(name = "redback",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = {"Protects the data in Redis and Valkey: checks and repairs persistence files (RDB, AOF), "
                + "finds and cuts the moment before a bad command in an AOF, takes verified snapshot backups "
                + "to a local or S3 repository, ships every write continuously (stream) and restores to any "
                + "second of the shipped history (restore --at), into files or a running server (restore --into, "
                + "undo); checks a server's persistence (doctor) and a data dir before startup (recover); runs "
                + "unattended with metrics (agent)."},
        footerHeading = "%nExit codes:%n",
        footer = {"  0  ok (for check: the file is valid)",
                "  1  a problem was found (for check: the file is damaged)",
                "  2  usage error, or the command could not run (missing file, unsupported format)",
                "",
                "An error is one line on stderr; with REDBACK_DEBUG=1 its stack trace follows."})
public final class Main implements Runnable {
    /**
     * Every command, in the order help lists them. Not in the annotation: picocli would build the
     * model of each (reflection over every option) on every run, about a third of a second;
     * {@link #run} builds only the one named.
     */
    static final java.util.List<Class<?>> COMMANDS = java.util.List.of(CheckCommand.class, InspectCommand.class,
            DemoCommand.class, AofCommand.class, InitCommand.class, KeyCommand.class, BackupCommand.class,
            ListCommand.class, ShowCommand.class, RestoreCommand.class, ConvertCommand.class, UndoCommand.class,
            DrillCommand.class, PruneCommand.class, CompactCommand.class, UnlockCommand.class, StreamCommand.class,
            ClusterCommand.class, DoctorCommand.class, RecoverCommand.class, RepoLogCommand.class,
            StatusCommand.class, VerifyCommand.class, AgentCommand.class, CommandLine.HelpCommand.class);

    /** Exit code when everything is fine. */
    public static final int OK = 0;
    /** Exit code when a problem was found in what was checked. */
    public static final int PROBLEM = 1;
    /** Exit code for usage and environment errors. */
    public static final int USAGE = 2;
    /** The environment variable that, set to 1, adds the stack trace to an error that ends a command. */
    public static final String DEBUG_ENV = "REDBACK_DEBUG";

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** The environment commands read (REDBACK_REDIS_SERVER, S3 settings): a value, so tests pass their own. */
    private final java.util.Map<String, String> env;

    Main(java.util.Map<String, String> env) {
        this.env = env;
    }

    /** The environment of the command line that is running {@code spec}'s command. */
    static java.util.Map<String, String> env(CommandLine.Model.CommandSpec spec) {
        return ((Main) spec.root().userObject()).env;
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the CLI and returns its exit code (tests call this instead of main). */
    public static int run(String... args) {
        return commandLine(System.getenv(), args.length == 0 ? null : args[0]).execute(args);
    }

    /** The configured command line: our exit codes and one-line errors (tests set out and err on it). */
    public static CommandLine commandLine() {
        return commandLine(System.getenv());
    }

    /** {@link #commandLine()} reading the given environment instead of the process's. */
    public static CommandLine commandLine(java.util.Map<String, String> env) {
        return commandLine(env, null);
    }

    /**
     * The command line with only the command named {@code first} when it names one (the first
     * word of the arguments), every command otherwise (help, a misspelt name to suggest for).
     */
    static CommandLine commandLine(java.util.Map<String, String> env, String first) {
        CommandLine cl = new CommandLine(new Main(env));
        Class<?> named = COMMANDS.stream().filter(c -> c != CommandLine.HelpCommand.class
                && c.getAnnotation(Command.class).name().equals(first)).findFirst().orElse(null);
        for (Class<?> c : named == null ? COMMANDS : java.util.List.of(named)) {
            cl.addSubcommand(c);
        }
        cl.setExitCodeExceptionMapper(e -> USAGE);
        cl.setParameterExceptionHandler((ex, a) -> {
            CommandLine c = ex.getCommandLine();
            c.getErr().println("redback: " + Terminal.safe(ex.getMessage()));
            c.getErr().println("Try '" + c.getCommandSpec().qualifiedName() + " --help' for more information.");
            return USAGE;
        });
        boolean debug = "1".equals(env.get(DEBUG_ENV));
        cl.setExecutionExceptionHandler((ex, c, parse) -> {
            c.getErr().println("redback: " + (expected(ex)
                    ? Terminal.safe(ex.getMessage() == null ? ex.toString() : ex.getMessage())
                    : internalError(ex, debug)));
            stackTrace(ex, c, debug);
            return USAGE;
        });
        // picocli lets an Error through: it must not end as a stack trace with exit 1 ("damaged").
        cl.setExecutionStrategy(parse -> {
            try {
                return new CommandLine.RunLast().execute(parse);
            } catch (Error e) {
                CommandLine c = parse.asCommandLineList().get(parse.asCommandLineList().size() - 1);
                c.getErr().println("redback: " + errorLine(e, debug));
                stackTrace(e, c, debug);
                c.getErr().flush();
                return USAGE;
            }
        });
        return cl;
    }

    /**
     * Whether a command's exception is one the user can act on, whose message says what to do: a
     * checked exception (I/O, damaged data, a refused restore), an unchecked I/O error, a bad value
     * (IllegalArgumentException) or a state that forbids the work (IllegalStateException: no
     * redis-server, a server that answered wrongly), or one of redback's own. Anything else (a
     * NullPointerException, an index out of bounds, ...) is a defect.
     */
    static boolean expected(Throwable e) {
        return !(e instanceof RuntimeException) || e instanceof UncheckedIOException
                || e instanceof IllegalArgumentException || e instanceof IllegalStateException
                || e.getClass().getName().startsWith("io.redback.");
    }

    /** The line for a defect: what it was, and how to see more. */
    static String internalError(Throwable e, boolean debug) {
        return "internal error: " + Terminal.safe(e.toString()) + " (please report it"
                + (debug ? "" : "; " + DEBUG_ENV + "=1 prints the stack trace") + ")";
    }

    private static void stackTrace(Throwable e, CommandLine c, boolean debug) {
        if (debug) {
            PrintWriter err = Terminal.err(c.getCommandSpec()); // a message in the trace may hold control characters
            e.printStackTrace(err);
            err.flush();
        }
    }

    /** One line for an Error (the JVM ran out of something, or a defect): what happened, what the user can do. */
    static String errorLine(Error e, boolean debug) {
        String detail = e.getMessage() == null ? "" : " (" + Terminal.safe(e.getMessage()) + ")";
        if (e instanceof OutOfMemoryError) {
            return "out of memory" + detail + ": the input needs more than the Java heap allows, or claims sizes it "
                    + "does not have; give the JVM more with JAVA_TOOL_OPTIONS=-Xmx<size> if the input is genuine";
        }
        if (e instanceof StackOverflowError) {
            return "the input nests too deeply to read (stack overflow); it is probably not what it claims to be";
        }
        return internalError(e, debug);
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[]{"redback " + (v == null ? "development build" : v)};
        }
    }
}
