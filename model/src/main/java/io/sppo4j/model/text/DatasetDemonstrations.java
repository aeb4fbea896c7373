package io.sppo4j.model.text;

import io.sppo4j.model.sft.Demonstrations;
import io.sppo4j.model.tokenizer.Tokenizer;

import java.util.List;
import java.util.SplittableRandom;

/** Demonstrations from the training lines of a prompt file that carry a {@code response}. */
final class DatasetDemonstrations implements Demonstrations {

    private final List<PromptEntry> withResponses;
    private final Tokenizer tokenizer;

    DatasetDemonstrations(List<PromptEntry> withResponses, Tokenizer tokenizer) {
        this.withResponses = withResponses;
        this.tokenizer = tokenizer;
    }

    @Override
    public Demonstration next(SplittableRandom random) {
        PromptEntry entry = withResponses.get(random.nextInt(withResponses.size()));
        return new Demonstration(tokenizer.encodePrompt(entry.prompt()), tokenizer.encodeResponse(entry.response().orElseThrow()));
    }
}
