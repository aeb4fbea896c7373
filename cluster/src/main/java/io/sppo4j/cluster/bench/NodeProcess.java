package io.sppo4j.cluster.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;

/**
 * One cluster node in a JVM of its own, started as a user starts one ({@code sppo node}) with
 * this program's classpath, observed through its Prometheus endpoint and its log, and ended the
 * ways nodes end: SIGTERM (a graceful leave), SIGKILL (a crash), or frozen with SIGSTOP and
 * thawed with SIGCONT (a long pause: GC, a stalled disk, a descheduled VM).
 */
public final class NodeProcess implements AutoCloseable {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /**
     * How to start a node.
     *
     * @param name the node's name in logs ({@code dir/name.log})
     * @param roles learner, rollout and/or judge, comma-separated
     * @param port remoting port
     * @param metricsHost where the test or benchmark reaches the node's {@code /metrics}
     * @param metricsPort the node's {@code --metrics-port}
     * @param config the profile ({@code --config})
     * @param arguments further arguments ({@code --seed}, {@code --set})
     * @param environment further environment variables
     * @param prefix a command the JVM runs under (e.g. {@code ip netns exec NS}), or empty
     * @param heap the JVM's {@code -Xmx}
     */
    public record Spec(String name, String roles, int port, String metricsHost, int metricsPort, Path config,
            List<String> arguments, Map<String, String> environment, List<String> prefix, String heap) {

        public Spec {
            arguments = List.copyOf(arguments);
            environment = Map.copyOf(environment);
            prefix = List.copyOf(prefix);
        }

        /** A node on this machine's loopback interface. */
        public static Spec loopback(String name, String roles, int port, int metricsPort, Path config, List<String> arguments) {
            return new Spec(name, roles, port, "127.0.0.1", metricsPort, config, arguments, Map.of(), List.of(), "384m");
        }

        public Spec withEnvironment(Map<String, String> more) {
            Map<String, String> merged = new HashMap<>(environment);
            merged.putAll(more);
            return new Spec(name, roles, port, metricsHost, metricsPort, config, arguments, merged, prefix, heap);
        }

        public Spec withHeap(String newHeap) {
            return new Spec(name, roles, port, metricsHost, metricsPort, config, arguments, environment, prefix, newHeap);
        }
    }

    private final Spec spec;
    private final Path log;
    private final Process process;

    private NodeProcess(Spec spec, Path log, Process process) {
        this.spec = spec;
        this.log = log;
        this.process = process;
    }

