package io.sppo4j.cluster.metrics;

import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Serves a {@link PrometheusRegistry} in the Prometheus text format on {@code /metrics} (and a
 * liveness check on {@code /-/healthy}) over plain HTTP.
 *
 * <p>The listener binds to exactly the interface it is given, never implicitly to all of them:
 * metrics reveal what a node is doing, so exposing them beyond the loopback interface must be an
 * explicit choice ({@code 0.0.0.0} or a specific address). The server's threads are daemons, so
 * an unclosed server does not keep the JVM alive.
 */
public final class MetricsServer implements AutoCloseable {

    private final HTTPServer server;
    private final InetSocketAddress address;
    private final AtomicBoolean closed = new AtomicBoolean();

    private MetricsServer(HTTPServer server, InetSocketAddress address) {
        this.server = server;
        this.address = address;
    }

    /**
     * Starts serving {@code registry}.
     *
     * @param bindHost an IP literal or host name of a local interface, e.g. {@code 127.0.0.1}
     * @param port the TCP port, or 0 for a free one (see {@link #port()})
     * @throws IllegalArgumentException if {@code bindHost} is blank or {@code port} out of range
     * @throws IOException if the host does not resolve or the address cannot be bound
     */
    public static MetricsServer start(String bindHost, int port, PrometheusRegistry registry) throws IOException {
        Objects.requireNonNull(bindHost, "bindHost");
        Objects.requireNonNull(registry, "registry");
        // A blank host would make the client library fall back to the wildcard address.
        if (bindHost.isBlank()) {
            throw new IllegalArgumentException("metrics bind host is blank; name an interface, e.g. 127.0.0.1");
        }
        if (port < 0 || port > 0xFFFF) {
            throw new IllegalArgumentException("metrics port out of range: " + port);
        }
        // Resolved here, once, so that what is bound is exactly what is reported.
        InetAddress host = InetAddress.getByName(bindHost.strip());
        HTTPServer server = HTTPServer.builder()
                .inetAddress(host)
                .port(port)
                .registry(registry)
                .buildAndStart();
        // The client library lets io.prometheus.exporter.httpServer.port (system property or
        // prometheus.properties) override the builder's port; refuse that rather than listen
        // somewhere the configuration does not say.
        if (port != 0 && server.getPort() != port) {
            int bound = server.getPort();
            server.close();
            throw new IOException("metrics server asked for port " + port + " but the Prometheus client's own"
                    + " configuration (io.prometheus.exporter.httpServer.port) bound " + bound);
        }
        return new MetricsServer(server, new InetSocketAddress(host, server.getPort()));
    }

    /** The bound port; the chosen one when started with port 0. */
    public int port() {
        return address.getPort();
    }

    /** The bound interface and port. */
    public InetSocketAddress address() {
        return address;
    }

    /** Stops listening and frees the port at once; in-flight scrapes are cut off. Idempotent. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            server.close();
        }
    }
}
