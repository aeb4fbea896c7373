package io.sppo4j.cluster.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.autoscaling.v2.MetricSpec;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.openshift.api.model.monitoring.v1.ServiceMonitor;
import com.typesafe.config.Config;
import io.sppo4j.cluster.cli.SppoCli;
import io.sppo4j.cluster.node.NodeSettings;
import io.sppo4j.model.config.EffectiveConfig;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Every kustomization under k8s/ renders, parses into the typed Kubernetes model with no unknown
 * field, and keeps the deployment's invariants: discovery's RBAC reads pods and nothing more;
 * every container runs as non-root on a read-only root with no privilege escalation and no
 * capabilities, with requests and limits, named ports and health probes on the management
 * endpoint, and arguments the CLI accepts; every role has a PodDisruptionBudget; the autoscaler
 * targets a Deployment on a metric a node exports; the NetworkPolicy admits the cluster's ports
 * only from its own pods and metrics only from monitoring; every dashboard query reads metrics a
 * node really exports.
 */
class KubernetesManifestsTest {

    private static final Set<String> ROLES = Set.of("learner", "judge", "rollout");
    /** The Lease the production overlay's lease-majority resolver takes (sppo4j.cluster.lease-majority.lease-name). */
    private static final String SBR_LEASE = "sppo4j-pekko-sbr";
    private static Set<String> exported;

    @BeforeAll
    static void collectExportedMetrics() throws Exception {
        exported = ExportedMetrics.ofANode();
    }

    @Test
    void baseResourcesHoldTheInvariants() throws Exception {
        // Runs without kubectl too: the base's resource files are plain Kubernetes objects.
        checkWorkloads(Manifests.resourcesOf("base"), Map.of("learner", 2, "judge", 1, "rollout", 2));
    }

    @Test
    void localOverlayRendersOnePodPerRole() throws Exception {
        Manifests local = render("overlays/local");
        checkWorkloads(local, Map.of("learner", 1, "judge", 1, "rollout", 1));
        checkConfigMapMountedWhereTheCliReadsIt(local);
        assertEquals(List.of("ReadWriteOnce"),
                local.named(io.fabric8.kubernetes.api.model.PersistentVolumeClaim.class, "sppo4j-checkpoints")
                        .getSpec().getAccessModes());
    }

    @Test
    void productionOverlayPutsTheLearnerOnAGpuAndScalesRollouts() throws Exception {
        Manifests production = render("overlays/production");
        checkWorkloads(production, Map.of("learner", 2, "judge", 2, "rollout", 4));
        for (Deployment deployment : production.all(Deployment.class)) {
            assertTrue(deployment.getSpec().getTemplate().getSpec().getContainers().get(0).getArgs()
                    .contains("sppo4j.cluster.downing=lease-majority"), deployment.getMetadata().getName() + " decides splits by a Lease");
        }
        checkConfigMapMountedWhereTheCliReadsIt(production);
        PodSpec learner = production.named(Deployment.class, "sppo4j-learner").getSpec().getTemplate().getSpec();
        Container container = learner.getContainers().get(0);
        assertEquals(new Quantity("1"), container.getResources().getLimits().get("nvidia.com/gpu"));
        assertEquals(new Quantity("1"), container.getResources().getRequests().get("nvidia.com/gpu"));
        assertFalse(learner.getNodeSelector().isEmpty(), "the learner selects GPU nodes");
        assertTrue(learner.getTolerations().stream().anyMatch(t -> "nvidia.com/gpu".equals(t.getKey())),
                "the learner tolerates the GPU nodes' taint");
        checkGpuImage(production, "learner", "sppo4j.learner.device=gpu");
        for (String role : List.of("judge", "rollout")) {
            assertEquals("registry.example.com/sppo4j:0.1.0", container(production, role).getImage(), role + " keeps the CPU image");
        }

        HorizontalPodAutoscaler hpa = production.named(HorizontalPodAutoscaler.class, "sppo4j-rollout");
        assertEquals("Deployment", hpa.getSpec().getScaleTargetRef().getKind());
        production.named(Deployment.class, hpa.getSpec().getScaleTargetRef().getName());
        assertEquals("sppo4j-rollout", hpa.getSpec().getScaleTargetRef().getName());
        MetricSpec metric = hpa.getSpec().getMetrics().get(0);
        assertEquals("Object", metric.getType());
        production.named(Service.class, metric.getObject().getDescribedObject().getName());
        // The custom metric is what the adapter rule derives from a metric the learner exports.
        JsonNode rule = new ObjectMapper(new YAMLFactory())
                .readTree(Manifests.ROOT.resolve("k8s/monitoring/prometheus-adapter-values.yaml").toFile())
                .path("rules").path("custom").get(0);
        assertEquals(metric.getObject().getMetric().getName(), rule.path("name").path("as").asText());
        Set<String> ruleMetrics = new TreeSet<>(ExportedMetrics.metricsIn(rule.path("seriesQuery").asText()));
        ruleMetrics.addAll(ExportedMetrics.metricsIn(rule.path("metricsQuery").asText().replace("<<.LabelMatchers>>", "")
                .replace("<<.GroupBy>>", "namespace")));
        assertEquals(Set.of("sppo_learner_busy_seconds_total"), ruleMetrics);
        assertTrue(exported.containsAll(ruleMetrics), "a node exports " + ruleMetrics);
    }

