package io.sppo4j.cluster.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Benchmarks; each prints a JSON object as its last stdout line. */
@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        description = "Benchmarks that print JSON (measured side by side in one run).",
        subcommands = {GenerateCommand.class, GameBenchCommand.class, AlgorithmsBenchCommand.class,
            BroadcastBenchCommand.class, PipelineBenchCommand.class, FailoverBenchCommand.class,
            ChaosBenchCommand.class, SoakBenchCommand.class, PairRmBenchCommand.class, LlmBenchCommand.class})
final class BenchCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
