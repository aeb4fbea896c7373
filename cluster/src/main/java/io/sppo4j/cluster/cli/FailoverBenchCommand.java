package io.sppo4j.cluster.cli;

import com.typesafe.config.Config;
import io.sppo4j.cluster.bench.FailoverBenchmark;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
        name = "failover",
        mixinStandardHelpOptions = true,
        description = {
            "Learner failover as a user meets it: the README's four sppo node processes (config/cluster.conf) on",
            "loopback; the active learner is killed with SIGKILL --kills times, each time restarted as the next",
            "standby. Prints median_s and worst_s: from the kill until the standby's learner steps rise."
        })
final class FailoverBenchCommand implements Callable<Integer> {

    @Mixin
    ConfigOptions configOptions = new ConfigOptions();

    @Option(names = "--kills", defaultValue = "5", description = "Active learners killed (default ${DEFAULT-VALUE}).")
    int kills;

    @Option(names = "--out", defaultValue = "runs/bench-failover", paramLabel = "DIR",
            description = "Working directory: the nodes' logs and checkpoints (default ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--json", description = "Print the JSON summary as the last stdout line.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (kills <= 0) {
            throw new IllegalArgumentException("--kills must be positive");
        }
        // The README's profile, from the seed's initial weights (no SFT needed to time a failover).
        Config settings = configOptions.loadOver("config/cluster.conf", "sppo4j.node.reference=init",
                "sppo4j.rollout-log.directory=\"\"");
        BenchOutput.freshDirectory(out);
        Map<String, Object> result = new FailoverBenchmark(settings, out)
                .run(kills, line -> System.err.println("bench failover: " + line));
        System.err.printf(Locale.ROOT, "bench failover: median %.1f s, worst %.1f s over %d kills%n",
                result.get("median_s"), result.get("worst_s"), kills);
        if (json) {
            System.out.println(Json.line(result));
        }
        return 0;
    }
}
