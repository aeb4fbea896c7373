package io.sppo4j.cluster.cli;

import com.typesafe.config.Config;
import io.sppo4j.cluster.bench.ChaosBenchmark;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
        name = "chaos",
        mixinStandardHelpOptions = true,
        description = {
            "Repeated faults in a real multi-process cluster (config/cluster.conf: two learners, a judge, two rollout",
            "nodes on loopback): every --every seconds a node is killed (and restarted) or frozen with SIGSTOP for up to",
            "--max-pause and thawed, alternating the active learner and a random other node. Prints steps_gained,",
            "failovers, version_regressions, corrupt_checkpoints, lost_groups (judged groups that never reached a",
            "learner) and credits_issued."
        })
final class ChaosBenchCommand implements Callable<Integer> {

    @Mixin
    ClusterBenchOptions bench = new ClusterBenchOptions();

    @Option(names = "--minutes", defaultValue = "10", description = "Minutes of faults (default ${DEFAULT-VALUE}).")
    double minutes;

    @Option(names = "--every", defaultValue = "20", description = "Seconds between faults (default ${DEFAULT-VALUE}).")
    int every;

    @Option(names = "--max-pause", defaultValue = "12", description = "Longest SIGSTOP, in seconds (default ${DEFAULT-VALUE}).")
    int maxPause;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the fault schedule (default ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() throws Exception {
        if (minutes <= 0 || every <= 0 || maxPause < 1) {
            throw new IllegalArgumentException("--minutes and --every must be positive and --max-pause at least 1");
        }
        Config settings = bench.settings();
        Path out = bench.freshOut("chaos");
        ChaosBenchmark.Plan plan = new ChaosBenchmark.Plan(Duration.ofMillis(Math.round(minutes * 60_000)),
                Duration.ofSeconds(every), Duration.ofSeconds(maxPause), seed);
        Map<String, Object> result = new ChaosBenchmark(settings, out).run(plan, line -> System.err.println("bench chaos: " + line));
        System.err.printf(Locale.ROOT, "bench chaos: %.0f steps gained, %s failovers, %s version regressions,"
                        + " %s corrupt checkpoints, %.0f of %.0f credits lost%n", result.get("steps_gained"),
                result.get("failovers"), result.get("version_regressions"), result.get("corrupt_checkpoints"),
                result.get("lost_groups"), result.get("credits_issued"));
        bench.print(result);
        return 0;
    }
}
