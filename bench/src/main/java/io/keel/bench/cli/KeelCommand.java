package io.keel.bench.cli;

import java.io.PrintWriter;

import picocli.CommandLine.Command;
import picocli.CommandLine;

/** The {@code keel} command: entry point of {@code ./keel}. */
@Command(name = "keel",
        mixinStandardHelpOptions = true,
        versionProvider = VersionCommand.Provider.class,
        description = "keel: zero-allocation kernels for the GPU host loop.",
        subcommands = {
            VersionCommand.class,
            DemoCommand.class,
            EpCommand.class,
            EpSimCommand.class,
            EplbCommand.class,
            SelectCommand.class,
            ScoreCommand.class,
            KbCommand.class,
            RolloutCommand.class,
            CommandLine.HelpCommand.class})
public final class KeelCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand");
    }

    /** Runs the command line and exits with its status. */
    public static void main(String[] args) {
        // `keel kb`'s LangChain4j logs through SLF4J and the CLI ships no backend: choose SLF4J's own
        // no-op provider (in slf4j-api) instead of letting it warn that none was found.
        if (System.getProperty("slf4j.provider") == null) {
            System.setProperty("slf4j.provider", "org.slf4j.helpers.NOP_FallbackServiceProvider");
            System.setProperty("slf4j.internal.verbosity", "WARN");
        }
        System.exit(execute(args));
    }

    /** Runs the command line; returns the exit status (0 ok, 1 failure, 2 bad arguments). */
    public static int execute(String... args) {
        CommandLine cl = new CommandLine(new KeelCommand());
        cl.setParameterExceptionHandler((ex, a) -> {
            PrintWriter err = ex.getCommandLine().getErr();
            err.println("keel: " + ex.getMessage().lines().findFirst().orElse("bad arguments")
                    + " (see 'keel " + subcommandPath(ex.getCommandLine()) + "--help')");
            err.flush();
            return 2;
        });
        cl.setExecutionExceptionHandler((ex, c, p) -> {
            PrintWriter err = c.getErr();
            String msg = ex.getMessage() == null ? ex.getClass().getSimpleName() : ex.getMessage();
            err.println("keel " + c.getCommandName() + ": " + msg.lines().findFirst().orElse(msg));
            err.flush();
            if (System.getenv("KEEL_DEBUG") != null) {
                ex.printStackTrace();
            }
            return 1;
        });
        return cl.execute(args);
    }

    private static String subcommandPath(CommandLine cl) {
        return cl.getParent() == null ? "" : cl.getCommandName() + " ";
    }
}
