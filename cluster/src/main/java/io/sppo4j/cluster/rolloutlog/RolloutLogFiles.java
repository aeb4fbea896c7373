package io.sppo4j.cluster.rolloutlog;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Names of the rollout log's files: {@code rollouts-000001.pb}, {@code rollouts-000002.pb}, …
 * in write order, so a directory listing sorted by name is the log in order. Six digits at 1 MiB
 * per file are a terabyte before the names stop sorting as numbers; numbering continues beyond.
 */
public final class RolloutLogFiles {

    private static final Pattern NAME = Pattern.compile("rollouts-(\\d{6,})\\.pb");

    private RolloutLogFiles() {}

    /** The name of file number {@code index} (from 1). */
    public static String name(long index) {
        return String.format("rollouts-%06d.pb", index);
    }

    /** The number in a log file's name, or -1 if the name is not a log file's. */
    public static long index(Path file) {
        Matcher matcher = NAME.matcher(file.getFileName().toString());
        return matcher.matches() ? Long.parseLong(matcher.group(1)) : -1;
    }

    /** The log files in {@code directory}, in write order; empty if the directory does not exist. */
    public static List<Path> list(Path directory) throws IOException {
        if (!Files.isDirectory(directory)) {
            return List.of();
        }
        try (Stream<Path> entries = Files.list(directory)) {
            return entries.filter(path -> index(path) >= 0 && Files.isRegularFile(path))
                    .sorted(Comparator.comparingLong(RolloutLogFiles::index))
                    .toList();
        }
    }

    /** The number the next new file in {@code directory} gets: one past the highest there. */
    public static long nextIndex(Path directory) throws IOException {
        long highest = 0;
        for (Path file : list(directory)) {
            highest = Math.max(highest, index(file));
        }
        return highest + 1;
    }
}