    /** Starts the node, its output appended to {@code dir/NAME.log} (a restarted node keeps one log). */
    public static NodeProcess start(Path dir, Spec spec) throws IOException {
        List<String> command = new ArrayList<>(spec.prefix());
        command.addAll(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx" + spec.heap(), "-XX:+UseSerialGC", "-Dai.djl.offline=true",
                "-cp", System.getProperty("java.class.path"),
                "io.sppo4j.cluster.cli.SppoCli", "node",
                "--roles", spec.roles(), "--port", Integer.toString(spec.port()),
                "--metrics-port", Integer.toString(spec.metricsPort()), "--config", spec.config().toString()));
        command.addAll(spec.arguments());
        Files.createDirectories(dir);
        Path log = dir.resolve(spec.name() + ".log");
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().putAll(spec.environment());
        return new NodeProcess(spec, log, builder.start());
    }

    public String name() {
        return spec.name();
    }

    public Spec spec() {
        return spec;
    }

    public Path log() {
        return log;
    }

    public long pid() {
        return process.pid();
    }

    public boolean alive() {
        return process.isAlive();
    }

    /** The exit code once the process has ended by itself or been ended. */
    public OptionalInt exitCode() {
        return process.isAlive() ? OptionalInt.empty() : OptionalInt.of(process.exitValue());
    }

    /** Waits up to {@code timeout} for the process to end by itself; true if it did. */
    public boolean awaitExit(Duration timeout) throws InterruptedException {
        return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** SIGKILL: no shutdown hook, no leaving the cluster — a crash. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /** SIGTERM, as Kubernetes stops a pod: the shutdown hook runs and the node leaves; returns its exit code. */
    public int terminate(Duration timeout) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException(name() + " did not stop within " + timeout.toSeconds() + " s of SIGTERM");
        }
        return process.exitValue();
    }

    /**
     * SIGSTOP: the whole JVM stops where it is, holding its sockets and locks. Returns once every
     * thread reads as stopped (or after 5 s): a signal is taken by each thread as it next runs, and
     * a caller that freezes a node at a chosen moment must know it no longer runs.
     */
    public void freeze() throws IOException, InterruptedException {
        signal("STOP");
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (process.isAlive() && !stopped() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
    }

    /** Whether every thread of the process is stopped ({@code T} in {@code /proc/PID/task/TID/stat}). */
    private boolean stopped() {
        try (var tasks = Files.list(Path.of("/proc", Long.toString(process.pid()), "task"))) {
            return tasks.allMatch(task -> {
                try {
                    String stat = Files.readString(task.resolve("stat"));
                    // The state follows the parenthesised command name, which may itself hold spaces.
                    char state = stat.charAt(stat.lastIndexOf(')') + 2);
                    return state == 'T' || state == 't';
                } catch (IOException e) {
                    return true; // the thread ended
                }
            });
        } catch (NoSuchFileException e) {
            return true; // no /proc here (or the process is gone): nothing more to wait for
        } catch (IOException | UncheckedIOException e) {
            return !process.isAlive();
        }
    }

    /** SIGCONT: a frozen JVM resumes where it stopped. */
    public void thaw() throws IOException, InterruptedException {
        signal("CONT");
    }

    private void signal(String signal) throws IOException, InterruptedException {
        if (process.isAlive()) {
            new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).inheritIO().start().waitFor();
        }
    }

    /** The log so far; a character the node is still writing comes out as a replacement character. */
    public String logText() {
        try {
            return Files.exists(log) ? new String(Files.readAllBytes(log), StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every sample of the node's metrics, by series (name with labels), or empty if it does not answer. */
    public Map<String, Double> metrics() {
        return scrape(spec.metricsHost(), spec.metricsPort());
    }

    /** The largest value of a metric over its series (labels ignored), if the node reports it. */
    public OptionalDouble metric(String metric) {
        return largest(metrics(), metric);
    }

    /** The largest value of {@code metric} over its series in {@code samples}. */
    public static OptionalDouble largest(Map<String, Double> samples, String metric) {
        return samples.entrySet().stream()
                .filter(e -> e.getKey().equals(metric) || e.getKey().startsWith(metric + "{"))
                .mapToDouble(Map.Entry::getValue)
                .max();
    }

    /** The sum of {@code metric} over its series in {@code samples} (0 when absent). */
    public static double sum(Map<String, Double> samples, String metric) {
        return samples.entrySet().stream()
                .filter(e -> e.getKey().equals(metric) || e.getKey().startsWith(metric + "{"))
                .mapToDouble(Map.Entry::getValue)
                .sum();
    }

    /** A Prometheus text endpoint's samples by series, or empty when it does not answer within 3 s. */
    public static Map<String, Double> scrape(String host, int port) {
        Map<String, Double> samples = new HashMap<>();
        try {
            HttpResponse<String> response = HTTP.send(
                    HttpRequest.newBuilder(URI.create("http://" + host + ":" + port + "/metrics"))
                            .timeout(Duration.ofSeconds(3)).build(),
                    HttpResponse.BodyHandlers.ofString());
            for (String line : response.body().split("\n")) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                int space = line.lastIndexOf(' ');
                samples.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
            }
        } catch (IOException | RuntimeException e) {
            return Map.of();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Map.of();
        }
        return samples;
    }

    /** SIGCONT (a frozen JVM cannot act on SIGTERM), then SIGTERM; does not wait. */
    public void requestStop() throws InterruptedException {
        if (!process.isAlive()) {
            return;
        }
        try {
            thaw();
        } catch (IOException e) {
            process.destroyForcibly();
        }
        process.destroy();
    }

    /** {@link #requestStop()}, then SIGKILL if the node has not left within 20 s. */
    @Override
    public void close() throws InterruptedException {
        requestStop();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
