package io.sppo4j.cluster.deploy;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** What a Dockerfile's runtime stage runs: its exec-form ENTRYPOINT and CMD, and what it copies. */
public record ImageEntryPoint(List<String> entrypoint, List<String> command, List<String> copies) {

    public static final Path DOCKERFILE = Manifests.ROOT.resolve("Dockerfile");

    /** The GPU image: the lean jar on PyTorch's CUDA runtime image. */
    public static final Path CUDA_DOCKERFILE = Manifests.ROOT.resolve("Dockerfile.cuda");

    public static ImageEntryPoint read() throws IOException {
        return read(DOCKERFILE);
    }

    public static ImageEntryPoint read(Path dockerfile) throws IOException {
        List<String> entrypoint = null;
        List<String> command = List.of();
        List<String> copies = new ArrayList<>();
        ObjectMapper json = new ObjectMapper();
        for (String line : Files.readAllLines(dockerfile)) {
            String trimmed = line.strip();
            if (trimmed.startsWith("ENTRYPOINT ")) {
                entrypoint = json.readValue(trimmed.substring("ENTRYPOINT ".length()), new TypeReference<List<String>>() {});
            } else if (trimmed.startsWith("CMD ")) {
                command = json.readValue(trimmed.substring("CMD ".length()), new TypeReference<List<String>>() {});
            } else if (trimmed.startsWith("COPY ")) {
                copies.add(trimmed.substring("COPY ".length()));
            }
        }
        if (entrypoint == null) {
            throw new IllegalStateException(dockerfile + " has no exec-form ENTRYPOINT");
        }
        return new ImageEntryPoint(entrypoint, command, copies);
    }

    /** The path of the jar the entry point runs ({@code java ... -jar JAR ...}). */
    public String jar() {
        return entrypoint.get(entrypoint.indexOf("-jar") + 1);
    }

    /** The CLI arguments the entry point passes before the container's own (after the jar). */
    public List<String> arguments() {
        return entrypoint.subList(entrypoint.indexOf("-jar") + 2, entrypoint.size());
    }
}
