package io.sppo4j.cluster.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Ports for the nodes a benchmark or a test starts on this machine, chosen before the nodes bind
 * them. Asking the kernel for port 0 and closing it is racy twice over: the kernel hands the
 * same number out again (to the next such call, or as the local port of an outgoing connection)
 * before the slow-starting node binds it. So ports come from below the kernel's ephemeral range,
 * which it never gives out by itself, and this JVM never hands out one twice.
 */
public final class LoopbackPorts {

    /** Lowest port handed out; above the well-known and most registered service ports. */
    private static final int LOWEST = 20_000;
    /** Linux's default start of the ephemeral range, where /proc does not say. */
    private static final int DEFAULT_EPHEMERAL_START = 32_768;

    private static final Set<Integer> HANDED_OUT = new HashSet<>();
    private static int cursor = -1;

    private LoopbackPorts() {}

    /** A port nothing listens on now on the loopback interface and this JVM has not handed out. */
    public static synchronized int free() throws IOException {
        int highest = ephemeralStart() - 1;
        int span = highest - LOWEST + 1;
        if (cursor < 0) {
            // Another JVM doing the same starts elsewhere in the range.
            cursor = ThreadLocalRandom.current().nextInt(span);
        }
        for (int tried = 0; tried < span; tried++) {
            int port = LOWEST + Math.floorMod(cursor++, span);
            if (HANDED_OUT.contains(port)) {
                continue;
            }
            try (ServerSocket probe = new ServerSocket()) {
                probe.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            } catch (IOException inUse) {
                continue;
            }
            HANDED_OUT.add(port);
            return port;
        }
        throw new IOException("no free loopback port in " + LOWEST + ".." + highest);
    }

    /** The first port of the kernel's ephemeral range ({@code ip_local_port_range}). */
    private static int ephemeralStart() {
        try {
            String range = Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).trim();
            int start = Integer.parseInt(range.split("\\s+")[0]);
            return start > LOWEST + 1_000 ? start : DEFAULT_EPHEMERAL_START;
        } catch (IOException | RuntimeException unknown) {
            return DEFAULT_EPHEMERAL_START;
        }
    }
}
