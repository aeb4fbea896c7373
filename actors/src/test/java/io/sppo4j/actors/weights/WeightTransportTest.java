package io.sppo4j.actors.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sppo4j.actors.data.SnapshotHeader;
import io.sppo4j.model.weights.NamedTensor;
import io.sppo4j.model.weights.TensorDType;
import io.sppo4j.model.weights.TensorEncoding;
import io.sppo4j.model.weights.WeightSnapshot;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Weight bytes over a transfer connection: complete, resumed after a break, refused when gone. */
class WeightTransportTest {

    @Test
    void aVersionArrivesBitExact() throws Exception {
        WeightSnapshot snapshot = snapshot(3, 5_000_000);
        try (WeightTransport source = new WeightTransport(WeightTransport.Settings.LOOPBACK);
                WeightTransport reader = new WeightTransport(WeightTransport.Settings.LOOPBACK)) {
            source.serve(snapshot);
            SnapshotAssembly assembly = new SnapshotAssembly(SnapshotHeader.of(snapshot));
            assertEquals("done", fetch(reader, source.port(), assembly));
            assertEquals(snapshot, assembly.snapshot());
        }
    }

    @Test
    void anInterruptedTransferResumesWhereItStopped() throws Exception {
        WeightSnapshot snapshot = snapshot(4, 3_000_000);
        SnapshotAssembly assembly = new SnapshotAssembly(SnapshotHeader.of(snapshot));
        long half = assembly.totalBytes() / 2;
        try (ServerSocket broken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                WeightTransport reader = new WeightTransport(WeightTransport.Settings.LOOPBACK)) {
            CompletableFuture<Void> server = CompletableFuture.runAsync(() -> breakHalfWay(broken, snapshot, half));
            String outcome = fetch(reader, broken.getLocalPort(), assembly);
            server.get(30, TimeUnit.SECONDS);
            assertTrue(outcome.contains("failed"), outcome);
            assertTrue(assembly.bytesReceived() > 0 && assembly.bytesReceived() <= half,
                    "kept " + assembly.bytesReceived() + " bytes of a half transfer");
            try (WeightTransport source = new WeightTransport(WeightTransport.Settings.LOOPBACK)) {
                source.serve(snapshot);
                assertEquals("done", fetch(reader, source.port(), assembly));
            }
        }
        assertEquals(snapshot, assembly.snapshot(), "the resumed bytes complete the same snapshot");
    }

    @Test
    void aVersionNoLongerServedIsReportedGone() throws Exception {
        try (WeightTransport source = new WeightTransport(WeightTransport.Settings.LOOPBACK);
                WeightTransport reader = new WeightTransport(WeightTransport.Settings.LOOPBACK)) {
            source.serve(snapshot(9, 1_000));
            SnapshotAssembly older = new SnapshotAssembly(SnapshotHeader.of(snapshot(8, 1_000)));
            String outcome = fetch(reader, source.port(), older);
            assertTrue(outcome.contains("no longer served"), outcome);
        }
    }

    private static String fetch(WeightTransport reader, int port, SnapshotAssembly into) throws Exception {
        CompletableFuture<String> outcome = new CompletableFuture<>();
        reader.fetch("127.0.0.1", port, into, () -> outcome.complete("done"), outcome::complete);
        return outcome.get(60, TimeUnit.SECONDS);
    }

    /** Answers one request like a source, sends {@code bytes} of the data, then drops the connection. */
    private static void breakHalfWay(ServerSocket server, WeightSnapshot snapshot, long bytes) {
        try (Socket socket = server.accept()) {
            DataInputStream in = new DataInputStream(socket.getInputStream());
            in.readInt();
            in.readLong();
            in.readLong();
            DataOutputStream out = new DataOutputStream(socket.getOutputStream());
            out.writeByte(0);
            out.writeLong(SnapshotHeader.of(snapshot).totalBytes());
            long sent = 0;
            for (NamedTensor tensor : snapshot.tensors()) {
                int length = (int) Math.min(tensor.data().length, bytes - sent);
                out.write(tensor.data(), 0, length);
                sent += length;
                if (sent >= bytes) {
                    break;
                }
            }
            out.flush();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Three tensors of random bytes, {@code bytes} in all. */
    private static WeightSnapshot snapshot(long version, int bytes) {
        SplittableRandom random = new SplittableRandom(version);
        List<NamedTensor> tensors = new ArrayList<>();
        int each = bytes / 3 / 4 * 4;
        for (int t = 0; t < 3; t++) {
            byte[] data = new byte[each];
            for (int i = 0; i < data.length; i++) {
                data[i] = (byte) random.nextInt();
            }
            tensors.add(new NamedTensor("t" + t, TensorDType.F32, new long[] {each / 4}, data));
        }
        return WeightSnapshot.of(version, TensorEncoding.FP32, tensors);
    }
}
