package io.sppo4j.cluster.cli;

import com.typesafe.config.Config;
import io.sppo4j.cluster.bench.SoakBenchmark;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
        name = "soak",
        mixinStandardHelpOptions = true,
        description = {
            "Memory over a long cluster run: the README's four sppo node processes (config/cluster.conf) train on",
            "loopback; after --warmup, every node's resident set and heap are sampled every --interval for --minutes.",
            "Prints each node's rss_slope_mb_per_min and heap_slope_mb_per_min, and the largest of each."
        })
final class SoakBenchCommand implements Callable<Integer> {

    @Mixin
    ClusterBenchOptions bench = new ClusterBenchOptions();

    @Option(names = "--minutes", defaultValue = "10", description = "Minutes sampled after the warm-up (default ${DEFAULT-VALUE}).")
    double minutes;

    @Option(names = "--warmup", defaultValue = "60", description = "Seconds of training before sampling (default ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--interval", defaultValue = "5", description = "Seconds between samples (default ${DEFAULT-VALUE}).")
    int interval;

    @Override
    public Integer call() throws Exception {
        if (minutes <= 0 || interval <= 0 || warmup < 0) {
            throw new IllegalArgumentException("--minutes and --interval must be positive, --warmup at least 0");
        }
        Config settings = bench.settings();
        Path out = bench.freshOut("soak");
        Map<String, Object> result = new SoakBenchmark(settings, out).run(Duration.ofMillis(Math.round(minutes * 60_000)),
                Duration.ofSeconds(warmup), Duration.ofSeconds(interval), line -> System.err.println("bench soak: " + line));
        System.err.printf(Locale.ROOT, "bench soak: largest RSS slope %+.2f MB/min, largest heap slope %+.2f MB/min%n",
                result.get("max_rss_slope_mb_per_min"), result.get("max_heap_slope_mb_per_min"));
        bench.print(result);
        return 0;
    }
}
