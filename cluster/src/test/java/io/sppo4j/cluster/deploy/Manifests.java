package io.sppo4j.cluster.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.openshift.api.model.monitoring.v1.ServiceMonitor;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The objects of a kustomization, rendered by {@code kubectl kustomize} and parsed into
 * fabric8's typed Kubernetes model; a field the model does not know (a typo, a field in the
 * wrong place) fails the parse with its path.
 */
final class Manifests {

    /** The repository root (the tests run in cluster/). */
    static final Path ROOT = Path.of("").toAbsolutePath().getParent();

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private static final Map<String, Class<? extends HasMetadata>> KINDS = Map.ofEntries(
            Map.entry("v1/ConfigMap", ConfigMap.class),
            Map.entry("v1/Service", Service.class),
            Map.entry("v1/ServiceAccount", ServiceAccount.class),
            Map.entry("v1/PersistentVolumeClaim", PersistentVolumeClaim.class),
            Map.entry("apps/v1/Deployment", Deployment.class),
            Map.entry("rbac.authorization.k8s.io/v1/Role", Role.class),
            Map.entry("rbac.authorization.k8s.io/v1/RoleBinding", RoleBinding.class),
            Map.entry("policy/v1/PodDisruptionBudget", PodDisruptionBudget.class),
            Map.entry("networking.k8s.io/v1/NetworkPolicy", NetworkPolicy.class),
            Map.entry("autoscaling/v2/HorizontalPodAutoscaler", HorizontalPodAutoscaler.class),
            Map.entry("monitoring.coreos.com/v1/ServiceMonitor", ServiceMonitor.class));

    final List<HasMetadata> objects;

    private Manifests(List<HasMetadata> objects) {
        this.objects = objects;
    }

    /** The oldest kubectl whose built-in kustomize (v4+) reads these kustomizations. */
    static final int KUBECTL_MIN_MINOR = 21;

    /**
     * The client's minor version ("1.27" gives 27), or -1 with what went wrong: kubectl missing,
     * failing, hanging, or printing no version (each said as it is). Debian bookworm's
     * kubernetes-client is 1.20, whose kustomize v2.0.3 knows neither {@code patches} nor
     * {@code replicas} nor {@code labels}.
     */
    static Kubectl kubectl() {
        Process process;
        try {
            process = new ProcessBuilder("kubectl", "version", "--client", "-o", "json").redirectErrorStream(true).start();
        } catch (IOException e) {
            // ProcessBuilder fails to start a program when it cannot find it (error=2, ENOENT) or
            // cannot execute what it found (error=13 permission denied, a bad interpreter, ...):
            // only the first is "not on the PATH"; anything else is said as the system said it.
            String message = String.valueOf(e.getMessage());
            return new Kubectl(-1, message.contains("error=2,") ? "kubectl is not on the PATH (" + message + ")"
                    : "kubectl could not be started: " + message);
        }
        try {
            CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> {
                try {
                    return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                } catch (IOException e) {
                    return "(unreadable output: " + e.getMessage() + ")";
                }
            });
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return new Kubectl(-1, "kubectl version --client did not answer within 30 s");
            }
            String out = output.get(5, TimeUnit.SECONDS).strip();
            if (process.exitValue() != 0) {
                return new Kubectl(-1, "kubectl version --client exited with code " + process.exitValue() + ": "
                        + out.substring(0, Math.min(out.length(), 400)));
            }
            java.util.regex.Matcher minor = java.util.regex.Pattern.compile("\"minor\"\\s*:\\s*\"(\\d+)").matcher(out);
            return minor.find() ? new Kubectl(Integer.parseInt(minor.group(1)), null)
                    : new Kubectl(-1, "kubectl version --client printed no minor version: "
                            + out.substring(0, Math.min(out.length(), 400)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Kubectl(-1, "interrupted while asking kubectl for its version");
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            return new Kubectl(-1, "kubectl version --client: " + e);
        }
    }

    /** The kubectl found, or why none can render: its minor version (-1 when unusable) and what went wrong. */
    record Kubectl(int minor, String problem) {}