    @Test
    void theGpuWorkersOverlayPutsEveryRoleOnAGpuWithTheCudaImage() throws Exception {
        Manifests gpuWorkers = render("overlays/production-gpu-workers");
        checkWorkloads(gpuWorkers, Map.of("learner", 2, "judge", 2, "rollout", 4));
        checkGpuImage(gpuWorkers, "learner", "sppo4j.learner.device=gpu");
        checkGpuImage(gpuWorkers, "rollout", "sppo4j.rollout.device=gpu");
        checkGpuImage(gpuWorkers, "judge", "sppo4j.judge.reward-model.device=gpu");
    }

    /**
     * The role's pod runs the CUDA image (Dockerfile.cuda, as the production overlay names it) on
     * one GPU of a GPU node, and its arguments, which the CUDA image's entry point accepts, demand
     * the GPU so a pod without one fails at start instead of computing on the CPU.
     */
    private static void checkGpuImage(Manifests manifests, String role, String deviceSetting) throws Exception {
        Container container = container(manifests, role);
        assertEquals("registry.example.com/sppo4j-cuda:0.1.0", container.getImage(), role + " image");
        assertEquals(new Quantity("1"), container.getResources().getLimits().get("nvidia.com/gpu"), role + " GPU limit");
        PodSpec pod = manifests.named(Deployment.class, "sppo4j-" + role).getSpec().getTemplate().getSpec();
        assertEquals("true", pod.getNodeSelector().get("nvidia.com/gpu.present"), role + " selects GPU nodes");
        List<String> args = new ArrayList<>(ImageEntryPoint.read(ImageEntryPoint.CUDA_DOCKERFILE).arguments());
        args.addAll(container.getArgs());
        CommandLine.ParseResult parsed = new CommandLine(new SppoCli()).parseArgs(args.toArray(String[]::new));
        assertEquals(List.of(role), parsed.subcommand().matchedOptionValue("--roles", List.of()), role + " role");
        // Every production pod also decides splits by the Lease: one downing rule for the whole cluster.
        assertEquals(Set.of(deviceSetting, "sppo4j.cluster.downing=lease-majority"),
                Set.copyOf(parsed.subcommand().matchedOptionValue("--set", List.<String>of())), role + " settings");
        Config settings = EffectiveConfig.load(List.of(Manifests.ROOT.resolve("k8s/base/sppo4j.conf")),
                List.of("POD_IP=\"10.1.2.3\"", deviceSetting));
        assertEquals("gpu", settings.getString(deviceSetting.substring(0, deviceSetting.indexOf('='))), "the key exists and loads");
    }

    private static Container container(Manifests manifests, String role) {
        return manifests.named(Deployment.class, "sppo4j-" + role).getSpec().getTemplate().getSpec().getContainers().get(0);
    }

    @Test
    void monitoringScrapesTheMetricsPortAndTheDashboardReadsOnlyExportedMetrics() throws Exception {
        Manifests monitoring = render("monitoring");
        ServiceMonitor monitor = monitoring.named(ServiceMonitor.class, "sppo4j");
        Service service = Manifests.resourcesOf("base").named(Service.class, "sppo4j");
        String port = monitor.getSpec().getEndpoints().get(0).getPort();
        assertTrue(service.getSpec().getPorts().stream().map(ServicePort::getName).anyMatch(port::equals),
                "the ServiceMonitor's port " + port + " is on the Service");

        ConfigMap dashboard = monitoring.named(ConfigMap.class, "sppo4j-grafana-dashboard");
        JsonNode json = new ObjectMapper().readTree(dashboard.getData().get("sppo4j-dashboard.json"));
        List<String> queries = new ArrayList<>();
        json.path("panels").forEach(panel -> panel.path("targets").forEach(target -> queries.add(target.path("expr").asText())));
        assertTrue(queries.size() >= 14, "the dashboard has its panels");
        Set<String> read = new TreeSet<>();
        for (String query : queries) {
            Set<String> metrics = ExportedMetrics.metricsIn(query);
            assertFalse(metrics.isEmpty(), "a query reads a metric: " + query);
            Set<String> missing = metrics.stream().filter(m -> !exported.contains(m)).collect(Collectors.toSet());
            assertTrue(missing.isEmpty(), "not exported by a node: " + missing + " in " + query);
            read.addAll(metrics);
        }
        assertTrue(read.containsAll(Set.of("jvm_memory_used_bytes", "sppo_learner_staleness_versions_bucket",
                "sppo_eval_winrate", "sppo_judge_intransitive_triad_share_sum", "sppo_learner_credits_in_flight")), read.toString());
    }

