package io.sppo4j.cluster.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code sppo} command line: one fat jar, one entry point, a subcommand per job. */
@Command(
        name = "sppo",
        mixinStandardHelpOptions = true,
        versionProvider = SppoCli.Version.class,
        description = "Self-play preference optimisation of language models, as a cluster of actors.",
        subcommands = {TrainCommand.class, SftCommand.class, GenerateTextCommand.class, ScoreCommand.class, EvalCommand.class, NodeCommand.class, CertsCommand.class, BenchCommand.class, MakeModelCommand.class, LogCommand.class, CheckFixturesCommand.class, DevicesCommand.class, CommandLine.HelpCommand.class})
public final class SppoCli implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs a command line and returns its exit code (tests call this instead of main). */
    public static int execute(String... args) {
        // Before anything touches DJL: the native library must come from the jar, never the network.
        System.setProperty("ai.djl.offline", "true");
        CommandLine commandLine = new CommandLine(new SppoCli());
        commandLine.setExecutionExceptionHandler(SppoCli::report);
        return commandLine.execute(args);
    }

    /** A bad setting or input is a one-line error, not a stack trace; bugs keep their trace. */
    private static int report(Exception error, CommandLine commandLine, CommandLine.ParseResult parsed) {
        PrintWriter err = commandLine.getErr();
        if (error instanceof IllegalArgumentException
                || error instanceof com.typesafe.config.ConfigException
                || error instanceof java.io.UncheckedIOException
                || error instanceof io.sppo4j.model.checkpoint.CorruptCheckpointException
                || error instanceof io.sppo4j.model.memory.InsufficientMemoryException) {
            err.println("error: " + error.getMessage());
            err.flush();
            return 2;
        }
        if (error instanceof io.sppo4j.model.judge.JudgeUnavailableException) {
            // Not the user's input and not a bug: the judge's server stayed away through every retry.
            err.println("error: the judge is unavailable: " + error.getMessage());
            err.flush();
            return 1;
        }
        error.printStackTrace(err);
        err.flush();
        return 1;
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = SppoCli.class.getPackage().getImplementationVersion();
            return new String[] {"sppo4j " + (version == null ? "development build" : version)};
        }
    }
}
