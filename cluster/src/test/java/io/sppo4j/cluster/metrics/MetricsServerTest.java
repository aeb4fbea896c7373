package io.sppo4j.cluster.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.io.IOException;
import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Collections;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class MetricsServerTest {

    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    private static HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10))
                .build();
        return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void servesTheRegistryOnLoopback() throws Exception {
        PrometheusRegistry registry = new PrometheusRegistry();
        Counter counter = Counter.builder()
                .name("sppo_test_events")
                .help("Events counted by the test.")
                .register(registry);
        counter.inc(3);
        try (MetricsServer server = MetricsServer.start("127.0.0.1", 0, registry)) {
            assertTrue(server.port() > 0);
            assertEquals(InetAddress.getByName("127.0.0.1"), server.address().getAddress());
            HttpResponse<String> response = get(server.port(), "/metrics");
            assertEquals(200, response.statusCode());
            assertTrue(response.body().contains("# TYPE sppo_test_events_total counter"), response.body());
            assertTrue(response.body().contains("sppo_test_events_total 3.0"), response.body());

            counter.inc();
            assertTrue(get(server.port(), "/metrics").body().contains("sppo_test_events_total 4.0"));
        }
    }

    @Test
    void closeFreesThePort() throws Exception {
        MetricsServer server = MetricsServer.start("127.0.0.1", 0, new PrometheusRegistry());
        int port = server.port();
        assertEquals(200, get(port, "/metrics").statusCode());
        server.close();
        server.close();
        assertThrows(ConnectException.class, () -> get(port, "/metrics"));
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port));
        }
        // And the same port can serve again, as after a restart with a fixed port.
        try (MetricsServer again = MetricsServer.start("127.0.0.1", port, new PrometheusRegistry())) {
            assertEquals(port, again.port());
            assertEquals(200, get(port, "/metrics").statusCode());
        }
    }

    @Test
    void loopbackServerIsNotReachableOnOtherInterfaces() throws Exception {
        Optional<InetAddress> external = nonLoopbackAddress();
        assumeTrue(external.isPresent(), "no non-loopback IPv4 interface");
        try (MetricsServer server = MetricsServer.start("127.0.0.1", 0, new PrometheusRegistry());
                Socket socket = new Socket()) {
            assertThrows(ConnectException.class,
                    () -> socket.connect(new InetSocketAddress(external.get(), server.port()), 2000));
        }
    }

    @Test
    void refusesABlankHostRatherThanBindingEverywhere() {
        assertThrows(IllegalArgumentException.class, () -> MetricsServer.start(" ", 0, new PrometheusRegistry()));
        assertThrows(IllegalArgumentException.class, () -> MetricsServer.start("127.0.0.1", 70000, new PrometheusRegistry()));
    }

    private static Optional<InetAddress> nonLoopbackAddress() throws SocketException {
        for (NetworkInterface network : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (!network.isUp() || network.isLoopback()) {
                continue;
            }
            for (InetAddress address : Collections.list(network.getInetAddresses())) {
                if (address instanceof Inet4Address && !address.isLoopbackAddress() && !address.isLinkLocalAddress()) {
                    return Optional.of(address);
                }
            }
        }
        return Optional.empty();
    }
}
