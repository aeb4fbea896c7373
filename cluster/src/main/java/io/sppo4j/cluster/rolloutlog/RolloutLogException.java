package io.sppo4j.cluster.rolloutlog;

import java.nio.file.Path;

/** A rollout log file that cannot be read at a given record: truncated, damaged, or too new. */
public final class RolloutLogException extends RuntimeException {

    private final Path file;
    private final long record;

    /**
     * @param file the log file
     * @param record the 1-based number of the record that failed
     * @param offset the byte offset in the file where that record starts
     */
    public RolloutLogException(Path file, long record, long offset, String problem, Throwable cause) {
        super(file + ": record " + record + " (at byte " + offset + "): " + problem, cause);
        this.file = file;
        this.record = record;
    }

    public Path file() {
        return file;
    }

    /** The 1-based number of the record that failed. */
    public long record() {
        return record;
    }
}
