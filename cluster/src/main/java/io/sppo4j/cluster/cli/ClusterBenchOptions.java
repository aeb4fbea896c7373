package io.sppo4j.cluster.cli;

import com.typesafe.config.Config;
import io.sppo4j.model.checkpoint.DurableFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * What the benchmarks that start {@code sppo node} processes share: the README's cluster
 * profile ({@code config/cluster.conf}, from the seed's initial weights, so no SFT is needed),
 * a working directory emptied first (no old checkpoint resumes into the run), and the JSON line.
 */
final class ClusterBenchOptions {

    @Mixin
    ConfigOptions configOptions = new ConfigOptions();

    @Option(names = "--out", paramLabel = "DIR",
            description = "Working directory: the nodes' logs and checkpoints (default runs/bench-NAME).")
    Path out;

    @Option(names = "--json", description = "Print the JSON summary as the last stdout line.")
    boolean json;

    Config settings() {
        return configOptions.loadOver("config/cluster.conf", "sppo4j.node.reference=init",
                "sppo4j.rollout-log.directory=\"\"");
    }

    /** {@code --out} (or {@code runs/bench-NAME}), emptied and created. */
    Path freshOut(String bench) throws IOException {
        Path directory = out != null ? out : Path.of("runs", "bench-" + bench);
        DurableFiles.deleteRecursively(directory);
        Files.createDirectories(directory);
        return directory;
    }

    void print(Map<String, Object> result) {
        if (json) {
            System.out.println(Json.line(result));
        }
    }
}
