package io.sppo4j.cluster.node;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Hosts on a network of their own, inside this machine: one Linux network namespace per host,
 * each plugged by a veth pair into a bridge of a "switch" namespace, so the hosts reach one
 * another only over that bridge. Cutting the network moves some hosts' ports to a second bridge
 * (both sides stay alive and keep their sockets; packets across the cut just vanish), and
 * healing moves them back. Every host also has a point-to-point management link to this (the
 * test's) namespace, which the cut never touches, so the test can read every node's metrics
 * on both sides of a partition; the root namespace does not forward between those links.
 *
 * <p>Names carry this JVM's process id ({@code sppo4j-PID-...}); at start, namespaces and links
 * of a run whose process is gone (a killed test) are removed with the processes inside them.
 * Needs root and iproute2 ({@code ip netns}).
 */
final class NetworkNamespaces implements AutoCloseable {

    private static final String PREFIX = "sppo4j-";
    private static final Pattern OURS = Pattern.compile("sppo4j-(\\d+)-\\w+");
    private static final Pattern LINK = Pattern.compile("^\\d+: (sp(\\d+)m\\d+)[@:]", Pattern.MULTILINE);
    /** Environment variable (or system property sppo4j.netns) that turns a missing ip netns into a reported skip. */
    static final String OPT_OUT = "SPPO4J_NETNS";

    private final long pid = ProcessHandle.current().pid();
    private final int hosts;
    private final List<String> created = new ArrayList<>();
    private final List<String> links = new ArrayList<>();
    /** Removes the hosts if the JVM is stopped before the test's own clean-up runs (SIGKILL leaves them for the next run). */
    private final Thread onExit = new Thread(this::closeQuietly, "network-namespaces-cleanup");

    /** Builds {@code hosts} hosts on one bridge; hosts count from 1. */
    NetworkNamespaces(int hosts) throws IOException, InterruptedException {
        this.hosts = hosts;
        Runtime.getRuntime().addShutdownHook(onExit);
        try {
            ip("netns", "add", switchName());
            created.add(switchName());
            for (String bridge : List.of("br0", "br1")) {
                ip("-n", switchName(), "link", "add", bridge, "type", "bridge");
                ip("-n", switchName(), "link", "set", bridge, "up");
            }
            for (int host = 1; host <= hosts; host++) {
                String name = hostName(host);
                ip("netns", "add", name);
                created.add(name);
                ip("-n", name, "link", "set", "lo", "up");
                ip("link", "add", "data0", "netns", name, "type", "veth", "peer", "name", port(host), "netns", switchName());
                ip("-n", switchName(), "link", "set", port(host), "master", "br0");
                ip("-n", switchName(), "link", "set", port(host), "up");
                ip("-n", name, "addr", "add", dataAddress(host) + "/24", "dev", "data0");
                ip("-n", name, "link", "set", "data0", "up");
                String link = "sp" + pid + "m" + host;
                ip("link", "add", link, "type", "veth", "peer", "name", "mgmt0", "netns", name);
                links.add(link);
                ip("addr", "add", "10." + managementOctet() + "." + host + ".1/30", "dev", link);
                ip("link", "set", link, "up");
                ip("-n", name, "addr", "add", managementAddress(host) + "/30", "dev", "mgmt0");
                ip("-n", name, "link", "set", "mgmt0", "up");
            }
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    /**
     * Whether this machine can build the hosts: root with a working {@code ip netns}. Returns
     * null if so, else why not.
     */
    static String unavailable() throws InterruptedException {
        String probe = PREFIX + ProcessHandle.current().pid() + "-probe";
        try {
            ip("netns", "add", probe);
            ip("netns", "delete", probe);
            return null;
        } catch (IOException e) {
            return "cannot create a network namespace (needs root and iproute2): " + e.getMessage();
        }
    }

    /** Whether the user asked for a missing {@code ip netns} to be reported as a skip rather than a failure. */
    static boolean optedOut() {
        return "skip".equals(System.getenv(OPT_OUT)) || "skip".equals(System.getProperty("sppo4j.netns"));
    }

    /**
     * Removes what an earlier run left behind when it was killed: its namespaces (after killing
     * the processes still inside them) and its management links. Returns what it removed.
     */
    static List<String> removeLeftovers() throws IOException, InterruptedException {
        List<String> removed = new ArrayList<>();
        for (String line : ip("netns", "list").split("\n")) {
            Matcher name = OURS.matcher(line.trim().split(" ")[0]);
            if (name.matches() && ProcessHandle.of(Long.parseLong(name.group(1))).isEmpty()) {
                for (String process : ip("netns", "pids", name.group()).split("\\s+")) {
                    if (!process.isBlank()) {
                        ProcessHandle.of(Long.parseLong(process)).ifPresent(ProcessHandle::destroyForcibly);
                    }
                }
                ip("netns", "delete", name.group());
                removed.add(name.group());
            }
        }
        Matcher link = LINK.matcher(ip("-o", "link", "show"));
        while (link.find()) {
            if (ProcessHandle.of(Long.parseLong(link.group(2))).isEmpty()) {
                ip("link", "delete", link.group(1));
                removed.add(link.group(1));
            }
        }
        return removed;
    }

    /** The command prefix that runs a program on {@code host}. */
    List<String> exec(int host) {
        return List.of("ip", "netns", "exec", hostName(host));
    }

    /** Where {@code host}'s cluster traffic goes (the bridged network). */
    String dataAddress(int host) {
        return "10.77.0." + (10 + host);
    }

    /** Where the test reaches {@code host} (its management link, never cut). */
    String managementAddress(int host) {
        return "10." + managementOctet() + "." + host + ".2";
    }

    /** Cuts {@code side} off from the other hosts: each side still reaches its own hosts. */
    void partition(Collection<Integer> side) throws IOException, InterruptedException {
        for (int host : side) {
            ip("-n", switchName(), "link", "set", port(host), "master", "br1");
        }
    }

    /** Every host back on one network. */
    void heal() throws IOException, InterruptedException {
        for (int host = 1; host <= hosts; host++) {
            ip("-n", switchName(), "link", "set", port(host), "master", "br0");
        }
    }

    private void closeQuietly() {
        try {
            close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Kills whatever still runs in the hosts, then removes the namespaces and links. */
    @Override
    public synchronized void close() throws InterruptedException {
        if (Thread.currentThread() != onExit) {
            try {
                Runtime.getRuntime().removeShutdownHook(onExit);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs (or ran) already
            }
        }
        for (String name : created) {
            try {
                for (String process : ip("netns", "pids", name).split("\\s+")) {
                    if (!process.isBlank()) {
                        ProcessHandle.of(Long.parseLong(process)).ifPresent(ProcessHandle::destroyForcibly);
                    }
                }
                ip("netns", "delete", name);
            } catch (IOException e) {
                System.err.println("could not remove network namespace " + name + ": " + e.getMessage());
            }
        }
        for (String link : links) {
            try {
                ip("link", "delete", link);
            } catch (IOException gone) {
                // Deleting a host's namespace took its end of the pair, and the pair with it.
            }
        }
        created.clear();
        links.clear();
    }

    private String switchName() {
        return PREFIX + pid + "-sw";
    }

    private String hostName(int host) {
        return PREFIX + pid + "-h" + host;
    }

    private static String port(int host) {
        return "s" + host;
    }

    /** Management subnets differ between concurrent runs (10.200-249.HOST.0/30). */
    private int managementOctet() {
        return 200 + (int) (pid % 50);
    }

    /** Runs {@code ip ARGS} with a 10 s limit; its stdout, or an IOException with its stderr. */
    private static String ip(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("ip"));
        command.addAll(List.of(args));
        Process process;
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new IOException("cannot run ip (iproute2): " + e.getMessage(), e);
        }
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IOException(String.join(" ", command) + " did not finish within 10 s");
        }
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (process.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + ": " + output.strip());
        }
        return output;
    }
}
