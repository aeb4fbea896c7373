package io.sppo4j.model.checkpoint;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A checkpoint file that cannot be trusted: missing, truncated, failing its checksum, or not
 * the format it claims. The message starts with the file's path and says what is wrong, e.g.
 * {@code .../model.safetensors: truncated: header says data ends at byte 123456 but the file has
 * 1000 bytes}. An {@link IOException}, so callers that handle I/O failures handle this too.
 */
public class CorruptCheckpointException extends IOException {

    private final transient Path file;

    public CorruptCheckpointException(Path file, String problem) {
        super(file + ": " + problem);
        this.file = file;
    }

    public CorruptCheckpointException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
        this.file = file;
    }

    /** The file found wanting. */
    public Path file() {
        return file;
    }
}
