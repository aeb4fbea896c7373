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
    ClusterBenchOptions bench = new ClusterBenchOptions();

    @Option(names = "--kills", defaultValue = "5", description = "Active learners killed (default ${DEFAULT-VALUE}).")
    int kills;

    @Override
    public Integer call() throws Exception {
        if (kills <= 0) {
            throw new IllegalArgumentException("--kills must be positive");
        }
        Config settings = bench.settings();
        Path out = bench.freshOut("failover");
        Map<String, Object> result = new FailoverBenchmark(settings, out)
                .run(kills, line -> System.err.println("bench failover: " + line));
        System.err.printf(Locale.ROOT, "bench failover: median %.1f s, worst %.1f s over %d kills%n",
                result.get("median_s"), result.get("worst_s"), kills);
        bench.print(result);
        return 0;
    }
}
