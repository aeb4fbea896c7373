package io.sppo4j.cluster.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs a command of this same program in a child JVM with the heap a benchmark needs, since a
 * JVM cannot resize or pre-touch its own heap once started. Output goes to the parent's console.
 */
public final class ChildJvm {

    private ChildJvm() {}

    /**
     * @param jvmFlags e.g. {@code -Xms4g}
     * @param args the CLI arguments of the child
     * @return the child's exit code
     */
    public static int run(List<String> jvmFlags, List<String> args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmFlags);
        command.add("-Dai.djl.offline=true");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add("io.sppo4j.cluster.cli.SppoCli");
        command.addAll(args);
        return new ProcessBuilder(command).inheritIO().start().waitFor();
    }

    /**
     * A fixed heap of about {@code bytes} (at most 70% of the machine's memory), committed and
     * touched at start: a node that receives large weights every few seconds would otherwise
     * spend its time taking fresh memory from the operating system, page by page.
     */
    public static List<String> preTouchedHeap(long bytes) {
        long physical = ((com.sun.management.OperatingSystemMXBean)
                java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getTotalMemorySize();
        long megabytes = Math.max(512, Math.min(bytes, physical * 7 / 10) >> 20);
        return List.of("-Xms" + megabytes + "m", "-Xmx" + megabytes + "m", "-XX:+AlwaysPreTouch", "-XX:+UseParallelGC");
    }
}
