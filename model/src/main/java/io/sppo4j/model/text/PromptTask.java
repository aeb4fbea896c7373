package io.sppo4j.model.text;

import io.sppo4j.model.judge.PreferenceModel;
import io.sppo4j.model.sft.Demonstrations;
import io.sppo4j.model.task.Task;
import io.sppo4j.model.tokenizer.Tokenizer;

import java.util.List;
import java.util.SplittableRandom;

/**
 * A task over a user's prompt file and a given judge: what the pipeline trains on when prompts
 * come from a dataset rather than a built-in generator.
 *
 * <p>{@link #trainingPrompt} draws uniformly among the training prompts (the pipeline's random
 * stream decides); {@link PromptDataset#trainingPrompt(long)} gives the epoch-ordered stream
 * instead. Demonstrations for SFT come from the lines that carry a {@code response}; a dataset
 * without any has none (the reference is then a pretrained model, trained by nobody here).
 */
public final class PromptTask implements Task {

    private final String name;
    private final PromptDataset dataset;
    private final PreferenceModel judge;
    private final List<PromptEntry> withResponses;

    /** @param name name in summaries and checkpoints, e.g. the file's base name */
    public PromptTask(String name, PromptDataset dataset, PreferenceModel judge) {
        this.name = name;
        this.dataset = dataset;
        this.judge = judge;
        this.withResponses = dataset.training().stream().filter(entry -> entry.response().isPresent()).toList();
    }

    public PromptDataset dataset() {
        return dataset;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String trainingPrompt(SplittableRandom random) {
        List<PromptEntry> training = dataset.training();
        return training.get(random.nextInt(training.size())).prompt();
    }

    /**
     * The first {@code count} held-out prompts (all of them when there are fewer); the split is
     * fixed by {@code sppo4j.prompts.shuffle-seed}, so {@code seed} does not change it.
     */
    @Override
    public List<String> heldOutPrompts(int count, long seed) {
        List<String> heldOut = dataset.heldOut();
        if (heldOut.isEmpty() && count > 0) {
            throw new IllegalStateException("no held-out prompts to evaluate on: set " + PromptsSettings.SECTION
                    + ".held-out to a fraction or a count (" + dataset.config().path() + ")");
        }
        return heldOut.subList(0, Math.min(count, heldOut.size()));
    }

    @Override
    public PreferenceModel judge() {
        return judge;
    }

    /** Whether {@link #demonstrations} has anything to give. */
    public boolean hasDemonstrations() {
        return !withResponses.isEmpty();
    }

    @Override
    public Demonstrations demonstrations(Tokenizer tokenizer) {
        if (withResponses.isEmpty()) {
            throw new IllegalStateException(dataset.config().path() + " has no training line with a \"response\": "
                    + "nothing to fine-tune a reference on; start from a pretrained reference instead");
        }
        return new DatasetDemonstrations(withResponses, tokenizer);
    }
}
