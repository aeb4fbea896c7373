package io.sppo4j.cluster.node;

import com.typesafe.config.Config;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Optional;
import java.util.stream.StreamSupport;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Subscribe;

/**
 * Marks the pod of the active learner with a high {@code controller.kubernetes.io/pod-deletion-cost},
 * so that when the learner Deployment scales down or rolls (Kubernetes 1.22+ may otherwise pick
 * either pod), the standby goes first and the singleton moves once. The learner singleton runs
 * on the oldest Up learner-role member: the node that is that member patches its own pod through
 * the API server with the pod's service-account token (the learner's Role grants {@code patch}
 * on pods). Runs on learner nodes when {@code sppo4j.cluster.kubernetes.deletion-cost.enabled}.
 */
public final class LearnerDeletionCost {

    static final String ANNOTATION = "controller.kubernetes.io/pod-deletion-cost";

    /** What it reacts to: membership changes and the outcome of its patch. */
    public sealed interface Command {}

    private record Membership(ClusterEvent.MemberEvent event) implements Command {}

    private record Patched(boolean ok, String detail) implements Command {}

    private enum Retry implements Command { INSTANCE }

    /** Where and as whom to patch: the API server, the pod, the token, the CA. */
    public record Target(URI pod, String token, SSLContext tls, String cost) {

        public static Target from(Config settings) {
            Config kubernetes = settings.getConfig("sppo4j.cluster.kubernetes");
            String podName = env(kubernetes.getString("pod-name-env"));
            String host = env(kubernetes.getString("api-host-env"));
            String port = env(kubernetes.getString("api-port-env"));
            String namespace = kubernetes.getString("namespace");
            try {
                if (namespace.isBlank()) {
                    namespace = Files.readString(Path.of(kubernetes.getString("namespace-path"))).strip();
                }
                String token = Files.readString(Path.of(kubernetes.getString("api-token-path"))).strip();
                URI pod = URI.create("https://" + host + ":" + port + "/api/v1/namespaces/" + namespace + "/pods/" + podName);
                return new Target(pod, token, trusting(Path.of(kubernetes.getString("api-ca-path"))),
                        Integer.toString(kubernetes.getInt("deletion-cost.active-learner")));
            } catch (IOException | GeneralSecurityException e) {
                throw new IllegalArgumentException("sppo4j.cluster.kubernetes: cannot read the service account's files: "
                        + e.getMessage(), e);
            }
        }

        private static String env(String name) {
            String value = System.getenv(name);
            if (value == null || value.isBlank()) {
                throw new IllegalArgumentException("sppo4j.cluster.kubernetes.deletion-cost needs the environment variable "
                        + name + " (set it from the downward API)");
            }
            return value;
        }

        private static SSLContext trusting(Path caFile) throws IOException, GeneralSecurityException {
            KeyStore trusted = KeyStore.getInstance("PKCS12");
            trusted.load(null, null);
            try (InputStream in = Files.newInputStream(caFile)) {
                int i = 0;
                for (Certificate certificate : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                    trusted.setCertificateEntry("api-ca-" + i++, certificate);
                }
            }
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(trusted);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trust.getTrustManagers(), null);
            return context;
        }
    }

    private LearnerDeletionCost() {}

    /** Whether this node should run it. */
    public static boolean enabled(Config settings) {
        return settings.getBoolean("sppo4j.cluster.kubernetes.deletion-cost.enabled");
    }

    public static Behavior<Command> create(Target target) {
        return Behaviors.<Command>setup(context -> {
            Cluster cluster = Cluster.get(context.getSystem());
            cluster.subscriptions().tell(Subscribe.create(
                    context.messageAdapter(ClusterEvent.MemberEvent.class, Membership::new), ClusterEvent.MemberEvent.class));
            HttpClient http = HttpClient.newBuilder().sslContext(target.tls()).connectTimeout(Duration.ofSeconds(5)).build();
            boolean[] marked = {false};
            boolean[] inFlight = {false};
            Runnable check = () -> {
                if (marked[0] || inFlight[0] || !activeLearner(cluster)) {
                    return;
                }
                inFlight[0] = true;
                HttpRequest patch = HttpRequest.newBuilder(target.pod())
                        .timeout(Duration.ofSeconds(10))
                        .header("Authorization", "Bearer " + target.token())
                        .header("Content-Type", "application/merge-patch+json")
                        .method("PATCH", HttpRequest.BodyPublishers.ofString(
                                "{\"metadata\":{\"annotations\":{\"" + ANNOTATION + "\":\"" + target.cost() + "\"}}}"))
                        .build();
                context.pipeToSelf(http.sendAsync(patch, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8)),
                        (response, error) -> error != null ? new Patched(false, error.toString())
                                : new Patched(response.statusCode() / 100 == 2,
                                        "HTTP " + response.statusCode() + " " + response.body()));
            };
            return Behaviors.withTimers(timers -> {
                // Membership events can arrive before the node's own view reflects them: look again
                // every few seconds until the pod is marked.
                timers.startTimerWithFixedDelay(Retry.INSTANCE, Duration.ofSeconds(5));
                return Behaviors.receive(Command.class)
                    .onMessage(Membership.class, event -> {
                        check.run();
                        return Behaviors.same();
                    })
                    .onMessage(Retry.class, retry -> {
                        check.run();
                        return Behaviors.same();
                    })
                    .onMessage(Patched.class, patched -> {
                        inFlight[0] = false;
                        if (patched.ok()) {
                            marked[0] = true;
                            timers.cancel(Retry.INSTANCE);
                            context.getLog().info("active learner: marked pod {} with {}={}", target.pod().getPath(),
                                    ANNOTATION, target.cost());
                        } else {
                            context.getLog().warn("cannot mark the active learner's pod ({}); trying again", patched.detail());
                        }
                        return Behaviors.same();
                    })
                    .build();
            });
        });
    }

    /** Whether this node is the oldest Up learner-role member, where the singleton runs. */
    private static boolean activeLearner(Cluster cluster) {
        Member self = cluster.selfMember();
        if (self.status() != MemberStatus.up() || !self.hasRole(NodeGuardian.LEARNER)) {
            return false;
        }
        Optional<Member> oldest = StreamSupport.stream(cluster.state().getMembers().spliterator(), false)
                .filter(member -> member.status() == MemberStatus.up() && member.hasRole(NodeGuardian.LEARNER))
                .reduce((a, b) -> a.isOlderThan(b) ? a : b);
        return oldest.isPresent() && oldest.get().uniqueAddress().equals(self.uniqueAddress());
    }
}
