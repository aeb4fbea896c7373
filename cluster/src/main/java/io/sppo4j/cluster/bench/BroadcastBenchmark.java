package io.sppo4j.cluster.bench;

import com.typesafe.config.Config;
import io.sppo4j.actors.WeightCache;
import io.sppo4j.cluster.node.NodeSettings;
import io.sppo4j.cluster.serialization.ControlPlaneRegistry;
import io.sppo4j.model.weights.NamedTensor;
import io.sppo4j.model.weights.TensorDType;
import io.sppo4j.model.weights.TensorEncoding;
import io.sppo4j.model.weights.WeightSnapshot;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * How fast a weight version reaches other nodes: one node's cache publishes a snapshot of the
 * given size and the caches of N nodes on loopback fetch it, exactly as in training (the offer
 * through remoting, the bytes over the source's transfer connection). In the same run the same
 * bytes go over plain loopback sockets to N readers, the limit the transfer should approach.
 */
public final class BroadcastBenchmark {

    /** Every node of the benchmark has the same role: holding weights. */
    private static final String ROLE = "rollout";

    private final Config settings;
    private final WeightCache.Settings weights;

    public BroadcastBenchmark(Config settings, WeightCache.Settings weights) {
        this.settings = settings;
        this.weights = weights;
    }

    public Map<String, Object> run(int megabytes, int nodes, int repeats, Consumer<String> progress) throws Exception {
        long bytes = (long) megabytes << 20;
        List<Long> latenciesNanos = new ArrayList<>();
        List<ActorSystem<Void>> systems = new ArrayList<>();
        double[] rawSeconds = new double[repeats];
        Map<Long, Map<Integer, Long>> arrivals = new ConcurrentHashMap<>();
        try {
            int seedPort = LoopbackPorts.free();
            ActorRef<WeightCache.Command> source = null;
            for (int node = 0; node <= nodes; node++) {
                int port = node == 0 ? seedPort : LoopbackPorts.free();
                int id = node;
                ActorRef<WeightCache.Command>[] cache = new ActorRef[1];
                CountDownLatch spawned = new CountDownLatch(1);
                systems.add(ActorSystem.create(
                        node(id, arrivals, cache, spawned),
                        NodeSettings.SYSTEM_NAME,
                        NodeSettings.of(settings, Set.of(ROLE), port, List.of("127.0.0.1:" + seedPort),
                                ControlPlaneRegistry.registrationFingerprint())));
                spawned.await(30, TimeUnit.SECONDS);
                if (node == 0) {
                    source = cache[0];
                }
            }
            // Warm up the connections (and the JIT) with a small and a full-size version.
            long version = 1;
            publishAndWait(source, snapshot(1 << 20, version), nodes, arrivals, Duration.ofMinutes(2));
            progress.accept("connected " + nodes + " nodes");
            publishAndWait(source, snapshot(bytes, ++version), nodes, arrivals, Duration.ofMinutes(5));
            progress.accept("warm-up transfer done");
            // Each timed version is followed by a plain socket copy of the same bytes, so that
            // whatever else the machine does at the time weighs on both alike.
            byte[][] destinations = new byte[nodes][Math.toIntExact(bytes)];
            rawCopySeconds(snapshot(bytes, version).tensors(), destinations); // warm-up, as for the caches
            for (int r = 0; r < repeats; r++) {
                WeightSnapshot snapshot = snapshot(bytes, ++version);
                // Four nodes share this JVM's heap, where each would have its own: collect the
                // versions they dropped now rather than in the middle of a timed transfer.
                System.gc();
                long started = System.nanoTime();
                publishAndWait(source, snapshot, nodes, arrivals, Duration.ofMinutes(5));
                for (long arrived : arrivals.get(version).values()) {
                    latenciesNanos.add(arrived - started);
                }
                System.gc();
                rawSeconds[r] = rawCopySeconds(snapshot.tensors(), destinations);
                progress.accept(String.format(java.util.Locale.ROOT,
                        "run %d/%d: slowest node %.0f ms; raw socket copy %.0f ms", r + 1, repeats,
                        arrivals.get(version).values().stream().mapToLong(t -> t - started).max().orElse(0) / 1e6,
                        1e3 * rawSeconds[r]));
            }
        } finally {
            for (ActorSystem<Void> system : systems) {
                system.terminate();
            }
            for (ActorSystem<Void> system : systems) {
                system.getWhenTerminated().toCompletableFuture().get(60, TimeUnit.SECONDS);
            }
        }
        long[] sorted = latenciesNanos.stream().mapToLong(Long::longValue).sorted().toArray();
        double p50 = percentile(sorted, 0.50) / 1e6;
        double p99 = percentile(sorted, 0.99) / 1e6;
        double perNode = megabytes / (p50 / 1e3);
        double raw = megabytes / median(rawSeconds);
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("benchmark", "broadcast");
        result.put("mb", megabytes);
        result.put("nodes", nodes);
        result.put("repeats", repeats);
        result.put("tls", weights.transport().tls() != null);
        result.put("p50_ms", p50);
        result.put("p99_ms", p99);
        result.put("mb_per_s_per_node", perNode);
        result.put("raw_tcp_mb_per_s", raw);
        result.put("ratio_to_raw", perNode / raw);
        return result;
    }

    /** A node: its weight cache and a subscriber that notes when each version arrives. */
    private Behavior<Void> node(
            int id, Map<Long, Map<Integer, Long>> arrivals, ActorRef<WeightCache.Command>[] cache, CountDownLatch spawned) {
        return Behaviors.setup(context -> {
            cache[0] = context.spawn(WeightCache.create(weights), "weight-cache");
            ActorRef<WeightCache.Update> recorder = context.spawn(Behaviors.receive(WeightCache.Update.class)
                    .onMessage(WeightCache.Update.class, update -> {
                        if (id > 0) {
                            arrivals.computeIfAbsent(update.version(), v -> new ConcurrentHashMap<>())
                                    .putIfAbsent(id, System.nanoTime());
                        }
                        return Behaviors.same();
                    })
                    .build(), "arrivals");
            cache[0].tell(new WeightCache.Subscribe(recorder));
            spawned.countDown();
            return Behaviors.empty();
        });
    }

    private static void publishAndWait(ActorRef<WeightCache.Command> source, WeightSnapshot snapshot, int nodes,
            Map<Long, Map<Integer, Long>> arrivals, Duration timeout) throws InterruptedException {
        source.tell(new WeightCache.Publish(snapshot, snapshot.version(), false));
        long deadline = System.nanoTime() + timeout.toNanos();
        while (arrivals.getOrDefault(snapshot.version(), Map.of()).size() < nodes) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("weights v" + snapshot.version() + " reached only "
                        + arrivals.getOrDefault(snapshot.version(), Map.of()).size() + " of " + nodes + " nodes in " + timeout);
            }
            Thread.sleep(2);
        }
    }

    /** {@code bytes} of pseudo-random float32 weights in 16 tensors. */
    private static WeightSnapshot snapshot(long bytes, long version) {
        int tensors = 16;
        List<NamedTensor> list = new ArrayList<>();
        SplittableRandom random = new SplittableRandom(version);
        long perTensor = bytes / tensors / 4 * 4;
        for (int t = 0; t < tensors; t++) {
            byte[] data = new byte[Math.toIntExact(perTensor)];
            for (int i = 0; i < data.length; i += 8) {
                long value = random.nextLong();
                for (int b = 0; b < 8 && i + b < data.length; b++) {
                    data[i + b] = (byte) (value >>> (8 * b));
                }
            }
            list.add(new NamedTensor("tensor." + t, TensorDType.F32, new long[] {perTensor / 4}, data));
        }
        return WeightSnapshot.of(version, TensorEncoding.FP32, list);
    }

    /**
     * Mean seconds for each of the readers to receive the tensors' bytes from a writer of its own
     * over a loopback socket into its destination array: the same bytes as the snapshot, read from
     * memory (not a block that stays in cache) and landing in memory, as the caches' do.
     */
    private static double rawCopySeconds(List<NamedTensor> tensors, byte[][] destinations) throws Exception {
        int nodes = destinations.length;
        long bytes = tensors.stream().mapToLong(NamedTensor::byteSize).sum();
        ExecutorService pool = Executors.newFixedThreadPool(2 * nodes);
        List<ServerSocket> servers = new ArrayList<>();
        try {
            List<Future<Long>> readers = new ArrayList<>();
            for (int n = 0; n < nodes; n++) {
                ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                servers.add(server);
                byte[] destination = destinations[n];
                readers.add(pool.submit(() -> {
                    try (Socket socket = server.accept(); InputStream in = socket.getInputStream()) {
                        int total = 0;
                        for (int read; total < bytes
                                && (read = in.read(destination, total, Math.min(1 << 20, (int) bytes - total))) > 0; ) {
                            total += read;
                        }
                        return System.nanoTime();
                    }
                }));
            }
            long started = System.nanoTime();
            List<Future<?>> writers = new ArrayList<>();
            for (ServerSocket server : servers) {
                writers.add(pool.submit(() -> {
                    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
                            OutputStream out = socket.getOutputStream()) {
                        byte[] chunk = new byte[1 << 20]; // as the transport: native memory to the socket in 1 MiB chunks
                        for (NamedTensor tensor : tensors) {
                            ByteBuffer data = tensor.bytes();
                            while (data.hasRemaining()) {
                                int length = Math.min(chunk.length, data.remaining());
                                data.get(chunk, 0, length);
                                out.write(chunk, 0, length);
                            }
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> writer : writers) {
                writer.get();
            }
            long[] finished = new long[nodes];
            for (int n = 0; n < nodes; n++) {
                finished[n] = readers.get(n).get() - started;
            }
            return Arrays.stream(finished).average().orElse(0) / 1e9;
        } finally {
            pool.shutdownNow();
            for (ServerSocket server : servers) {
                server.close();
            }
        }
    }

    private static double percentile(long[] sorted, double p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        return sorted[(int) Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
    }

    private static double median(double[] values) {
        double[] copy = values.clone();
        Arrays.sort(copy);
        return copy[copy.length / 2];
    }

}
