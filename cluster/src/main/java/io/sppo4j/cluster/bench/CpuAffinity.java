package io.sppo4j.cluster.bench;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** Pins processes to cores with util-linux {@code taskset}, so measured phases do not share a core. */
final class CpuAffinity {

    private CpuAffinity() {}

    /** Whether {@code taskset} is available (Linux); without it the benchmark cannot isolate cores. */
    static boolean available() {
        try {
            return new ProcessBuilder("taskset", "--version").redirectErrorStream(true).start().waitFor() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Pins every thread of this JVM (and threads it starts later) to {@code cores}, e.g. "0" or "0,1". */
    static void pinSelf(String cores) throws IOException, InterruptedException {
        long pid = ProcessHandle.current().pid();
        Process taskset = new ProcessBuilder("taskset", "-a", "-p", "-c", cores, Long.toString(pid))
                .redirectErrorStream(true).start();
        String output = new String(taskset.getInputStream().readAllBytes());
        if (taskset.waitFor() != 0) {
            throw new IOException("taskset failed to pin pid " + pid + " to cores " + cores + ": " + output);
        }
    }

    /** {@code command} prefixed so that it runs on {@code cores} only. */
    static List<String> pinned(String cores, List<String> command) {
        List<String> full = new ArrayList<>(List.of("taskset", "-c", cores));
        full.addAll(command);
        return full;
    }
}
