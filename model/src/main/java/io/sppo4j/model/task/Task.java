package io.sppo4j.model.task;

import io.sppo4j.model.judge.PreferenceModel;
import io.sppo4j.model.sft.Demonstrations;
import io.sppo4j.model.tokenizer.Tokenizer;

import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * A training task: where prompts come from, who judges responses, and what the reference
 * policy imitates. The built-in tasks implement it; user datasets and judges will too.
 */
public interface Task {

    /** Name in summaries and checkpoints, e.g. {@code sort}. */
    String name();

    /** A prompt to train on, drawn from {@code random}; never one of {@link #heldOutPrompts}. */
    String trainingPrompt(SplittableRandom random);

    /** {@code count} evaluation prompts, the same for the same seed. */
    List<String> heldOutPrompts(int count, long seed);

    /** The judge of this task's responses. */
    PreferenceModel judge();

    /** Demonstrations for the supervised fine-tuning of the reference policy. */
    Demonstrations demonstrations(Tokenizer tokenizer);

    /** Present when responses are a finite set of single tokens (the game task). */
    default Optional<FiniteResponses> finiteResponses() {
        return Optional.empty();
    }
}
