package io.sppo4j.model.task.sort;

import io.sppo4j.model.sft.Demonstrations;
import io.sppo4j.model.tokenizer.Tokenizer;

import java.util.SplittableRandom;

/** Noisy sorted strings for training prompts: what the sort reference policy imitates. */
public final class SortDemonstrations implements Demonstrations {

    private final SortTask task;
    private final Tokenizer tokenizer;

    public SortDemonstrations(SortTask task, Tokenizer tokenizer) {
        this.task = task;
        this.tokenizer = tokenizer;
    }

    @Override
    public Demonstration next(SplittableRandom random) {
        String prompt = task.trainingPrompt(random);
        String response = task.noisyDemonstration(prompt, random);
        return new Demonstration(tokenizer.encodePrompt(prompt), tokenizer.encodeResponse(response));
    }
}