    @Test
    void theProfileMakesANodeOnThePodsIpWithTlsAndKubernetesDiscovery(@TempDir Path certs) throws Exception {
        assertEquals(0, SppoCli.execute("certs", "--out", certs.toString(), "--nodes", "sppo4j"));
        // What the pod's environment and Secret provide: POD_IP (downward API) and the TLS files.
        Config settings = EffectiveConfig.load(List.of(Manifests.ROOT.resolve("k8s/base/sppo4j.conf")),
                List.of("POD_IP=\"10.1.2.3\"", "sppo4j.cluster.tls.directory=\"" + certs.resolve("sppo4j") + "\""));
        Config node = NodeSettings.of(settings, Set.of("rollout"), null, List.of(), "fingerprint");
        assertEquals("10.1.2.3", node.getString("pekko.remote.artery.canonical.hostname"));
        assertEquals(17355, node.getInt("pekko.remote.artery.canonical.port"));
        assertEquals("tls-tcp", node.getString("pekko.remote.artery.transport"));
        assertEquals("org.apache.pekko.remote.artery.tcp.ssl.RotatingKeysSSLEngineProvider",
                node.getString("pekko.remote.artery.ssl.ssl-engine-provider"));
        assertEquals("10.1.2.3", node.getString("pekko.management.http.hostname"));
        assertEquals(7626, node.getInt("pekko.management.http.port"));
        assertEquals("kubernetes-api", node.getString("pekko.management.cluster.bootstrap.contact-point-discovery.discovery-method"));
        assertEquals("management", node.getString("pekko.management.cluster.bootstrap.contact-point-discovery.port-name"));
        assertEquals("app.kubernetes.io/name=sppo4j", node.getString("pekko.discovery.kubernetes-api.pod-label-selector"));
        assertEquals(17356, settings.getInt("sppo4j.weights.transfer-port"));
    }

    private static Manifests render(String kustomization) throws Exception {
        Manifests.Kubectl kubectl = Manifests.kubectl();
        int minor = kubectl.minor();
        assumeTrue(minor >= Manifests.KUBECTL_MIN_MINOR, (minor < 0 ? kubectl.problem()
                : "kubectl 1." + minor + " bundles a kustomize too old for k8s/ (1." + Manifests.KUBECTL_MIN_MINOR
                        + "+ needed)") + ", so k8s/" + kustomization + " is not rendered here; the base is checked without it");
        return Manifests.render(kustomization);
    }