    /** {@code kubectl kustomize k8s/<kustomization>}, parsed. */
    static Manifests render(String kustomization) throws Exception {
        Path dir = ROOT.resolve("k8s").resolve(kustomization);
        Process process = new ProcessBuilder("kubectl", "kustomize", dir.toString()).start();
        byte[] err = new byte[0];
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        err = process.getErrorStream().readAllBytes();
        assertTrue(process.waitFor(120, TimeUnit.SECONDS), "kubectl kustomize " + dir + " finished");
        assertEquals(0, process.exitValue(), "kubectl kustomize " + dir + ": " + new String(err, StandardCharsets.UTF_8));
        return parse(out, "kubectl kustomize " + kustomization);
    }

    /** The plain resource files a kustomization lists, parsed as they are (no kubectl needed). */
    static Manifests resourcesOf(String kustomization) throws Exception {
        Path dir = ROOT.resolve("k8s").resolve(kustomization);
        JsonNode kustomize = YAML.readTree(dir.resolve("kustomization.yaml").toFile());
        StringBuilder documents = new StringBuilder();
        for (JsonNode resource : kustomize.get("resources")) {
            documents.append(Files.readString(dir.resolve(resource.asText()))).append("\n---\n");
        }
        return parse(documents.toString(), kustomization);
    }

    private static Manifests parse(String yaml, String source) throws IOException {
        List<HasMetadata> objects = new ArrayList<>();
        try (MappingIterator<JsonNode> documents = YAML.readerFor(JsonNode.class).readValues(yaml)) {
            while (documents.hasNext()) {
                JsonNode document = documents.next();
                if (document == null || document.isEmpty()) {
                    continue;
                }
                String kind = document.path("apiVersion").asText() + "/" + document.path("kind").asText();
                Class<? extends HasMetadata> type = KINDS.get(kind);
                if (type == null) {
                    fail(source + ": an object of unexpected kind " + kind);
                }
                HasMetadata object = YAML.treeToValue(document, type);
                String where = source + ": " + document.path("kind").asText() + " " + object.getMetadata().getName();
                rejectUnknownFields(object, where, new IdentityHashMap<>());
                objects.add(object);
            }
        }
        return new Manifests(objects);
    }

    /**
     * fabric8's classes keep fields they do not model in {@code additionalProperties} instead of
     * failing; any there is a field Kubernetes would reject or ignore.
     */
    private static void rejectUnknownFields(Object value, String path, Map<Object, Boolean> seen) {
        if (value == null || seen.put(value, Boolean.TRUE) != null) {
            return;
        }
        if (value instanceof Collection<?> collection) {
            int i = 0;
            for (Object element : collection) {
                rejectUnknownFields(element, path + "[" + i++ + "]", seen);
            }
            return;
        }
        if (value instanceof Map<?, ?> map) {
            map.forEach((key, element) -> rejectUnknownFields(element, path + "." + key, seen));
            return;
        }
        if (!value.getClass().getName().startsWith("io.fabric8.")) {
            return;
        }
        for (Method getter : value.getClass().getMethods()) {
            if (getter.getParameterCount() != 0 || Modifier.isStatic(getter.getModifiers())
                    || !getter.getName().startsWith("get") || getter.getDeclaringClass() == Object.class) {
                continue;
            }
            Object property;
            try {
                property = getter.invoke(value);
            } catch (IllegalAccessException | InvocationTargetException e) {
                continue;
            }
            if (getter.getName().equals("getAdditionalProperties")) {
                if (property instanceof Map<?, ?> extra && !extra.isEmpty()) {
                    fail(path + ": fields unknown to the Kubernetes API: " + extra.keySet());
                }
                continue;
            }
            rejectUnknownFields(property, path + "." + getter.getName().substring(3), seen);
        }
    }

    <T extends HasMetadata> List<T> all(Class<T> type) {
        return objects.stream().filter(type::isInstance).map(type::cast).toList();
    }

    <T extends HasMetadata> T named(Class<T> type, String name) {
        return all(type).stream().filter(object -> object.getMetadata().getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + type.getSimpleName() + " named " + name));
    }

    Set<String> kinds() {
        return Set.copyOf(objects.stream().map(HasMetadata::getKind).toList());
    }
}
