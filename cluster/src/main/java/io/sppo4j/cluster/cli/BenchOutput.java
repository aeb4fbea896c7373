package io.sppo4j.cluster.cli;

import io.sppo4j.model.checkpoint.DurableFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The working directory of a cluster benchmark: emptied first, so no old checkpoint resumes into the run. */
final class BenchOutput {

    private BenchOutput() {}

    static void freshDirectory(Path out) throws IOException {
        DurableFiles.deleteRecursively(out);
        Files.createDirectories(out);
    }
}
