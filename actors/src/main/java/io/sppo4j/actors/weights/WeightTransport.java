package io.sppo4j.actors.weights;

import io.sppo4j.actors.data.SnapshotHeader;
import io.sppo4j.model.weights.NamedTensor;
import io.sppo4j.model.weights.WeightSnapshot;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import javax.net.ServerSocketFactory;
import javax.net.SocketFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;

/**
 * The bytes of weight versions between nodes, over a TCP connection of their own: the node that
 * holds a version serves it, and a node that wants it connects, names the version and the byte
 * offset to start from (so an interrupted transfer resumes), and reads the bytes straight into
 * place. TCP's flow control paces a slow reader; the actors only exchange the offer and the
 * outcome. Bytes go from the version's native memory to the socket and from the socket into the
 * receiver's native memory through one {@value #BLOCK}-byte chunk per transfer, whatever the
 * model's size. Listens on the configured interface only; with an {@link SSLContext} both ends
 * authenticate each other (mutual TLS), as remoting does.
 */
public final class WeightTransport implements Closeable {

    /** Protocol magic and version of a request: "SPW" and 1. */
    private static final int MAGIC = 0x53505701;
    private static final byte OK = 0;
    private static final byte GONE = 1;
    private static final int BLOCK = 1 << 20;
    /** Socket buffers of a few blocks keep a loopback or LAN connection busy between reads. */
    private static final int SOCKET_BUFFER = 4 << 20;

    /**
     * @param host interface to listen on and to advertise
     * @param port port to listen on; 0 picks a free one
     * @param tls mutual TLS between nodes, or null for plain TCP
     */
    public record Settings(String host, int port, SSLContext tls) {
        public static final Settings LOOPBACK = new Settings("127.0.0.1", 0, null);
    }

