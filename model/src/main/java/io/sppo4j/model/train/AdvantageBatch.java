package io.sppo4j.model.train;

import java.util.List;

/** Policy samples with their advantage, e.g. P(y ≻ y_mix) − ½ for Nash-MD. */
public record AdvantageBatch(List<int[]> prompts, List<int[]> responses, float[] advantages) {

    public AdvantageBatch {
        if (responses.size() != prompts.size() || advantages.length != prompts.size()) {
            throw new IllegalArgumentException(
                    prompts.size() + " prompts, " + responses.size() + " responses, " + advantages.length + " advantages");
        }
        prompts = List.copyOf(prompts);
        responses = List.copyOf(responses);
    }

    public int size() {
        return prompts.size();
    }
}
