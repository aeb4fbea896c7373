package io.sppo4j.actors.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.sppo4j.actors.data.SnapshotHeader;
import io.sppo4j.model.fuzz.Fuzzing;
import io.sppo4j.model.weights.CorruptSnapshotException;
import io.sppo4j.model.weights.NamedTensor;
import io.sppo4j.model.weights.TensorDType;
import io.sppo4j.model.weights.TensorEncoding;
import io.sppo4j.model.weights.WeightSnapshot;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * The weight-transfer framing under hostile bytes, both ways: (a) a reader fetching from a
 * source that answers with generated or mutated bytes ends with exactly one of its callbacks —
 * a failure saying what went wrong, or completion whose checksum then refuses the bytes — and
 * never hangs; (b) a source sent generated or mutated requests never sends more than the
 * snapshot from the asked offset, and serves a real reader afterwards.
 */
class WeightTransportFuzzTest {

    private static final int MAGIC = 0x53505701;
    private static WeightSnapshot snapshot;
    private static WeightTransport source;
    private static WeightTransport reader;
    private static ServerSocket hostile;
    private static List<byte[]> answers;
    private static List<byte[]> requests;

    @BeforeContainer
    static void start() throws IOException {
        List<NamedTensor> tensors = new ArrayList<>();
        for (int t = 0; t < 3; t++) {
            byte[] data = new byte[64 * (t + 1)];
            for (int i = 0; i < data.length; i++) {
                data[i] = (byte) (i * 7 + t);
            }
            tensors.add(new NamedTensor("t" + t, TensorDType.F32, new long[] {data.length / 4}, data));
        }
        snapshot = WeightSnapshot.of(5, TensorEncoding.FP32, tensors);
        source = new WeightTransport(WeightTransport.Settings.LOOPBACK);
        source.serve(snapshot);
        reader = new WeightTransport(WeightTransport.Settings.LOOPBACK);
        hostile = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        ByteArrayOutputStream valid = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(valid);
        out.writeByte(0);
        out.writeLong(SnapshotHeader.of(snapshot).totalBytes());
        for (NamedTensor tensor : tensors) {
            out.write(tensor.data());
        }
        answers = List.of(valid.toByteArray(), new byte[] {1}, java.util.Arrays.copyOf(valid.toByteArray(), 40));
        requests = List.of(request(5, 0), request(5, 100), request(4, 0), request(5, 384));
    }

    @AfterContainer
    static void stop() throws IOException {
        hostile.close();
        source.close();
        reader.close();
    }

    @Property(tries = 1_500)
    void aReaderGivenBadBytesFailsOnceAndNamesWhy(@ForAll("answerBytes") byte[] answer) throws Exception {
        SnapshotAssembly assembly = new SnapshotAssembly(SnapshotHeader.of(snapshot));
        CompletableFuture<String> outcome = new CompletableFuture<>();
        List<String> calls = new java.util.concurrent.CopyOnWriteArrayList<>();
        CompletableFuture<Void> server = CompletableFuture.runAsync(() -> answerOnce(answer));
        reader.fetch("127.0.0.1", hostile.getLocalPort(), assembly, () -> {
            calls.add("complete");
            outcome.complete("complete");
        }, reason -> {
            calls.add(reason);
            outcome.complete(reason);
        });
        String result;
        try {
            result = outcome.get(Fuzzing.HANG.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError("the reader hung on " + answer.length + " bytes");
        }
        server.get(Fuzzing.HANG.toMillis(), TimeUnit.MILLISECONDS);
        Thread.sleep(1);
        assertEquals(1, calls.size(), "exactly one callback: " + calls);
        if (result.equals("complete")) {
            try {
                assertEquals(snapshot, assembly.snapshot(), "a completed transfer holds exactly the served bytes");
            } catch (CorruptSnapshotException refused) {
                assertTrue(refused.getMessage().contains("checksum"), refused.getMessage());
            }
        } else {
            assertFalse(result.isBlank());
            assertTrue(assembly.bytesReceived() <= assembly.totalBytes());
        }
    }

    @Property(tries = 1_500)
    void aSourceGivenBadRequestsSendsNoMoreThanItHas(@ForAll("requestBytes") byte[] request) throws Exception {
        long total = SnapshotHeader.of(snapshot).totalBytes();
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), source.port())) {
            socket.setSoTimeout((int) Fuzzing.HANG.toMillis());
            socket.getOutputStream().write(request);
            socket.shutdownOutput(); // a short request ends here rather than waiting for more
            long received = socket.getInputStream().readAllBytes().length;
            assertTrue(received <= 1 + 8 + total, received + " bytes answered, the snapshot has " + total);
        } catch (java.net.SocketTimeoutException e) {
            fail("the source hung on a " + request.length + "-byte request");
        }
    }

    /** After everything above, the source still serves a real reader the exact snapshot. */
    @Example
    void theSourceStillServesAfterHostileRequests() throws Exception {
        SnapshotAssembly assembly = new SnapshotAssembly(SnapshotHeader.of(snapshot));
        CompletableFuture<String> outcome = new CompletableFuture<>();
        reader.fetch("127.0.0.1", source.port(), assembly, () -> outcome.complete("done"), outcome::complete);
        assertEquals("done", outcome.get(30, TimeUnit.SECONDS));
        assertEquals(snapshot, assembly.snapshot());
    }

    /** Accepts one connection, reads the request, answers {@code answer}, and hangs up. */
    private static void answerOnce(byte[] answer) {
        try (Socket socket = hostile.accept()) {
            socket.setSoTimeout((int) Fuzzing.HANG.toMillis());
            InputStream in = socket.getInputStream();
            in.readNBytes(20);
            OutputStream out = socket.getOutputStream();
            out.write(answer);
            out.flush();
        } catch (IOException e) {
            // The reader may hang up first (it refused what it read): nothing to do.
        }
    }

    private static byte[] request(long version, long offset) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt(MAGIC);
        out.writeLong(version);
        out.writeLong(offset);
        return bytes.toByteArray();
    }

    @Provide
    Arbitrary<byte[]> answerBytes() {
        return Fuzzing.bytesAround(answers, 1024);
    }

    @Provide
    Arbitrary<byte[]> requestBytes() {
        return Fuzzing.bytesAround(requests, 64);
    }
}