    private final Settings settings;
    private final ServerSocket server;
    private final ExecutorService threads = Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "sppo4j-weight-transport");
        thread.setDaemon(true);
        return thread;
    });
    private final AtomicReference<WeightSnapshot> served = new AtomicReference<>();

    /** Listens as {@code settings} say, or fails naming the address it could not listen on. */
    public static WeightTransport open(Settings settings) {
        try {
            return new WeightTransport(settings);
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "cannot listen for weight transfers on " + settings.host() + ":" + settings.port(), e);
        }
    }

    public WeightTransport(Settings settings) throws IOException {
        this.settings = settings;
        ServerSocketFactory factory =
                settings.tls() == null ? ServerSocketFactory.getDefault() : settings.tls().getServerSocketFactory();
        this.server = factory.createServerSocket();
        if (server instanceof SSLServerSocket secure) {
            secure.setNeedClientAuth(true);
        }
        server.setReceiveBufferSize(SOCKET_BUFFER);
        server.bind(new InetSocketAddress(InetAddress.getByName(settings.host()), settings.port()));
        threads.submit(this::accept);
    }

    /** Where peers connect to fetch what this node serves. */
    public String host() {
        return settings.host();
    }

    public int port() {
        return server.getLocalPort();
    }

    /**
     * From now on, requests for this snapshot's version are answered (older ones are gone). The
     * transport keeps a handle of its own on the version while it serves it.
     */
    public void serve(WeightSnapshot snapshot) {
        WeightSnapshot previous = served.getAndSet(snapshot.retain());
        if (previous != null) {
            previous.close(); // transfers still sending it hold handles of their own
        }
    }

    /** A fetch under way; cancelling it closes its connection, which ends it through {@code failed}. */
    public interface Transfer {
        void cancel();
    }

    /**
     * Reads a version from a peer into {@code into}, on a thread of its own, from the first byte
     * not yet received. Exactly one of the callbacks is called.
     */
    public Transfer fetch(String host, int port, SnapshotAssembly into, Runnable complete, Consumer<String> failed) {
        AtomicReference<Socket> open = new AtomicReference<>();
        AtomicReference<Boolean> cancelled = new AtomicReference<>(false);
        threads.submit(() -> {
            SocketFactory factory = settings.tls() == null ? SocketFactory.getDefault() : settings.tls().getSocketFactory();
            try (Socket socket = factory.createSocket()) {
                open.set(socket);
                if (cancelled.get()) {
                    return;
                }
                socket.setReceiveBufferSize(SOCKET_BUFFER);
                socket.connect(new InetSocketAddress(host, port), 10_000);
                DataOutputStream out = new DataOutputStream(new BufferedOutputStream(socket.getOutputStream()));
                out.writeInt(MAGIC);
                out.writeLong(into.version());
                out.writeLong(into.bytesReceived());
                out.flush();
                DataInputStream in = new DataInputStream(new BufferedInputStream(socket.getInputStream(), BLOCK));
                if (in.readByte() != OK) {
                    failed.accept("v" + into.version() + " is no longer served by " + host + ":" + port);
                    return;
                }
                long total = in.readLong();
                if (total != into.totalBytes()) {
                    failed.accept("v" + into.version() + " has " + total + " bytes at its source, the offer said "
                            + into.totalBytes());
                    return;
                }
                into.readFrom(in);
                complete.run();
            } catch (IOException | RuntimeException e) {
                failed.accept("fetching v" + into.version() + " from " + host + ":" + port + " failed: " + e);
            }
        });
        return () -> {
            cancelled.set(true);
            Socket socket = open.get();
            if (socket != null) {
                try {
                    socket.close(); // a blocked read ends with an exception: the fetch is over
                } catch (IOException ignored) {
                    // already closed
                }
            }
        };
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                threads.submit(() -> answer(socket));
            } catch (SocketException closed) {
                return;
            } catch (IOException e) {
                // One bad connection must not stop the server.
            }
        }
    }

    private void answer(Socket socket) {
        try (socket) {
            socket.setSendBufferSize(SOCKET_BUFFER);
            DataInputStream in = new DataInputStream(socket.getInputStream());
            if (in.readInt() != MAGIC) {
                return; // not a weight request: hang up without answering
            }
            long version = in.readLong();
            long offset = in.readLong();
            WeightSnapshot current = served.get();
            // A handle of this transfer's own: the version may be replaced (and its memory freed) meanwhile.
            try (WeightSnapshot snapshot = current == null ? null : current.tryRetain()) {
                DataOutputStream out = new DataOutputStream(new BufferedOutputStream(socket.getOutputStream(), 1 << 16));
                if (snapshot == null || snapshot.version() != version) {
                    out.writeByte(GONE);
                    out.flush();
                    return;
                }
                out.writeByte(OK);
                out.writeLong(SnapshotHeader.of(snapshot).totalBytes());
                out.flush();
                writeFrom(snapshot, offset, socket.getOutputStream());
            }
        } catch (EOFException | SocketException hungUp) {
            // The reader went away (it moved on to a newer version, or its node stopped).
        } catch (IOException e) {
            // Nothing to tell: the reader notices and asks again.
        }
    }

    /** The tensors' bytes from {@code offset} on, copied from native memory one bounded chunk at a time. */
    private static void writeFrom(WeightSnapshot snapshot, long offset, OutputStream out) throws IOException {
        byte[] chunk = new byte[BLOCK];
        long position = 0;
        for (NamedTensor tensor : snapshot.tensors()) {
            ByteBuffer bytes = tensor.bytes();
            long end = position + bytes.capacity();
            if (end > offset) {
                bytes.position((int) Math.max(0, offset - position));
                while (bytes.hasRemaining()) {
                    int length = Math.min(chunk.length, bytes.remaining());
                    bytes.get(chunk, 0, length);
                    out.write(chunk, 0, length);
                }
            }
            position = end;
        }
        out.flush();
    }

    @Override
    public void close() throws IOException {
        server.close();
        threads.shutdownNow();
        WeightSnapshot last = served.getAndSet(null);
        if (last != null) {
            last.close();
        }
    }
}
