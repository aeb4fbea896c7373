package io.sppo4j.cluster.cli;

import com.typesafe.config.Config;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.sppo4j.actors.JudgedGroupSink;
import io.sppo4j.actors.Pipeline;
import io.sppo4j.actors.WeightCache;
import io.sppo4j.actors.settings.LearnerSettings;
import io.sppo4j.cluster.metrics.ClusterMembershipMetrics;
import io.sppo4j.cluster.metrics.MetricsServer;
import io.sppo4j.cluster.metrics.NativeHeapMetrics;
import io.sppo4j.cluster.metrics.NodeMetrics;
import io.sppo4j.cluster.node.CheckpointFence;
import io.sppo4j.cluster.node.LearnerDeletionCost;
import io.sppo4j.cluster.node.LearnerHandover;
import io.sppo4j.cluster.node.NodeSettings;
import io.sppo4j.cluster.node.NodeDiscovery;
import io.sppo4j.cluster.node.NodeExit;
import io.sppo4j.cluster.node.NodeGuardian;
import io.sppo4j.cluster.node.NodeWeights;
import io.sppo4j.cluster.rolloutlog.RolloutLogMetrics;
import io.sppo4j.cluster.rolloutlog.RolloutLogWriter;
import io.sppo4j.cluster.serialization.ControlPlaneRegistry;
import io.sppo4j.cluster.setup.MemoryPlan;
import io.sppo4j.cluster.setup.TaskSetup;
import io.sppo4j.model.checkpoint.CheckpointStore;
import io.sppo4j.model.checkpoint.CommitGuard;
import io.sppo4j.model.memory.NativeHeapTrimmer;
import io.sppo4j.model.weights.WeightSnapshot;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
        name = "node",
        mixinStandardHelpOptions = true,
        description = {
            "Start one node of a training cluster (Pekko Cluster over Artery TCP) with the given roles.",
            "The learner is a cluster singleton on learner-role nodes: a second one is a hot standby."
        })
final class NodeCommand implements Callable<Integer> {

    @Mixin
    ConfigOptions configOptions = new ConfigOptions();

    @Option(names = "--roles", required = true, split = ",", paramLabel = "ROLE",
            description = "learner, rollout and/or judge, comma-separated.")
    List<String> roles = new ArrayList<>();

    @Option(names = "--port", description = "Remoting port (default: sppo4j.cluster.port).")
    Integer port;

    @Option(names = "--seed", paramLabel = "HOST:PORT", description = "A seed node (repeatable; adds to sppo4j.cluster.seeds).")
    List<String> seeds = new ArrayList<>();

    @Option(names = "--metrics-port", paramLabel = "PORT", description = "Serve Prometheus metrics on /metrics at this port.")
    Integer metricsPort;

    @Override
    public Integer call() throws Exception {
        Config settings = configOptions.load("sppo4j.learner.status-interval=10s");
        Set<String> nodeRoles = new LinkedHashSet<>(roles);
        TaskSetup task = TaskSetup.from(settings);
        try (NativeHeapTrimmer trimmer = NativeHeapTrimmer.every(settings.getDuration("sppo4j.memory.trim-interval"))) {
            return run(settings, nodeRoles, task, trimmer);
        }
    }

    private int run(Config settings, Set<String> nodeRoles, TaskSetup task, NativeHeapTrimmer trimmer) throws Exception {
        // Refuse now, with the figures, what this node's roles cannot fit, rather than fail an hour in.
        MemoryPlan.check(task, nodeRoles, System.err);
        int boundPort = port != null ? port : settings.getInt("sppo4j.cluster.port");
        String name = settings.getString("sppo4j.cluster.host") + ":" + boundPort;
        LearnerSettings learner = LearnerSettings.from(settings);
        PrometheusRegistry registry = NodeMetrics.newRegistry();
        NativeHeapMetrics.register(registry, trimmer);
        Path checkpoints = Path.of(settings.getString("sppo4j.node.checkpoints"));
        LearnerHandover handover = LearnerHandover.from(settings, true);
        CommitGuard fence = CommitGuard.NONE;
        if (handover.leased() && nodeRoles.contains(NodeGuardian.LEARNER)) {
            CheckpointFence checkpointFence = CheckpointFence.forDirectory(checkpoints);
            checkpointFence.registerMetrics(registry);
            fence = checkpointFence;
        }
        Pipeline.Setup pipeline = task.pipeline(reference(settings, task),
                new CheckpointStore(checkpoints, learner.checkpointKeep(), fence), registry);
        Config config = NodeSettings.of(settings, nodeRoles, port, seeds, ControlPlaneRegistry.registrationFingerprint());
        WeightCache.Settings weights = NodeWeights.settings(settings);
        JudgedGroupSink groupLog = nodeRoles.contains(NodeGuardian.LEARNER) ? rolloutLog(settings, registry) : null;
        ActorSystem<Void> system = ActorSystem.create(
                NodeGuardian.create(new NodeGuardian.Setup(pipeline, nodeRoles, name, weights, groupLog, handover)),
                NodeSettings.SYSTEM_NAME, config);
        ClusterMembershipMetrics.register(registry, system);
        if (nodeRoles.contains(NodeGuardian.LEARNER) && LearnerDeletionCost.enabled(settings)) {
            system.systemActorOf(LearnerDeletionCost.create(LearnerDeletionCost.Target.from(settings)),
                    "learner-deletion-cost", Props.empty());
        }
        NodeDiscovery.start(system, settings);
        try (MetricsServer server = metricsPort == null ? null
                : MetricsServer.start(settings.getString("sppo4j.metrics.host"), metricsPort, registry)) {
            if (server != null) {
                system.log().info("metrics on http://{}:{}/metrics", settings.getString("sppo4j.metrics.host"), server.port());
            }
            NodeExit.awaitEnd(system);
        }
        return 0;
    }

    /** The reference policy every role starts from: the seed's initial weights, or an SFT checkpoint. */
    private static WeightSnapshot reference(Config settings, TaskSetup task) throws IOException {
        String reference = settings.getString("sppo4j.node.reference");
        if ("init".equals(reference)) {
            return task.initialWeights();
        }
        return new CheckpointStore(Path.of(reference), 1).loadNewest()
                .orElseThrow(() -> new IllegalArgumentException(
                        "sppo4j.node.reference: no checkpoint in " + reference + " (run sppo sft --out " + reference + ")"))
                .weights();
    }

    private static JudgedGroupSink rolloutLog(Config settings, PrometheusRegistry registry) {
        if (settings.getString("sppo4j.rollout-log.directory").isBlank()) {
            return null;
        }
        return new RolloutLogWriter(RolloutLogWriter.Settings.fromConfig(settings.getConfig("sppo4j.rollout-log")),
                RolloutLogMetrics.register(registry));
    }
}
