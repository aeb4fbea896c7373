package io.sppo4j.cluster.cli;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.sppo4j.cluster.bench.PipelineBenchmark;
import io.sppo4j.cluster.setup.TaskSetup;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
        name = "pipeline",
        mixinStandardHelpOptions = true,
        description = {
            "Lockstep vs asynchronous training on sort: (a) sample, judge and train in turn on one core;",
            "(b) a rollout+judge JVM and a learner JVM pinned to separate cores (taskset), same wall time,",
            "the two taking turns in windows (the cluster's JVMs are stopped while lockstep runs).",
            "Prints sync_samples_per_s, async_samples_per_s, speedup, learner busy fractions and ideal_speedup."
        })
final class PipelineBenchCommand implements Callable<Integer> {

    @Mixin
    ConfigOptions configOptions = new ConfigOptions();

    @Option(names = "--seconds", defaultValue = "60", description = "Measured seconds of each mode (default ${DEFAULT-VALUE}).")
    int seconds;

    @Option(names = "--window", defaultValue = "10", description = "Seconds of each alternating window; the modes"
            + " take turns so that load from elsewhere on the machine lands on both (default ${DEFAULT-VALUE}).")
    int window;

    @Option(names = "--out", defaultValue = "runs/bench-pipeline", paramLabel = "DIR",
            description = "Working directory for the nodes' logs (default ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--json", description = "Print the JSON summary as the last stdout line.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        TaskSetup setup = TaskSetup.from(configOptions.load("sppo4j.task=sort", "sppo4j.learner.device=cpu",
                "sppo4j.rollout.device=cpu"));
        Map<String, Object> result = new PipelineBenchmark(setup.config(),
                setup.pipeline(setup.initialWeights(), null, new PrometheusRegistry()), out)
                .run(Duration.ofSeconds(seconds), Duration.ofSeconds(window), line -> System.err.println("bench pipeline: " + line));
        System.err.printf(Locale.ROOT, "bench pipeline: speedup %.2f of an ideal %.2f (%.0f%%)%n",
                result.get("speedup"), result.get("ideal_speedup"), 100 * (double) result.get("fraction_of_ideal"));
        if (json) {
            System.out.println(Json.line(result));
        }
        return 0;
    }
}