    private static void checkWorkloads(Manifests manifests, Map<String, Integer> replicas) throws Exception {
        checkRbac(manifests);
        assertEquals(ROLES, manifests.all(Deployment.class).stream()
                .map(d -> d.getSpec().getTemplate().getMetadata().getLabels().get("app.kubernetes.io/component"))
                .collect(Collectors.toSet()), "one Deployment per role");
        for (Deployment deployment : manifests.all(Deployment.class)) {
            String name = deployment.getMetadata().getName();
            Map<String, String> podLabels = deployment.getSpec().getTemplate().getMetadata().getLabels();
            String role = podLabels.get("app.kubernetes.io/component");
            assertEquals(replicas.get(role), deployment.getSpec().getReplicas(), name + " replicas");
            PodSpec pod = deployment.getSpec().getTemplate().getSpec();
            assertEquals(Boolean.TRUE, pod.getSecurityContext().getRunAsNonRoot(), name + " runAsNonRoot");
            for (Container container : pod.getContainers()) {
                String where = name + "/" + container.getName();
                assertEquals(Boolean.TRUE, container.getSecurityContext().getReadOnlyRootFilesystem(), where + " read-only root");
                assertEquals(Boolean.FALSE, container.getSecurityContext().getAllowPrivilegeEscalation(), where + " escalation");
                assertEquals(List.of("ALL"), container.getSecurityContext().getCapabilities().getDrop(), where + " capabilities");
                for (String resource : List.of("cpu", "memory")) {
                    assertNotNull(container.getResources().getRequests().get(resource), where + " requests " + resource);
                    assertNotNull(container.getResources().getLimits().get(resource), where + " limits " + resource);
                }
                Map<String, Integer> ports = container.getPorts().stream()
                        .collect(Collectors.toMap(ContainerPort::getName, ContainerPort::getContainerPort));
                assertEquals(7626, ports.get("management"), where + " management port");
                assertEquals(17355, ports.get("remoting"), where + " remoting port");
                assertTrue(ports.containsKey("metrics") && ports.containsKey("weights"), where + " ports " + ports);
                checkProbe(container.getReadinessProbe(), "/ready", where + " readiness");
                checkProbe(container.getLivenessProbe(), "/alive", where + " liveness");
                List<String> args = new ArrayList<>(ImageEntryPoint.read().arguments());
                args.addAll(container.getArgs());
                CommandLine.ParseResult parsed = new CommandLine(new SppoCli()).parseArgs(args.toArray(String[]::new));
                assertEquals("node", parsed.subcommand().commandSpec().name(), where + " runs sppo node");
                assertEquals(List.of(role), parsed.subcommand().matchedOptionValue("--roles", List.of()), where + " role");
                Set<String> mounts = container.getVolumeMounts().stream().map(VolumeMount::getMountPath).collect(Collectors.toSet());
                assertTrue(mounts.contains("/var/run/secrets/sppo4j/tls"), where + " mounts the TLS Secret");
            }
            Volume tls = pod.getVolumes().stream().filter(v -> v.getName().equals("tls")).findFirst().orElseThrow();
            assertEquals("sppo4j-tls", tls.getSecret().getSecretName(), name + " TLS Secret");
            assertTrue(manifests.all(PodDisruptionBudget.class).stream().anyMatch(pdb ->
                            podLabels.entrySet().containsAll(pdb.getSpec().getSelector().getMatchLabels().entrySet())),
                    name + " has a PodDisruptionBudget");
        }
        checkNetworkPolicy(manifests.named(NetworkPolicy.class, "sppo4j"), manifests.all(Deployment.class));
        assertTrue(manifests.kinds().containsAll(Set.of("Service", "ServiceAccount", "PersistentVolumeClaim")), manifests.kinds().toString());
    }

    /**
     * Discovery reads pods: rollout and judge pods run as an account bound to get, watch and list
     * on pods alone; the learner's account may also patch pods (its own deletion cost). Where
     * every pod runs {@code downing = lease-majority}, both accounts may also create Leases and
     * get and update the resolver's one Lease; elsewhere they have no Lease rights at all.
     */
    private static void checkRbac(Manifests manifests) {
        Map<String, Set<String>> podVerbs = new java.util.HashMap<>();
        Map<String, Set<String>> leaseVerbs = new java.util.HashMap<>();
        for (RoleBinding binding : manifests.all(RoleBinding.class)) {
            assertEquals("Role", binding.getRoleRef().getKind(), "namespaced roles only");
            Role role = manifests.named(Role.class, binding.getRoleRef().getName());
            for (PolicyRule rule : role.getRules()) {
                String name = role.getMetadata().getName();
                Map<String, Set<String>> verbs;
                if (rule.getApiGroups().equals(List.of("")) && rule.getResources().equals(List.of("pods"))) {
                    verbs = podVerbs;
                } else if (rule.getApiGroups().equals(List.of("coordination.k8s.io")) && rule.getResources().equals(List.of("leases"))) {
                    verbs = leaseVerbs;
                    // Only create cannot name its object; reading and updating are for the resolver's Lease alone.
                    assertTrue(rule.getVerbs().equals(List.of("create")) || rule.getResourceNames().equals(List.of(SBR_LEASE)),
                            name + " limits " + rule.getVerbs() + " to the Lease " + SBR_LEASE);
                } else {
                    throw new AssertionError(name + " grants " + rule.getResources() + " in " + rule.getApiGroups());
                }
                for (var subject : binding.getSubjects()) {
                    verbs.computeIfAbsent(subject.getName(), a -> new TreeSet<>()).addAll(rule.getVerbs());
                }
            }
        }
        assertEquals(Set.of("get", "list", "watch"), podVerbs.get("sppo4j"), "the workers' account");
        assertEquals(Set.of("get", "list", "watch", "patch"), podVerbs.get("sppo4j-learner"), "the learner's account");
        boolean leaseMajority = manifests.all(Deployment.class).stream().allMatch(deployment -> deployment.getSpec()
                .getTemplate().getSpec().getContainers().get(0).getArgs().contains("sppo4j.cluster.downing=lease-majority"));
        Map<String, Set<String>> expectedLeaseVerbs = leaseMajority
                ? Map.of("sppo4j", Set.of("create", "get", "update"), "sppo4j-learner", Set.of("create", "get", "update"))
                : Map.of();
        assertEquals(expectedLeaseVerbs, leaseVerbs, "Lease rights exactly where lease-majority downing runs");
        for (Deployment deployment : manifests.all(Deployment.class)) {
            String account = deployment.getSpec().getTemplate().getSpec().getServiceAccountName();
            boolean learner = deployment.getMetadata().getName().equals("sppo4j-learner");
            assertEquals(learner ? "sppo4j-learner" : "sppo4j", account, deployment.getMetadata().getName() + " account");
        }
    }

