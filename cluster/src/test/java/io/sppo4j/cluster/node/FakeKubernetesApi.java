package io.sppo4j.cluster.node;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.sppo4j.cluster.tls.DevelopmentCertificates;
import io.sppo4j.cluster.tls.TlsFiles;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

/**
 * The part of the Kubernetes API server that pod discovery and leases use, on loopback: HTTPS
 * with its own CA, a service-account token, {@code GET /api/v1/namespaces/NS/pods?labelSelector=...}
 * answered with a PodList of the pods the test declares, shaped as the API server shapes them,
 * and {@code coordination.k8s.io/v1} Leases (get, create, and update guarded by
 * {@code resourceVersion}, a stale one answered 409 Conflict as the API server does).
 */
final class FakeKubernetesApi implements AutoCloseable {

    /** A pod of the cluster: its IP and the container ports named as the manifests name them. */
    record Pod(String name, String ip, int managementPort, int remotingPort) {}

    static final String HOST = "localhost";

    final Path caFile;
    final Path tokenFile;
    private final String token = "test-token-" + System.nanoTime();
    private final String namespace;
    private final String labelSelector;
    private final Map<String, Pod> pods = new ConcurrentHashMap<>();
    private final List<String> refused = new CopyOnWriteArrayList<>();
    private final Map<String, String> patches = new ConcurrentHashMap<>();
    private final LeaseStore leases;
    private final HttpsServer server;

    FakeKubernetesApi(Path dir, String namespace, String labelSelector) throws IOException {
        this.namespace = namespace;
        this.labelSelector = labelSelector;
        this.leases = new LeaseStore("/apis/coordination.k8s.io/v1/namespaces/" + namespace + "/leases");
        DevelopmentCertificates certificates = new DevelopmentCertificates();
        DevelopmentCertificates.Authority ca = certificates.newAuthority("test API CA", Duration.ofDays(1));
        // The discovery client checks the server's name: the certificate carries "localhost".
        TlsFiles files = certificates.writeNode(dir.resolve("api-server"), ca, HOST, HOST, Duration.ofDays(1));
        caFile = files.authority();
        tokenFile = dir.resolve("token");
        Files.writeString(tokenFile, token);
        server = HttpsServer.create(new InetSocketAddress(InetAddress.getByName(HOST), 0), 16);
        server.setHttpsConfigurator(new HttpsConfigurator(NodeTls.context(files)));
        server.createContext("/", this::answer);
        server.start();
    }

    int port() {
        return server.getAddress().getPort();
    }

    /** What a pod's environment holds for discovery to find this server. */
    Map<String, String> podEnvironment() {
        return Map.of("KUBERNETES_SERVICE_HOST", HOST, "KUBERNETES_SERVICE_PORT", Integer.toString(port()));
    }

    void add(Pod pod) {
        pods.put(pod.name(), pod);
    }

    void remove(String name) {
        pods.remove(name);
    }

    /** The body of the last merge patch each pod received, by pod name. */
    Map<String, String> patches() {
        return patches;
    }

    /** Every holder each Lease had, in order (an empty holder: released). */
    Map<String, List<String>> leaseHolders() {
        return leases.holders();
    }

    /** Requests answered with an error: a wrong path, namespace, selector or token. */
    List<String> refused() {
        return refused;
    }

    private void answer(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        String query = URLDecoder.decode(String.valueOf(exchange.getRequestURI().getRawQuery()), StandardCharsets.UTF_8);
        String authorization = exchange.getRequestHeaders().getFirst("Authorization");
        int status;
        String body;
        if (!("Bearer " + token).equals(authorization)) {
            status = 401;
            body = "{\"kind\":\"Status\",\"code\":401,\"reason\":\"Unauthorized\"}";
        } else if ("PATCH".equals(exchange.getRequestMethod())
                && path.startsWith("/api/v1/namespaces/" + namespace + "/pods/")
                && pods.containsKey(path.substring(path.lastIndexOf('/') + 1))
                && "application/merge-patch+json".equals(exchange.getRequestHeaders().getFirst("Content-Type"))) {
            String pod = path.substring(path.lastIndexOf('/') + 1);
            patches.put(pod, new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            status = 200;
            body = pod(pods.get(pod));
        } else if (leases.handles(path)) {
            LeaseStore.Answer answer = leases.answer(exchange.getRequestMethod(), path,
                    new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            status = answer.status();
            body = answer.body();
        } else if (!"GET".equals(exchange.getRequestMethod())
                || !path.equals("/api/v1/namespaces/" + namespace + "/pods")
                || !query.equals("labelSelector=" + labelSelector)) {
            status = 404;
            body = "{\"kind\":\"Status\",\"code\":404,\"reason\":\"NotFound\"}";
        } else {
            status = 200;
            body = podList();
        }
        // A missing lease (404) and a stale resourceVersion (409) are how the lease protocol goes.
        boolean leaseProtocol = leases.handles(path) && (status == 404 || status == 409);
        if (status >= 400 && !leaseProtocol) {
            refused.add(status + " " + exchange.getRequestMethod() + " " + path + "?" + query);
        }
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }

    private String podList() {
        String items = pods.values().stream().map(this::pod).collect(Collectors.joining(","));
        return """
                {"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"1"},"items":[%s]}""".formatted(items);
    }

    private String pod(Pod pod) {
        return """
                {"metadata":{"name":"%1$s","namespace":"%2$s","labels":{"app.kubernetes.io/name":"sppo4j"},
                  "uid":"%1$s-uid","creationTimestamp":"2026-01-01T00:00:00Z"},
                 "spec":{"serviceAccountName":"sppo4j","containers":[{"name":"sppo4j","image":"sppo4j:test",
                   "ports":[{"name":"management","containerPort":%3$d,"protocol":"TCP"},
                            {"name":"remoting","containerPort":%4$d,"protocol":"TCP"}]}]},
                 "status":{"phase":"Running","podIP":"%5$s","podIPs":[{"ip":"%5$s"}],
                   "conditions":[{"type":"Ready","status":"True"},{"type":"ContainersReady","status":"True"}],
                   "containerStatuses":[{"name":"sppo4j","ready":true,"restartCount":0,
                     "state":{"running":{"startedAt":"2026-01-01T00:00:01Z"}}}]}}"""
                .formatted(pod.name(), namespace, pod.managementPort(), pod.remotingPort(), pod.ip());
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
