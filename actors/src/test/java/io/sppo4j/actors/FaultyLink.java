package io.sppo4j.actors;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP relay on a loopback port in front of a real server, that breaks the way networks do:
 * each connection, in the order they come, relays everything, cuts the answer after some bytes,
 * or stalls (passes the request on and holds the answer back). It records how many answer bytes
 * each connection carried and notices when the client hangs up.
 */
final class FaultyLink implements AutoCloseable {

    /** What one connection does with the server's answer. */
    record Fault(long cutAfterBytes, boolean stall) {
        static final Fault NONE = new Fault(Long.MAX_VALUE, false);
        static final Fault STALL = new Fault(Long.MAX_VALUE, true);

        static Fault cutAfter(long bytes) {
            return new Fault(bytes, false);
        }
    }

    /** One relayed connection: answer bytes carried, and a latch released when the client hung up. */
    static final class Connection {
        final AtomicLong answerBytes = new AtomicLong();
        final CountDownLatch clientGone = new CountDownLatch(1);

        boolean awaitClientGone(Duration limit) throws InterruptedException {
            return clientGone.await(limit.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private final ServerSocket listener;
    private final InetSocketAddress target;
    private final List<Fault> faults;
    private final List<Connection> connections = new CopyOnWriteArrayList<>();
    private final ExecutorService threads = Executors.newCachedThreadPool();

    /** @param faults the fault of each connection in turn; connections beyond the list are relayed whole */
    FaultyLink(String host, int port, List<Fault> faults) throws IOException {
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.target = new InetSocketAddress(host, port);
        this.faults = List.copyOf(faults);
        threads.submit(this::accept);
    }

    String host() {
        return listener.getInetAddress().getHostAddress();
    }

    int port() {
        return listener.getLocalPort();
    }

    /** The connections so far, in the order they came. */
    List<Connection> connections() {
        return connections;
    }

    private void accept() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                Fault fault = connections.size() < faults.size() ? faults.get(connections.size()) : Fault.NONE;
                Connection connection = new Connection();
                connections.add(connection);
                Socket server = new Socket();
                server.connect(target, 10_000);
                threads.submit(() -> relayRequest(client, server, connection));
                if (!fault.stall()) {
                    threads.submit(() -> relayAnswer(server, client, connection, fault.cutAfterBytes()));
                }
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    /** Client to server; the client closing its side ends the connection. */
    private void relayRequest(Socket client, Socket server, Connection connection) {
        byte[] buffer = new byte[8192];
        try (InputStream in = client.getInputStream(); OutputStream out = server.getOutputStream()) {
            for (int n; (n = in.read(buffer)) >= 0; ) {
                out.write(buffer, 0, n);
                out.flush();
            }
        } catch (IOException e) {
            // either side went away
        } finally {
            connection.clientGone.countDown();
            closeQuietly(client);
            closeQuietly(server);
        }
    }

    /** Server to client, up to {@code limit} bytes, then both sides are closed. */
    private void relayAnswer(Socket server, Socket client, Connection connection, long limit) {
        byte[] buffer = new byte[8192];
        try (InputStream in = server.getInputStream(); OutputStream out = client.getOutputStream()) {
            while (connection.answerBytes.get() < limit) {
                int n = in.read(buffer, 0, (int) Math.min(buffer.length, limit - connection.answerBytes.get()));
                if (n < 0) {
                    break;
                }
                out.write(buffer, 0, n);
                out.flush();
                connection.answerBytes.addAndGet(n);
            }
        } catch (IOException e) {
            // either side went away
        } finally {
            closeQuietly(client);
            closeQuietly(server);
        }
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    @Override
    public void close() throws IOException {
        listener.close();
        threads.shutdownNow();
    }
}
