package io.sppo4j.cluster.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The prompt file of the eval tests: three raw prompts and three chat prompts (rendered through the policy's template). */
final class EvalPrompts {

    private EvalPrompts() {}

    /** {@code dir/prompts.jsonl}, written on first use. */
    static Path in(Path dir) throws IOException {
        Path file = dir.resolve("prompts.jsonl");
        if (!Files.exists(file)) {
            Files.writeString(file, String.join("\n",
                    "{\"prompt\": \"hello world\"}",
                    "{\"prompt\": \"sort 3 1 2\"}",
                    "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}",
                    "{\"messages\": [{\"role\": \"system\", \"content\": \"be brief\"}, {\"role\": \"user\", \"content\": \"hello\"}]}",
                    "{\"prompt\": \"world\"}",
                    "{\"messages\": [{\"role\": \"user\", \"content\": \"what is 2 + 2?\"}]}") + "\n");
        }
        return file;
    }
}
