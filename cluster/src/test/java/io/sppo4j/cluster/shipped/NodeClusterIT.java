package io.sppo4j.cluster.shipped;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sppo4j.cluster.bench.LoopbackPorts;
import io.sppo4j.cluster.rolloutlog.LoggedGroup;
import io.sppo4j.cluster.rolloutlog.RolloutLogFiles;
import io.sppo4j.cluster.rolloutlog.RolloutLogReader;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sppo node} from the shipped jar: a learner started with the launcher's command line and
 * a rollout-and-judge worker started with the container image's entry point (the arguments a
 * Kubernetes Deployment passes in place of its CMD) form a cluster on loopback and train. Watched
 * through each node's {@code /metrics}, as an operator would, and through the learner's rollout log.
 */
class NodeClusterIT {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @TempDir
    Path dir;

    private final List<Node> nodes = new ArrayList<>();

    /** A node's process, its log and its metrics port. */
    private record Node(String name, Process process, Path log, int metricsPort) {}

    @AfterEach
    void stopNodes() throws InterruptedException {
        for (Node node : nodes) {
            node.process().destroy();
            if (!node.process().waitFor(60, TimeUnit.SECONDS)) {
                node.process().destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void aLauncherNodeAndAnImageNodeFormAClusterAndTrain() throws Exception {
        Path profile = writeProfile();
        int learnerPort = LoopbackPorts.free();
        String seed = "127.0.0.1:" + learnerPort;
        int learnerMetrics = LoopbackPorts.free();
        Node learner = start("learner", ShippedJar.launcher("node", "--config", profile.toString(), "--roles", "learner",
                "--port", Integer.toString(learnerPort), "--seed", seed, "--metrics-port", Integer.toString(learnerMetrics)),
                learnerMetrics, Map.of());
        int workerMetrics = LoopbackPorts.free();
        // The container's memory limit, which the entry point's MaxRAMPercentage sizes the heap from.
        Node worker = start("worker", ShippedJar.image(List.of("--config", profile.toString(), "--roles", "rollout,judge",
                "--port", Integer.toString(LoopbackPorts.free()), "--seed", seed, "--metrics-port", Integer.toString(workerMetrics))),
                workerMetrics, Map.of("JAVA_TOOL_OPTIONS", "-Xmx512m"));

        await("both nodes see two members up", Duration.ofMinutes(5),
                () -> metric(learner, "sppo_cluster_members{status=\"up\"}") == 2
                        && metric(worker, "sppo_cluster_members{status=\"up\"}") == 2);
        await("the learner steps on the worker's judged groups", Duration.ofMinutes(5),
                () -> metric(learner, "sppo_learner_steps_total") >= 3 && metric(worker, "sppo_rollout_sequences_total") > 0);
        assertEquals(0, metric(learner, "sppo_cluster_unreachable_members"), "nobody unreachable");
        for (Node node : nodes) {
            assertTrue(node.process().isAlive(), node.name() + " is running");
        }

        // The learner node's rollout log, as the profile configures it: once the node has stopped
        // (SIGTERM, as Kubernetes stops a pod), its files hold every group it logged, at least
        // those of its first three steps, each as the worker sent it and in the order it arrived.
        await("the learner logs the judged groups it receives", Duration.ofSeconds(30),
                () -> metric(learner, "sppo_rollout_log_records_total") >= 6);
        learner.process().destroy();
        assertTrue(learner.process().waitFor(60, TimeUnit.SECONDS), "the learner stops on SIGTERM");
        List<LoggedGroup> logged = new ArrayList<>();
        for (Path file : RolloutLogFiles.list(dir.resolve("rollout-log"))) {
            logged.addAll(RolloutLogReader.readAll(file));
        }
        assertTrue(logged.size() >= 6, logged.size() + " groups in the rollout log, at least the 3 steps' 6");
        long learnerVersion = 0;
        for (LoggedGroup record : logged) {
            assertEquals(3, record.group().group().samples().size(), "group-size samples in every group");
            assertTrue(record.group().judge().contains("-judge-"), "judged on the worker: " + record.group().judge());
            assertTrue(record.learnerVersion() >= learnerVersion, "the learner's version only moves forward");
            assertTrue(record.group().version() <= record.learnerVersion(), "sampled by a version the learner had published");
            learnerVersion = record.learnerVersion();
        }
    }

    @Test
    void theImagesDefaultCommandIsOneTheJarAccepts() throws Exception {
        List<String> command = new ArrayList<>(ShippedJar.imageDefaultCommand());
        command.add("--help");
        ShippedJar.Result help = ShippedJar.run(dir, Duration.ofMinutes(2), ShippedJar.image(command));
        assertEquals(0, help.code(), help.describe());
        assertTrue(help.out().startsWith("Usage: sppo node "), help.out());
    }

    private Node start(String name, List<String> command, int metricsPort, Map<String, String> environment) throws IOException {
        Path log = dir.resolve(name + ".log");
        Node node = new Node(name, ShippedJar.start(command, log, environment), log, metricsPort);
        nodes.add(node);
        return node;
    }

    /** The tiny sort task, small groups, no evaluation to speak of, checkpoints in the test's folder. */
    private Path writeProfile() throws IOException {
        Path file = dir.resolve("cluster.conf");
        Files.writeString(file, """
                sppo4j {
                  task = sort
                  tasks.sort { min-digits = 3, max-digits = 5 }
                  policy { width = 32, layers = 1, heads = 2, context-length = 48 }
                  sampling.max-new-tokens = 10
                  node { reference = init, checkpoints = "%s" }
                  learner { device = cpu, groups-per-step = 2, capacity = 8 }
                  rollout { device = cpu, group-size = 3, groups-per-batch = 2, prefetch = 4 }
                  eval { every = 100000000, prompts = 8, batch-size = 8 }
                  cluster { host = "127.0.0.1", stable-after = 5s }
                  rollout-log.directory = "%s"
                }
                """.formatted(dir.resolve("checkpoints").toString().replace("\\", "/"),
                        dir.resolve("rollout-log").toString().replace("\\", "/")));
        return file;
    }

    /** The largest sample of a metric series on a node, -1 while it does not answer. */
    private static double metric(Node node, String series) {
        try {
            HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + node.metricsPort() + "/metrics")).timeout(Duration.ofSeconds(3)).build(),
                    HttpResponse.BodyHandlers.ofString());
            double value = -1;
            for (String line : response.body().split("\n")) {
                int space = line.lastIndexOf(' ');
                if (!line.startsWith("#") && space > 0 && (line.substring(0, space).equals(series)
                        || line.startsWith(series + "{") && !series.contains("{"))) {
                    value = Math.max(value, Double.parseDouble(line.substring(space + 1)));
                }
            }
            return value;
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            for (Node node : nodes) {
                if (!node.process().isAlive()) {
                    throw failure(node.name() + " exited with " + node.process().exitValue() + " while waiting until " + what);
                }
            }
            if (System.nanoTime() > deadline) {
                throw failure("timed out after " + timeout.toSeconds() + " s waiting until " + what);
            }
            Thread.sleep(250);
        }
    }

    private AssertionError failure(String message) {
        StringBuilder text = new StringBuilder(message);
        for (Node node : nodes) {
            String log = Files.exists(node.log()) ? ShippedJar.read(node.log()) : "";
            text.append("\n--- ").append(node.name()).append(" (last lines) ---\n").append(ShippedJar.tail(log));
        }
        return new AssertionError(text.toString());
    }
}
