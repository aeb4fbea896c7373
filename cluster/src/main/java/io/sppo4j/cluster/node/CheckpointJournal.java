package io.sppo4j.cluster.node;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the journal {@link CheckpointFence} appends a line to for every checkpoint it lets into
 * place ({@code generation=G owner=O step=S time=T}), to check afterwards that learners held the
 * directory one after another: generations never go down, and each has a single owner.
 */
public final class CheckpointJournal {

    /** One committed checkpoint. */
    public record Entry(long generation, String owner, long step) {}

    private CheckpointJournal() {}

    /** The journal of {@code directory}, oldest first; empty if nothing was committed under a fence. */
    public static List<Entry> read(Path directory) throws IOException {
        Path file = directory.resolve(CheckpointFence.JOURNAL_FILE);
        List<Entry> entries = new ArrayList<>();
        if (!Files.exists(file)) {
            return entries;
        }
        for (String line : Files.readAllLines(file)) {
            Map<String, String> fields = new HashMap<>();
            for (String field : line.split(" ")) {
                int equals = field.indexOf('=');
                if (equals > 0) {
                    fields.put(field.substring(0, equals), field.substring(equals + 1));
                }
            }
            try {
                entries.add(new Entry(Long.parseLong(fields.get("generation")), fields.get("owner"),
                        Long.parseLong(fields.get("step"))));
            } catch (RuntimeException e) {
                throw new IOException(file + ": not a journal line: '" + line + "'", e);
            }
        }
        return entries;
    }

    /** Lines where a superseded generation wrote after a newer one, or a generation had a second owner. */
    public static List<String> violations(Path directory) throws IOException {
        List<String> violations = new ArrayList<>();
        Map<Long, String> owners = new HashMap<>();
        long newest = 0;
        for (Entry entry : read(directory)) {
            if (entry.generation() < newest) {
                violations.add("generation " + entry.generation() + " wrote step " + entry.step()
                        + " after generation " + newest);
            }
            newest = Math.max(newest, entry.generation());
            String owner = owners.putIfAbsent(entry.generation(), entry.owner());
            if (owner != null && !owner.equals(entry.owner())) {
                violations.add("generation " + entry.generation() + " written by " + owner + " and " + entry.owner());
            }
        }
        return violations;
    }
}