    private static void checkProbe(Probe probe, String path, String what) {
        assertNotNull(probe, what + " probe");
        assertEquals(path, probe.getHttpGet().getPath(), what + " path");
        assertEquals("management", probe.getHttpGet().getPort().getStrVal(), what + " port");
    }

    /** Whether a label selector selects pods with these labels, and names the app (not every pod). */
    private static boolean selectsApp(Map<String, String> selector, Map<String, String> podLabels) {
        return "sppo4j".equals(selector.get("app.kubernetes.io/name")) && podLabels.entrySet().containsAll(selector.entrySet());
    }

    private static void checkNetworkPolicy(NetworkPolicy policy, List<Deployment> deployments) {
        for (Deployment deployment : deployments) {
            Map<String, String> podLabels = deployment.getSpec().getTemplate().getMetadata().getLabels();
            assertTrue(selectsApp(policy.getSpec().getPodSelector().getMatchLabels(), podLabels),
                    "the NetworkPolicy covers " + deployment.getMetadata().getName());
            for (NetworkPolicyIngressRule rule : policy.getSpec().getIngress()) {
                var from = rule.getFrom().get(0);
                if (from.getPodSelector() != null) {
                    assertTrue(selectsApp(from.getPodSelector().getMatchLabels(), podLabels),
                            "the app's own pods, " + deployment.getMetadata().getName() + " among them, may connect");
                }
            }
        }
        for (NetworkPolicyIngressRule rule : policy.getSpec().getIngress()) {
            Set<String> ports = rule.getPorts().stream().map(NetworkPolicyPort::getPort).map(p -> p.getStrVal())
                    .collect(Collectors.toSet());
            var from = rule.getFrom().get(0);
            if (ports.contains("metrics")) {
                assertEquals(Set.of("metrics"), ports, "metrics alone is open to monitoring");
                assertEquals(Map.of("kubernetes.io/metadata.name", "monitoring"), from.getNamespaceSelector().getMatchLabels());
                assertEquals(null, from.getPodSelector());
            } else {
                assertEquals(Set.of("remoting", "management", "weights"), ports);
                assertNotNull(from.getPodSelector(), "from the app's pods");
                assertEquals(null, from.getNamespaceSelector(), "only from this namespace");
            }
        }
    }

    /** The ConfigMap's profile is where the CLI's --config reads it, and the profile loads. */
    private static void checkConfigMapMountedWhereTheCliReadsIt(Manifests manifests) throws Exception {
        Deployment deployment = manifests.named(Deployment.class, "sppo4j-rollout");
        PodSpec pod = deployment.getSpec().getTemplate().getSpec();
        Container container = pod.getContainers().get(0);
        String config = container.getArgs().get(container.getArgs().indexOf("--config") + 1);
        VolumeMount mount = container.getVolumeMounts().stream().filter(m -> config.startsWith(m.getMountPath() + "/"))
                .findFirst().orElseThrow(() -> new AssertionError("nothing mounted at " + config));
        Volume volume = pod.getVolumes().stream().filter(v -> v.getName().equals(mount.getName())).findFirst().orElseThrow();
        ConfigMap map = manifests.named(ConfigMap.class, volume.getConfigMap().getName());
        String file = Path.of(config).getFileName().toString();
        assertTrue(map.getData().containsKey(file), "the ConfigMap holds " + file);
        assertEquals(Files.readString(Manifests.ROOT.resolve("k8s/base/sppo4j.conf")), map.getData().get(file));
    }
}
