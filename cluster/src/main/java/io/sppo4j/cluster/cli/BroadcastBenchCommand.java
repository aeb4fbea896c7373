package io.sppo4j.cluster.cli;

import com.typesafe.config.Config;
import io.sppo4j.actors.WeightCache;
import io.sppo4j.cluster.bench.BroadcastBenchmark;
import io.sppo4j.cluster.bench.ChildJvm;
import io.sppo4j.cluster.node.NodeWeights;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
        name = "broadcast",
        mixinStandardHelpOptions = true,
        description = {
            "Weight broadcast: one node publishes a snapshot of --mb MiB to --nodes nodes on loopback, as in training,",
            "and the same bytes go over plain sockets in the same run. Prints mb_per_s_per_node, p50_ms, p99_ms,",
            "raw_tcp_mb_per_s and ratio_to_raw as JSON."
        })
final class BroadcastBenchCommand implements Callable<Integer> {

    @Mixin
    ConfigOptions configOptions = new ConfigOptions();

    @Option(names = "--mb", defaultValue = "256", description = "Snapshot size in MiB (default ${DEFAULT-VALUE}).")
    int megabytes;

    @Option(names = "--nodes", defaultValue = "3", description = "Receiving nodes (default ${DEFAULT-VALUE}).")
    int nodes;

    @Option(names = "--repeats", defaultValue = "5", description = "Timed versions after a warm-up (default ${DEFAULT-VALUE}).")
    int repeats;

    @Option(names = "--json", description = "Print the JSON summary as the last stdout line.")
    boolean json;

    @Option(names = "--in-this-jvm", hidden = true, description = "Run here instead of in a child JVM sized for the data.")
    boolean inThisJvm;

    @Override
    public Integer call() throws Exception {
        if (megabytes <= 0 || nodes <= 0 || repeats <= 0) {
            throw new IllegalArgumentException("--mb, --nodes and --repeats must be positive");
        }
        if (!inThisJvm) {
            // Every node holds up to two versions, the source the published one and the next, and
            // the raw socket copies one destination per node: a fixed, pre-touched heap with room
            // for the collector to work behind them.
            long heap = (3L * nodes + 3) * ((long) megabytes << 20) * 3 / 2 + (512L << 20);
            List<String> args = new ArrayList<>(List.of("bench", "broadcast", "--in-this-jvm",
                    "--mb", Integer.toString(megabytes), "--nodes", Integer.toString(nodes),
                    "--repeats", Integer.toString(repeats)));
            if (json) {
                args.add("--json");
            }
            configOptions.files.forEach(file -> args.addAll(List.of("--config", file.toString())));
            configOptions.overrides.forEach(override -> args.addAll(List.of("--set", override)));
            return ChildJvm.run(ChildJvm.preTouchedHeap(heap), args);
        }
        Config settings = configOptions.load();
        WeightCache.Settings weights = NodeWeights.settings(settings).withGroup("bench-broadcast");
        System.err.printf(Locale.ROOT, "bench broadcast: %d MiB to %d nodes, %d timed runs%n", megabytes, nodes, repeats);
        Map<String, Object> result = new BroadcastBenchmark(settings, weights)
                .run(megabytes, nodes, repeats, line -> System.err.println("bench broadcast: " + line));
        System.err.printf(Locale.ROOT, "bench broadcast: %.0f MB/s per node (p50 %.0f ms, p99 %.0f ms); raw sockets %.0f MB/s; ratio %.2f%n",
                result.get("mb_per_s_per_node"), result.get("p50_ms"), result.get("p99_ms"), result.get("raw_tcp_mb_per_s"),
                result.get("ratio_to_raw"));
        if (json) {
            System.out.println(Json.line(result));
        }
        return 0;
    }
}
