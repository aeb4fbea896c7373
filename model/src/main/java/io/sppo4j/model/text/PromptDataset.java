package io.sppo4j.model.text;

import io.sppo4j.model.tokenizer.ChatTemplate;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.Random;
import java.util.Set;

/**
 * The prompts of a file, split once into training and held-out prompts and dealt in epochs.
 *
 * <p>The split is over distinct prompt texts, shuffled with the seed, so no held-out prompt is
 * ever trained on, even when the file repeats it, and the same file and seed give the same
 * split. Training prompt {@code n} of the epoch stream is a pure function of (seed, n): epoch
 * {@code n / size} visits every training prompt once, in the order of a shuffle seeded with
 * {@code seed + epoch}, so a run resumed at position {@code n} continues the same stream.
 */
public final class PromptDataset {

    private final PromptsSettings config;
    private final List<PromptEntry> training;
    private final List<String> heldOut;
    private final int skippedLines;
    private int cachedEpoch = -1;
    private int[] cachedOrder;

    private PromptDataset(PromptsSettings config, List<PromptEntry> training, List<String> heldOut, int skippedLines) {
        this.config = config;
        this.training = training;
        this.heldOut = heldOut;
        this.skippedLines = skippedLines;
    }

    /** Reads {@code config.path()}, rendering chat lines through {@code chatTemplate} when present. */
    public static PromptDataset load(PromptsSettings config, Optional<ChatTemplate> chatTemplate) throws IOException {
        PromptFileReader.Result read = new PromptFileReader(chatTemplate, config.skipBadLines())
                .read(config.file(), config.format());
        return split(config, read.entries(), read.skippedLines());
    }

    static PromptDataset split(PromptsSettings config, List<PromptEntry> entries, int skippedLines) {
        Set<String> distinct = new LinkedHashSet<>();
        entries.forEach(entry -> distinct.add(entry.prompt()));
        if (distinct.isEmpty()) {
            throw new IllegalArgumentException(config.path() + ": no prompts"
                    + (skippedLines > 0 ? " (all " + skippedLines + " non-blank lines were bad)" : ""));
        }
        List<String> shuffled = new ArrayList<>(distinct);
        Collections.shuffle(shuffled, new Random(config.shuffleSeed()));
        int heldOutCount = config.heldOutCount(shuffled.size());
        if (heldOutCount >= shuffled.size()) {
            throw new IllegalArgumentException(PromptsSettings.SECTION + ".held-out = " + config.heldOut() + " holds out "
                    + heldOutCount + " of the " + shuffled.size() + " distinct prompts of " + config.path()
                    + ", leaving none to train on");
        }
        List<String> heldOut = List.copyOf(shuffled.subList(0, heldOutCount));
        Set<String> heldOutSet = Set.copyOf(heldOut);
        List<PromptEntry> training = entries.stream().filter(entry -> !heldOutSet.contains(entry.prompt())).toList();
        return new PromptDataset(config, training, heldOut, skippedLines);
    }

    public PromptsSettings config() {
        return config;
    }

    /** Training prompts in file order (duplicates kept: a repeated prompt weighs more). */
    public List<PromptEntry> training() {
        return training;
    }

    /** Held-out prompts, in the split's shuffled order. */
    public List<String> heldOut() {
        return heldOut;
    }

    /** Bad lines skipped while reading (always 0 unless {@code skip-bad-lines} is on). */
    public int skippedLines() {
        return skippedLines;
    }

    /** Number of prompts in the epoch stream: epochs × training prompts. */
    public long streamLength() {
        return (long) config.epochs() * training.size();
    }

    /** Training prompt {@code n} of the epoch stream, for any n ≥ 0 (epochs beyond the configured count continue the pattern). */
    public synchronized String trainingPrompt(long n) {
        if (n < 0) {
            throw new IllegalArgumentException("stream position must be >= 0, got " + n);
        }
        int epoch = Math.toIntExact(n / training.size());
        if (epoch != cachedEpoch) {
            cachedOrder = order(epoch);
            cachedEpoch = epoch;
        }
        return training.get(cachedOrder[(int) (n % training.size())]).prompt();
    }

    /** The epoch stream from its start. */
    public EpochIterator epochs() {
        return epochs(0);
    }

    /** The epoch stream from position {@code start} (a resumed run's count of prompts taken). */
    public EpochIterator epochs(long start) {
        return new EpochIterator(start);
    }

    private int[] order(int epoch) {
        List<Integer> indices = new ArrayList<>(training.size());
        for (int i = 0; i < training.size(); i++) {
            indices.add(i);
        }
        Collections.shuffle(indices, new Random(config.shuffleSeed() + epoch));
        return indices.stream().mapToInt(Integer::intValue).toArray();
    }

    /** Training prompts epoch by epoch; knows which epoch it is in and how far it has come. */
    public final class EpochIterator implements Iterator<String> {

        private long position;

        private EpochIterator(long start) {
            if (start < 0) {
                throw new IllegalArgumentException("stream position must be >= 0, got " + start);
            }
            this.position = start;
        }

        @Override
        public boolean hasNext() {
            return position < streamLength();
        }

        @Override
        public String next() {
            if (!hasNext()) {
                throw new NoSuchElementException("all " + config.epochs() + " epoch(s) of " + config.path() + " are dealt");
            }
            return trainingPrompt(position++);
        }

        /** The 0-based epoch of the prompt {@link #next} returns next (equals the configured epochs when done). */
        public int epoch() {
            return Math.toIntExact(position / training.size());
        }

        /** Prompts taken so far, counted from the stream's start: save it to resume. */
        public long position() {
            return position;
        }
    }
}
