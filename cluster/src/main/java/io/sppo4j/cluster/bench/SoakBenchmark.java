package io.sppo4j.cluster.bench;

import com.typesafe.config.Config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Memory over a long cluster run: the README's four {@code sppo node} processes train on
 * loopback; after a warm-up, each node's resident set (from {@code /proc/PID/status}: heap, JIT,
 * PyTorch's native memory, everything) and Java heap are sampled, and a least-squares line
 * through each gives its slope in MB per minute. The heap is taken at its lowest in each window
 * of {@code 6} samples, which is close to what survives a collection, so the collector's sawtooth
 * does not read as growth.
 */
public final class SoakBenchmark {

    private static final int HEAP_WINDOW = 6;

    private final Config settings;
    private final Path out;

    public SoakBenchmark(Config settings, Path out) {
        this.settings = settings;
        this.out = out;
    }

    /** A node's samples: minutes since the warm-up, resident MB, heap MB. */
    private record Series(List<double[]> samples) {}

    public Map<String, Object> run(Duration duration, Duration warmUp, Duration interval, Consumer<String> progress)
            throws Exception {
        Map<String, Series> series = new LinkedHashMap<>();
        double steps;
        try (BenchCluster cluster = new BenchCluster(settings, out, "512m")) {
            NodeProcess first = cluster.start("learner", "learner");
            cluster.require(BenchCluster.await(Duration.ofMinutes(3), () -> !first.metrics().isEmpty()), "the learner did not start");
            cluster.start("standby", "learner");
            cluster.start("judge", "judge");
            cluster.start("rollout", "rollout");
            cluster.require(BenchCluster.await(Duration.ofMinutes(5), () -> cluster.formed(4)
                    && first.metric("sppo_learner_steps_total").orElse(0) > 0), "the cluster did not train");
            progress.accept("training; warming up for " + warmUp.toSeconds() + " s");
            Thread.sleep(warmUp.toMillis());
            double startSteps = first.metric("sppo_learner_steps_total").orElse(0);
            long started = System.nanoTime();
            while (System.nanoTime() - started < duration.toNanos()) {
                double minutes = (System.nanoTime() - started) / 60e9;
                for (NodeProcess node : cluster.nodes()) {
                    cluster.require(node.alive(), node.name() + " died during the soak");
                    double heap = node.metrics().getOrDefault("jvm_memory_used_bytes{area=\"heap\"}", Double.NaN) / 1e6;
                    series.computeIfAbsent(node.name(), name -> new Series(new ArrayList<>()))
                            .samples().add(new double[] {minutes, residentMegabytes(node.pid()), heap});
                }
                Thread.sleep(interval.toMillis());
            }
            steps = first.metric("sppo_learner_steps_total").orElse(0) - startSteps;
        }
        Map<String, Object> nodes = new LinkedHashMap<>();
        double worstResident = Double.NEGATIVE_INFINITY;
        double worstHeap = Double.NEGATIVE_INFINITY;
        for (Map.Entry<String, Series> node : series.entrySet()) {
            List<double[]> samples = node.getValue().samples();
            double residentSlope = slope(samples, 1);
            double heapSlope = slope(windowMinima(samples), 2);
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("rss_mb_start", samples.get(0)[1]);
            entry.put("rss_mb_end", samples.get(samples.size() - 1)[1]);
            entry.put("rss_slope_mb_per_min", residentSlope);
            entry.put("heap_slope_mb_per_min", heapSlope);
            entry.put("samples", samples.size());
            nodes.put(node.getKey(), entry);
            worstResident = Math.max(worstResident, residentSlope);
            worstHeap = Math.max(worstHeap, heapSlope);
            progress.accept(String.format(java.util.Locale.ROOT, "%s: RSS %.0f -> %.0f MB (%+.2f MB/min), heap %+.2f MB/min",
                    node.getKey(), samples.get(0)[1], samples.get(samples.size() - 1)[1], residentSlope, heapSlope));
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("benchmark", "soak");
        result.put("minutes", duration.toSeconds() / 60.0);
        result.put("warmup_s", warmUp.toSeconds());
        result.put("learner_steps", steps);
        result.put("max_rss_slope_mb_per_min", worstResident);
        result.put("max_heap_slope_mb_per_min", worstHeap);
        result.put("nodes", nodes);
        return result;
    }

    /** The resident set of a process in MB (VmRSS of /proc/PID/status). */
    static double residentMegabytes(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", "")) / 1024.0;
            }
        }
        throw new IOException("/proc/" + pid + "/status has no VmRSS line");
    }

    /** For each window of samples, the one with the lowest heap. */
    static List<double[]> windowMinima(List<double[]> samples) {
        List<double[]> minima = new ArrayList<>();
        for (int start = 0; start + HEAP_WINDOW <= samples.size(); start += HEAP_WINDOW) {
            double[] lowest = null;
            for (double[] sample : samples.subList(start, start + HEAP_WINDOW)) {
                if (!Double.isNaN(sample[2]) && (lowest == null || sample[2] < lowest[2])) {
                    lowest = sample;
                }
            }
            if (lowest != null) {
                minima.add(lowest);
            }
        }
        return minima;
    }

    /** The least-squares slope of column {@code y} against column 0; NaN with fewer than two points. */
    static double slope(List<double[]> points, int y) {
        int n = points.size();
        if (n < 2) {
            return Double.NaN;
        }
        double meanX = points.stream().mapToDouble(p -> p[0]).average().orElse(0);
        double meanY = points.stream().mapToDouble(p -> p[y]).average().orElse(0);
        double covariance = 0;
        double variance = 0;
        for (double[] point : points) {
            covariance += (point[0] - meanX) * (point[y] - meanY);
            variance += (point[0] - meanX) * (point[0] - meanX);
        }
        return variance == 0 ? Double.NaN : covariance / variance;
    }
}
